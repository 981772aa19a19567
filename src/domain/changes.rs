//! What kind of change a save makes to a patient record, for its `audit.log` line: a
//! list of change kinds, each with the path of the field it touched, such as
//! `screening_change screening.answers.pregnancy`, `book series[0].sessions[2]`,
//! `move series[0].sessions[1].date` or `chart_sign series[0].sessions[0].chart`.
//!
//! Paths name fields and positions only, never a value that identifies the patient or
//! any free text: contact details give the word `details` and the field's name, notes
//! and reasons give their path. Screening rule and washout ids (from the screening
//! template, not patient data) appear in paths; a key that does not look like a
//! template id is written as `?`. The one value written is a session's new status
//! (`status series[0].sessions[1] done`), a word from a fixed list.
//!
//! Series, skin assessments, overrides, acknowledgements and amendments are compared
//! by position. Sessions and review visits are kept in date order, so unchanged ones are
//! matched wherever they now are and a session added or moved is one change; its path
//! is its place after the save (a removed one's, before it). Any difference that no kind below describes gives `other`, so a change is
//! never silently left out.

use std::collections::BTreeSet;
use std::fmt;

use super::chart::SessionChart;
use super::patient::Patient;
use super::screening::Screening;
use super::series::{ReviewVisit, Series, Session, SessionStatus};

/// What kind of change it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// A contact detail (name, date of birth, phone, email, notes).
    Details,
    Archive,
    Restore,
    /// A series added, removed or its plan (protocol, intervals, length) changed.
    Series,
    /// A session or review visit added booked, or a planned one booked.
    Book,
    /// A session or review visit added while only planned.
    Plan,
    /// A session or review visit removed from its series.
    Remove,
    /// Its date or time changed.
    Move,
    Cancel,
    /// Any other status change; the new status follows the path.
    Status,
    /// Clinician, room, length, notes, late-cancel flag of a session or visit.
    Session,
    /// Consents, before-photos, confirmed prompts.
    Prep,
    /// Checklist item ticked or unticked.
    AftercareTick,
    /// The checklist itself (filled or emptied).
    Aftercare,
    /// The chart's record (device, depths, ...), while unsigned.
    Chart,
    ChartSign,
    Amend,
    /// A screening answer or washout exposure date.
    ScreeningChange,
    /// The screening review stamp (date, reviewer).
    ScreeningReview,
    /// A clinical override: of a screening block, or an interval override.
    Override,
    /// A relative contraindication acknowledged.
    Acknowledge,
    /// A skin assessment added, changed or removed.
    SkinAssessment,
    /// A difference no other kind describes.
    Other,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Details => "details",
            ChangeKind::Archive => "archive",
            ChangeKind::Restore => "restore",
            ChangeKind::Series => "series",
            ChangeKind::Book => "book",
            ChangeKind::Plan => "plan",
            ChangeKind::Remove => "remove",
            ChangeKind::Move => "move",
            ChangeKind::Cancel => "cancel",
            ChangeKind::Status => "status",
            ChangeKind::Session => "session",
            ChangeKind::Prep => "prep",
            ChangeKind::AftercareTick => "aftercare_tick",
            ChangeKind::Aftercare => "aftercare",
            ChangeKind::Chart => "chart",
            ChangeKind::ChartSign => "chart_sign",
            ChangeKind::Amend => "amend",
            ChangeKind::ScreeningChange => "screening_change",
            ChangeKind::ScreeningReview => "screening_review",
            ChangeKind::Override => "override",
            ChangeKind::Acknowledge => "acknowledge",
            ChangeKind::SkinAssessment => "skin_assessment",
            ChangeKind::Other => "other",
        }
    }
}

/// One change: its kind and the path of the field (empty for `archive`/`restore`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub path: String,
}

impl Change {
    fn new(kind: ChangeKind, path: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(self.kind.as_str())
        } else {
            write!(f, "{} {}", self.kind.as_str(), self.path)
        }
    }
}

/// The changes from `before` to `after` (the revision number aside), in the order of
/// the record's fields. Empty when they are the same.
pub fn changes(before: &Patient, after: &Patient) -> Vec<Change> {
    let mut out = Vec::new();
    let details: [(&str, bool); 5] = [
        ("full_name", before.full_name != after.full_name),
        ("date_of_birth", before.date_of_birth != after.date_of_birth),
        ("phone", before.phone != after.phone),
        ("email", before.email != after.email),
        ("notes", before.notes != after.notes),
    ];
    for (field, changed) in details {
        if changed {
            out.push(Change::new(ChangeKind::Details, field));
        }
    }
    if before.archived != after.archived {
        let kind = if after.archived {
            ChangeKind::Archive
        } else {
            ChangeKind::Restore
        };
        out.push(Change::new(kind, ""));
    }
    if before.created != after.created || before.id != after.id {
        out.push(Change::new(ChangeKind::Other, "created"));
    }
    screening(&before.screening, &after.screening, &mut out);
    indexed(&before.skin, &after.skin, "skin", &mut out, |_, _, path, out| {
        out.push(Change::new(ChangeKind::SkinAssessment, path));
    });
    for i in 0..before.series.len().max(after.series.len()) {
        let path = format!("series[{i}]");
        match (before.series.get(i), after.series.get(i)) {
            (Some(a), Some(b)) => series(a, b, &path, &mut out),
            _ => out.push(Change::new(ChangeKind::Series, path)),
        }
    }
    let mut rest_a = before.clone();
    let mut rest_b = after.clone();
    rest_a.revision = 0;
    rest_b.revision = 0;
    if out.is_empty() && rest_a != rest_b {
        out.push(Change::new(ChangeKind::Other, ""));
    }
    out
}

/// Compares two lists by position: `changed` is called for each pair that differs and
/// for each entry only one side has (`None` on the other), with the entry's path.
fn indexed<T: PartialEq>(
    a: &[T],
    b: &[T],
    name: &str,
    out: &mut Vec<Change>,
    changed: impl Fn(Option<&T>, Option<&T>, String, &mut Vec<Change>),
) {
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i), b.get(i));
        if x != y {
            changed(x, y, format!("{name}[{i}]"), out);
        }
    }
}

/// A map key as it may appear in a path: a template id (letters, digits, `_`, `-`,
/// `:`, `.`), else `?`.
fn key(id: &str) -> &str {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'));
    if ok { id } else { "?" }
}

fn screening(a: &Screening, b: &Screening, out: &mut Vec<Change>) {
    let ids: BTreeSet<&String> = a.answers.keys().chain(b.answers.keys()).collect();
    for id in ids {
        if a.answers.get(id) != b.answers.get(id) {
            out.push(Change::new(
                ChangeKind::ScreeningChange,
                format!("screening.answers.{}", key(id)),
            ));
        }
    }
    let ids: BTreeSet<&String> = a.exposures.keys().chain(b.exposures.keys()).collect();
    for id in ids {
        if a.exposures.get(id) != b.exposures.get(id) {
            out.push(Change::new(
                ChangeKind::ScreeningChange,
                format!("screening.exposures.{}", key(id)),
            ));
        }
    }
    if a.reviewed_on != b.reviewed_on || a.reviewed_by != b.reviewed_by {
        out.push(Change::new(ChangeKind::ScreeningReview, "screening.reviewed"));
    }
    indexed(
        &a.overrides,
        &b.overrides,
        "screening.overrides",
        out,
        |_, _, path, out| out.push(Change::new(ChangeKind::Override, path)),
    );
    indexed(
        &a.acknowledgements,
        &b.acknowledgements,
        "screening.acknowledgements",
        out,
        |_, _, path, out| out.push(Change::new(ChangeKind::Acknowledge, path)),
    );
    let n = out.len();
    let mut rest_a = a.clone();
    let mut rest_b = b.clone();
    for s in [&mut rest_a, &mut rest_b] {
        s.answers.clear();
        s.exposures.clear();
        s.reviewed_on = None;
        s.reviewed_by.clear();
        s.overrides.clear();
        s.acknowledgements.clear();
    }
    if rest_a != rest_b && out.len() == n {
        out.push(Change::new(ChangeKind::Other, "screening"));
    }
}

fn series(a: &Series, b: &Series, path: &str, out: &mut Vec<Change>) {
    let plan: [(&str, bool); 8] = [
        ("protocol_id", a.protocol_id != b.protocol_id),
        ("protocol_name", a.protocol_name != b.protocol_name),
        ("interval_days", a.interval_days != b.interval_days),
        ("min_interval_days", a.min_interval_days != b.min_interval_days),
        ("max_interval_days", a.max_interval_days != b.max_interval_days),
        ("session_minutes", a.session_minutes != b.session_minutes),
        ("target_sessions", a.target_sessions != b.target_sessions),
        ("created", a.created != b.created),
    ];
    for (field, changed) in plan {
        if changed {
            out.push(Change::new(ChangeKind::Series, format!("{path}.{field}")));
        }
    }
    for pair in aligned(&a.sessions, &b.sessions) {
        match pair {
            (Some(i), Some(j)) => session(
                &a.sessions[i],
                &b.sessions[j],
                &format!("{path}.sessions[{j}]"),
                out,
            ),
            (None, Some(j)) => out.push(Change::new(
                added(b.sessions[j].status),
                format!("{path}.sessions[{j}]"),
            )),
            (Some(i), None) => out.push(Change::new(ChangeKind::Remove, format!("{path}.sessions[{i}]"))),
            (None, None) => {}
        }
    }
    for pair in aligned(&a.reviews, &b.reviews) {
        match pair {
            (Some(i), Some(j)) => review(&a.reviews[i], &b.reviews[j], &format!("{path}.reviews[{j}]"), out),
            (None, Some(j)) => out.push(Change::new(
                added(b.reviews[j].status),
                format!("{path}.reviews[{j}]"),
            )),
            (Some(i), None) => out.push(Change::new(ChangeKind::Remove, format!("{path}.reviews[{i}]"))),
            (None, None) => {}
        }
    }
}

/// The entries of `a` and `b` that differ, as pairs of indices. Sessions and visits are
/// kept in date order, so one added or moved shifts the others: an entry equal to one
/// on the other side is matched with it wherever it now is, and left out; the rest are
/// paired in order: `(Some(i), Some(j))` changed, `(None, Some(j))` added,
/// `(Some(i), None)` removed. Added and changed entries come in the order of `b`,
/// removed ones after them.
fn aligned<T: PartialEq>(a: &[T], b: &[T]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut used = vec![false; a.len()];
    let mut unmatched_b = Vec::new();
    for (j, y) in b.iter().enumerate() {
        // The same place first, so equal entries keep their own partner.
        let same_place = a.get(j).is_some_and(|x| x == y) && !used[j];
        let found = if same_place {
            Some(j)
        } else {
            (0..a.len()).find(|&i| !used[i] && a[i] == *y)
        };
        match found {
            Some(i) => used[i] = true,
            None => unmatched_b.push(j),
        }
    }
    let mut unmatched_a = (0..a.len()).filter(|&i| !used[i]);
    let mut pairs: Vec<_> = unmatched_b
        .into_iter()
        .map(|j| (unmatched_a.next(), Some(j)))
        .collect();
    pairs.extend(unmatched_a.map(|i| (Some(i), None)));
    pairs
}

/// The kind of a session or visit that was added with `status`.
fn added(status: SessionStatus) -> ChangeKind {
    match status {
        SessionStatus::Planned => ChangeKind::Plan,
        _ => ChangeKind::Book,
    }
}

/// The change of status of a session or visit at `path`.
fn status(a: SessionStatus, b: SessionStatus, path: &str, out: &mut Vec<Change>) {
    if a == b {
        return;
    }
    out.push(match b {
        SessionStatus::Booked if a == SessionStatus::Planned => Change::new(ChangeKind::Book, path),
        SessionStatus::Cancelled => Change::new(ChangeKind::Cancel, path),
        _ => Change::new(ChangeKind::Status, format!("{path} {}", status_word(b))),
    });
}

fn status_word(s: SessionStatus) -> &'static str {
    match s {
        SessionStatus::Planned => "planned",
        SessionStatus::Booked => "booked",
        SessionStatus::Done => "done",
        SessionStatus::Cancelled => "cancelled",
        SessionStatus::NoShow => "no_show",
    }
}

/// What a session and a review visit have in common: the status, a move (date or
/// time) and the fields that change only the visit (`field` names, no values).
fn visit(
    statuses: (SessionStatus, SessionStatus),
    places: &[(&str, bool)],
    fields: &[(&str, bool)],
    path: &str,
    out: &mut Vec<Change>,
) {
    status(statuses.0, statuses.1, path, out);
    for (field, changed) in places {
        if *changed {
            out.push(Change::new(ChangeKind::Move, format!("{path}.{field}")));
        }
    }
    for (field, changed) in fields {
        if *changed {
            out.push(Change::new(ChangeKind::Session, format!("{path}.{field}")));
        }
    }
}

fn session(a: &Session, b: &Session, path: &str, out: &mut Vec<Change>) {
    let n = out.len();
    visit(
        (a.status, b.status),
        &[("date", a.date != b.date), ("time", a.time != b.time)],
        &[
            ("clinician", a.clinician != b.clinician),
            ("room", a.room != b.room),
            ("minutes", a.minutes != b.minutes),
            ("notes", a.notes != b.notes),
            ("cancelled_late", a.cancelled_late != b.cancelled_late),
        ],
        path,
        out,
    );
    if a.interval_override != b.interval_override {
        out.push(Change::new(
            ChangeKind::Override,
            format!("{path}.interval_override"),
        ));
    }
    if a.prep != b.prep {
        out.push(Change::new(ChangeKind::Prep, format!("{path}.prep")));
    }
    if a.checklist.len() != b.checklist.len() {
        out.push(Change::new(ChangeKind::Aftercare, format!("{path}.checklist")));
    } else {
        let list = format!("{path}.checklist");
        indexed(&a.checklist, &b.checklist, &list, out, |x, y, p, out| {
            let ticks_only = match (x, y) {
                (Some(x), Some(y)) => x.item_id == y.item_id && x.day == y.day && x.text == y.text,
                _ => false,
            };
            let kind = if ticks_only {
                ChangeKind::AftercareTick
            } else {
                ChangeKind::Aftercare
            };
            out.push(Change::new(kind, p));
        });
    }
    chart(a.chart.as_ref(), b.chart.as_ref(), &format!("{path}.chart"), out);
    if out.len() == n && a != b {
        out.push(Change::new(ChangeKind::Other, path));
    }
}

fn review(a: &ReviewVisit, b: &ReviewVisit, path: &str, out: &mut Vec<Change>) {
    let n = out.len();
    visit(
        (a.status, b.status),
        &[("date", a.date != b.date), ("time", a.time != b.time)],
        &[
            ("month", a.month != b.month),
            ("clinician", a.clinician != b.clinician),
            ("room", a.room != b.room),
            ("minutes", a.minutes != b.minutes),
            ("notes", a.notes != b.notes),
        ],
        path,
        out,
    );
    if out.len() == n && a != b {
        out.push(Change::new(ChangeKind::Other, path));
    }
}

fn chart(a: Option<&SessionChart>, b: Option<&SessionChart>, path: &str, out: &mut Vec<Change>) {
    if a == b {
        return;
    }
    let empty = SessionChart::default();
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    let n = out.len();
    if a.record() != b.record() {
        out.push(Change::new(ChangeKind::Chart, path));
    }
    if a.signature() != b.signature() {
        out.push(Change::new(ChangeKind::ChartSign, path));
    }
    let amendments = format!("{path}.amendments");
    indexed(
        a.amendments(),
        b.amendments(),
        &amendments,
        out,
        |_, _, p, out| {
            out.push(Change::new(ChangeKind::Amend, p));
        },
    );
    if out.len() == n {
        // A chart added or removed with nothing in it.
        out.push(Change::new(ChangeKind::Chart, path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aftercare::ChecklistEntry;
    use crate::domain::chart::ChartRecord;
    use crate::domain::patient::PatientId;
    use crate::domain::screening::{Acknowledgement, Override};
    use chrono::{NaiveDate, NaiveTime};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn session(date: NaiveDate, status: SessionStatus) -> Session {
        Session {
            date,
            status,
            ..Session::default()
        }
    }

    fn patient() -> Patient {
        let series = Series {
            protocol_id: "acne-scars".into(),
            protocol_name: "Acne scars".into(),
            interval_days: 28,
            min_interval_days: 21,
            max_interval_days: None,
            session_minutes: None,
            target_sessions: None,
            created: d(2026, 1, 1),
            sessions: vec![
                session(d(2026, 1, 5), SessionStatus::Done),
                session(d(2026, 2, 2), SessionStatus::Booked),
            ],
            reviews: Vec::new(),
        };
        Patient {
            id: PatientId::new("p-1").unwrap(),
            full_name: "Zelda Quirkbottom".into(),
            date_of_birth: Some(d(1980, 3, 4)),
            phone: "+44 7700 900123".into(),
            email: "zq@example.org".into(),
            notes: "secret note".into(),
            archived: false,
            created: d(2026, 1, 1),
            series: vec![series],
            revision: 3,
            skin: Vec::new(),
            screening: Screening::default(),
            history: Vec::new(),
        }
    }

    fn said(before: &Patient, after: &Patient) -> Vec<String> {
        changes(before, after).iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn the_same_record_has_no_changes_whatever_its_revision() {
        let a = patient();
        let mut b = a.clone();
        b.revision = 9;
        assert!(changes(&a, &b).is_empty());
    }

    #[test]
    fn details_name_the_fields_never_the_values() {
        let a = patient();
        let mut b = a.clone();
        b.full_name = "Zelda Q. Newname".into();
        b.phone = "+44 7700 900999".into();
        b.date_of_birth = None;
        b.notes = "another secret".into();
        b.email.clear();
        assert_eq!(
            said(&a, &b),
            [
                "details full_name",
                "details date_of_birth",
                "details phone",
                "details email",
                "details notes"
            ]
        );
    }

    #[test]
    fn archive_and_restore() {
        let a = patient();
        let mut b = a.clone();
        b.archived = true;
        assert_eq!(said(&a, &b), ["archive"]);
        assert_eq!(said(&b, &a), ["restore"]);
    }

    #[test]
    fn sessions_booked_planned_moved_cancelled_and_done() {
        let a = patient();
        let mut b = a.clone();
        b.series[0]
            .sessions
            .push(session(d(2026, 3, 2), SessionStatus::Booked));
        b.series[0]
            .sessions
            .push(session(d(2026, 3, 30), SessionStatus::Planned));
        assert_eq!(
            said(&a, &b),
            ["book series[0].sessions[2]", "plan series[0].sessions[3]"]
        );
        let mut c = a.clone();
        c.series[0].sessions[1].date = d(2026, 2, 9);
        c.series[0].sessions[1].time = NaiveTime::from_hms_opt(10, 0, 0);
        assert_eq!(
            said(&a, &c),
            [
                "move series[0].sessions[1].date",
                "move series[0].sessions[1].time"
            ]
        );
        let mut e = a.clone();
        e.series[0].sessions[1].status = SessionStatus::Cancelled;
        e.series[0].sessions[1].cancelled_late = true;
        assert_eq!(
            said(&a, &e),
            [
                "cancel series[0].sessions[1]",
                "session series[0].sessions[1].cancelled_late"
            ]
        );
        let mut f = a.clone();
        f.series[0].sessions[1].status = SessionStatus::Done;
        assert_eq!(said(&a, &f), ["status series[0].sessions[1] done"]);
        f.series[0].sessions[1].status = SessionStatus::NoShow;
        assert_eq!(said(&a, &f), ["status series[0].sessions[1] no_show"]);
        let mut g = a.clone();
        g.series[0].sessions[1].status = SessionStatus::Planned;
        assert_eq!(said(&g, &a), ["book series[0].sessions[1]"]);
        assert_eq!(
            said(&b, &a),
            ["remove series[0].sessions[2]", "remove series[0].sessions[3]"]
        );
    }

    #[test]
    fn a_session_sorted_into_place_is_one_change_not_a_shift_of_the_others() {
        let a = patient();
        // Booked before the first: sessions are kept in date order.
        let mut b = a.clone();
        b.series[0]
            .sessions
            .insert(0, session(d(2025, 12, 29), SessionStatus::Booked));
        assert_eq!(said(&a, &b), ["book series[0].sessions[0]"]);
        assert_eq!(said(&b, &a), ["remove series[0].sessions[0]"]);
        // The second of three moved after the third: it is now third.
        let mut c = a.clone();
        c.series[0]
            .sessions
            .push(session(d(2026, 3, 2), SessionStatus::Booked));
        let mut e = c.clone();
        let mut moved = e.series[0].sessions.remove(1);
        moved.date = d(2026, 3, 9);
        e.series[0].sessions.push(moved);
        assert_eq!(said(&c, &e), ["move series[0].sessions[2].date"]);
        // Equal sessions keep their own place.
        let mut f = a.clone();
        f.series[0].sessions = vec![session(d(2026, 2, 2), SessionStatus::Booked); 3];
        let mut g = f.clone();
        g.series[0].sessions[2].status = SessionStatus::Cancelled;
        assert_eq!(said(&f, &g), ["cancel series[0].sessions[2]"]);
    }

    #[test]
    fn session_fields_and_interval_override_name_their_path_only() {
        let a = patient();
        let mut b = a.clone();
        let s = &mut b.series[0].sessions[1];
        s.notes = "patient said something private".into();
        s.clinician = Some("dr-a".into());
        s.interval_override = Some("asked by the patient".into());
        s.prep.confirmed_prompts.insert("antiviral".into());
        assert_eq!(
            said(&a, &b),
            [
                "session series[0].sessions[1].clinician",
                "session series[0].sessions[1].notes",
                "override series[0].sessions[1].interval_override",
                "prep series[0].sessions[1].prep"
            ]
        );
    }

    #[test]
    fn aftercare_ticks_name_the_item() {
        let mut a = patient();
        let entry = |id: &str| ChecklistEntry {
            item_id: id.into(),
            day: 1,
            text: "Wash gently".into(),
            ticked_at: None,
        };
        a.series[0].sessions[1].checklist = (0..5).map(|i| entry(&format!("i{i}"))).collect();
        let mut b = a.clone();
        b.series[0].sessions[1].checklist[4].ticked_at = Some(d(2026, 2, 3).and_hms_opt(9, 0, 0).unwrap());
        assert_eq!(
            said(&a, &b),
            ["aftercare_tick series[0].sessions[1].checklist[4]"]
        );
        let mut c = patient();
        c.series[0].sessions[1].checklist.clear();
        assert_eq!(said(&c, &a), ["aftercare series[0].sessions[1].checklist"]);
    }

    #[test]
    fn screening_answers_exposures_overrides_and_acknowledgements() {
        let a = patient();
        let mut b = a.clone();
        b.screening.answers.insert("pregnancy".into(), true);
        b.screening
            .exposures
            .insert("isotretinoin".into(), Some(d(2025, 12, 1)));
        assert_eq!(
            said(&a, &b),
            [
                "screening_change screening.answers.pregnancy",
                "screening_change screening.exposures.isotretinoin"
            ]
        );
        let mut c = b.clone();
        c.screening.answers.insert("pregnancy".into(), false);
        c.screening.exposures.insert("isotretinoin".into(), None);
        assert_eq!(
            said(&b, &c),
            [
                "screening_change screening.answers.pregnancy",
                "screening_change screening.exposures.isotretinoin"
            ]
        );
        let at = d(2026, 1, 2).and_hms_opt(9, 0, 0).unwrap();
        let mut e = c.clone();
        e.screening.overrides.push(Override {
            target: "pregnancy".into(),
            by: "Dr Somebody".into(),
            reason: "free text reason".into(),
            at,
            judged_on: None,
        });
        e.screening.acknowledgements.push(Acknowledgement {
            rule_id: "retinoids".into(),
            by: "Dr Somebody".into(),
            at,
        });
        e.screening.reviewed_on = Some(d(2026, 1, 2));
        e.screening.reviewed_by = "Dr Somebody".into();
        assert_eq!(
            said(&c, &e),
            [
                "screening_review screening.reviewed",
                "override screening.overrides[0]",
                "acknowledge screening.acknowledgements[0]"
            ]
        );
    }

    #[test]
    fn a_key_that_is_not_a_template_id_is_not_written() {
        let a = patient();
        let mut b = a.clone();
        b.screening.answers.insert("Zelda Quirkbottom".into(), true);
        assert_eq!(said(&a, &b), ["screening_change screening.answers.?"]);
    }

    #[test]
    fn charts_edited_signed_and_amended() {
        let a = patient();
        let mut b = a.clone();
        let record = ChartRecord {
            device_id: "pen".into(),
            notes: "private".into(),
            ..ChartRecord::default()
        };
        b.series[0].sessions[0].chart = Some(SessionChart::new(record));
        assert_eq!(said(&a, &b), ["chart series[0].sessions[0].chart"]);
        let mut c = b.clone();
        c.series[0].sessions[0]
            .chart
            .as_mut()
            .unwrap()
            .edit()
            .unwrap()
            .passes = 3;
        assert_eq!(said(&b, &c), ["chart series[0].sessions[0].chart"]);
    }

    #[test]
    fn chart_signature_and_amendments_from_the_file_format() {
        // Signed and amended charts are built through their JSON, as they are read.
        let chart = |json: &str| -> SessionChart { serde_json::from_str(json).unwrap() };
        let unsigned = chart(r#"{"record":{"device_id":"pen"}}"#);
        let signed =
            chart(r#"{"record":{"device_id":"pen"},"signed":{"by":"Dr A","at":"2026-01-05T10:00:00"}}"#);
        let amended = chart(
            r#"{"record":{"device_id":"pen"},"signed":{"by":"Dr A","at":"2026-01-05T10:00:00"},
                "amendments":[{"at":"2026-01-06T10:00:00","by":"Dr A","text":"one"},
                              {"at":"2026-01-07T10:00:00","by":"Dr A","text":"two"}]}"#,
        );
        let once = chart(
            r#"{"record":{"device_id":"pen"},"signed":{"by":"Dr A","at":"2026-01-05T10:00:00"},
                "amendments":[{"at":"2026-01-06T10:00:00","by":"Dr A","text":"one"}]}"#,
        );
        let with = |c: &SessionChart| {
            let mut p = patient();
            p.series[0].sessions[0].chart = Some(c.clone());
            p
        };
        assert_eq!(
            said(&with(&unsigned), &with(&signed)),
            ["chart_sign series[0].sessions[0].chart"]
        );
        assert_eq!(
            said(&with(&once), &with(&amended)),
            ["amend series[0].sessions[0].chart.amendments[1]"]
        );
    }

    #[test]
    fn skin_assessments_and_series() {
        use crate::domain::skin::{Fitzpatrick, Iga, SkinAssessment};
        let a = patient();
        let mut b = a.clone();
        for i in 0..4 {
            b.skin.push(SkinAssessment {
                date: d(2026, 1, 1 + i),
                by: "Dr A".into(),
                fitzpatrick: Fitzpatrick::III,
                iga: Iga::Clear,
                scars: Vec::new(),
                quantitative_score: None,
                areas: Default::default(),
                notes: String::new(),
            });
        }
        let mut c = b.clone();
        c.skin[3].notes = "private".into();
        assert_eq!(said(&b, &c), ["skin_assessment skin[3]"]);
        let mut e = a.clone();
        e.series.push(a.series[0].clone());
        e.series[0].interval_days = 35;
        assert_eq!(
            said(&a, &e),
            ["series series[0].interval_days", "series series[1]"]
        );
    }

    #[test]
    fn no_change_line_holds_a_patient_value() {
        let a = patient();
        let mut b = a.clone();
        b.full_name = "Wilhelmina Xylophone".into();
        b.phone = "+44 1632 960001".into();
        b.notes = "confidential remark".into();
        b.series[0].sessions[1].notes = "confidential remark".into();
        b.screening.overrides.push(Override {
            target: "pregnancy".into(),
            by: "Dr A".into(),
            reason: "confidential remark".into(),
            at: d(2026, 1, 2).and_hms_opt(9, 0, 0).unwrap(),
            judged_on: None,
        });
        let text = said(&a, &b).join("\n");
        for value in [
            "Wilhelmina",
            "Zelda",
            "1632",
            "7700",
            "confidential",
            "1980",
            "example.org",
        ] {
            assert!(!text.contains(value), "{value} in {text}");
        }
    }
}
