//! What differs between two versions of the clinic's settings, setting by setting, and
//! how one user's changes are put on top of another's. Used when two people changed the
//! settings at the same time: the settings screen lists both sides' changes, and "keep
//! mine" re-applies mine onto the version the other user saved, so that their changes
//! to other settings survive.

use super::{ClinicSettings, ClosedDate, DayHours, Resource, WEEKDAY_KEYS, weekday_name};
use chrono::Weekday;

/// One setting that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Which setting, as a stable key (`hours.sat`, `closed_dates.2026-12-24`,
    /// `clinicians.ben`): two changes to the same key touch the same setting.
    pub key: String,
    /// The screen's section it belongs to ("Opening hours", "Clinicians", ...).
    pub section: &'static str,
    /// In words staff can act on: `Saturday: 09:00-13:00 → closed`.
    pub text: String,
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Every setting that differs from `from` to `to`, in the settings screen's order. The
/// revision is not a setting.
pub fn changes(from: &ClinicSettings, to: &ClinicSettings) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |key: String, section: &'static str, text: String| out.push(Change { key, section, text });
    if from.name != to.name {
        push(
            "name".into(),
            "General",
            format!("clinic name: \"{}\" → \"{}\"", from.name, to.name),
        );
    }
    if from.phone != to.phone {
        push(
            "phone".into(),
            "General",
            format!("clinic phone: \"{}\" → \"{}\"", from.phone, to.phone),
        );
    }
    if from.address != to.address {
        push(
            "address".into(),
            "General",
            format!("clinic address: \"{}\" → \"{}\"", from.address, to.address),
        );
    }
    if from.default_minutes != to.default_minutes {
        push(
            "default_minutes".into(),
            "General",
            format!(
                "default length: {} min → {} min",
                from.default_minutes, to.default_minutes
            ),
        );
    }
    if from.idle_lock_minutes != to.idle_lock_minutes {
        let idle = |m: Option<u32>| m.map_or("off".to_string(), |m| format!("{m} min"));
        push(
            "idle_lock_minutes".into(),
            "General",
            format!(
                "idle lock: {} → {}",
                idle(from.idle_lock_minutes),
                idle(to.idle_lock_minutes)
            ),
        );
    }
    for day in 0..7 {
        if from.hours[day] != to.hours[day] {
            push(
                format!("hours.{}", WEEKDAY_KEYS[day]),
                "Opening hours",
                format!(
                    "{}: {} → {}",
                    weekday_name(WEEKDAYS[day]),
                    hours_text(from.hours[day]),
                    hours_text(to.hours[day])
                ),
            );
        }
    }
    for c in &to.closed_dates {
        match from.closed_dates.iter().find(|o| o.date == c.date) {
            None => push(
                closed_key(c),
                "Closed dates",
                format!("closed date added: {}", closed_text(c)),
            ),
            Some(o) if o.reason != c.reason => push(
                closed_key(c),
                "Closed dates",
                format!(
                    "closed date {}: reason \"{}\" → \"{}\"",
                    c.date.format("%a %Y-%m-%d"),
                    o.reason,
                    c.reason
                ),
            ),
            Some(_) => {}
        }
    }
    for o in &from.closed_dates {
        if !to.closed_dates.iter().any(|c| c.date == o.date) {
            push(
                closed_key(o),
                "Closed dates",
                format!("closed date removed: {}", closed_text(o)),
            );
        }
    }
    for (list, section, noun, a, b) in [
        (
            "clinicians",
            "Clinicians",
            "clinician",
            &from.clinicians,
            &to.clinicians,
        ),
        ("rooms", "Rooms", "room", &from.rooms, &to.rooms),
    ] {
        for r in b {
            let key = format!("{list}.{}", r.id);
            match a.iter().find(|o| o.id == r.id) {
                None => push(
                    key,
                    section,
                    format!(
                        "{noun} added: {} ({}){}",
                        r.name,
                        r.id,
                        if r.active { "" } else { ", inactive" }
                    ),
                ),
                Some(o) if o != r => {
                    let mut what = Vec::new();
                    if o.name != r.name {
                        what.push(format!("renamed \"{}\" → \"{}\"", o.name, r.name));
                    }
                    if o.active != r.active {
                        what.push(if r.active { "made active" } else { "made inactive" }.to_string());
                    }
                    push(
                        key,
                        section,
                        format!("{noun} {} ({}): {}", o.name, r.id, what.join(", ")),
                    );
                }
                Some(_) => {}
            }
        }
        for o in a {
            if !b.iter().any(|r| r.id == o.id) {
                push(
                    format!("{list}.{}", o.id),
                    section,
                    format!("{noun} no longer listed: {} ({})", o.name, o.id),
                );
            }
        }
    }
    if from.protocols_in_use != to.protocols_in_use {
        let list = |p: &[String]| {
            if p.is_empty() {
                "all".to_string()
            } else {
                p.join(", ")
            }
        };
        push(
            "protocols_in_use".into(),
            "Protocols in use",
            format!(
                "protocols offered: {} → {}",
                list(&from.protocols_in_use),
                list(&to.protocols_in_use)
            ),
        );
    }
    if from.review_months != to.review_months {
        let list = |m: &[u8]| m.iter().map(u8::to_string).collect::<Vec<_>>().join(", ");
        push(
            "review_months".into(),
            "Reviews",
            format!(
                "review months: {} → {}",
                list(&from.review_months),
                list(&to.review_months)
            ),
        );
    }
    for m in &to.staff {
        let key = format!("staff.{}", m.login);
        match from.staff.iter().find(|o| o.login == m.login) {
            None => push(
                key,
                "Staff",
                format!("staff added: {} ({}), {}", m.name, m.login, m.roles_text()),
            ),
            Some(o) if o != m => push(
                key,
                "Staff",
                format!(
                    "staff {}: {} ({}) → {} ({}){}",
                    m.login,
                    o.name,
                    o.roles_text(),
                    m.name,
                    m.roles_text(),
                    m.clinician
                        .as_deref()
                        .map_or(String::new(), |c| format!(", clinician {c}"))
                ),
            ),
            Some(_) => {}
        }
    }
    for o in &from.staff {
        if !to.staff.iter().any(|m| m.login == o.login) {
            push(
                format!("staff.{}", o.login),
                "Staff",
                format!("staff removed: {} ({})", o.name, o.login),
            );
        }
    }
    out
}

fn hours_text(h: Option<DayHours>) -> String {
    match h {
        Some(h) => format!("{}-{}", h.open.format("%H:%M"), h.close.format("%H:%M")),
        None => "closed".into(),
    }
}

fn closed_key(c: &ClosedDate) -> String {
    format!("closed_dates.{}", c.date)
}

fn closed_text(c: &ClosedDate) -> String {
    if c.reason.trim().is_empty() {
        c.date.format("%a %Y-%m-%d").to_string()
    } else {
        format!("{} ({})", c.date.format("%a %Y-%m-%d"), c.reason)
    }
}

/// `theirs` with every setting `mine` changed since `base` put on top: where both changed
/// the same setting, mine wins; every other change of theirs stays. The result has their
/// revision (it is saved as the next one) and may break a rule (two people each making a
/// different clinician inactive): the caller validates it.
pub fn rebase(base: &ClinicSettings, mine: &ClinicSettings, theirs: &ClinicSettings) -> ClinicSettings {
    fn pick<T: Clone + PartialEq>(base: &T, mine: &T, theirs: &T) -> T {
        if mine != base {
            mine.clone()
        } else {
            theirs.clone()
        }
    }
    let mut out = theirs.clone();
    out.name = pick(&base.name, &mine.name, &theirs.name);
    out.phone = pick(&base.phone, &mine.phone, &theirs.phone);
    out.address = pick(&base.address, &mine.address, &theirs.address);
    out.default_minutes = pick(
        &base.default_minutes,
        &mine.default_minutes,
        &theirs.default_minutes,
    );
    out.idle_lock_minutes = pick(
        &base.idle_lock_minutes,
        &mine.idle_lock_minutes,
        &theirs.idle_lock_minutes,
    );
    out.protocols_in_use = pick(
        &base.protocols_in_use,
        &mine.protocols_in_use,
        &theirs.protocols_in_use,
    );
    out.review_months = pick(&base.review_months, &mine.review_months, &theirs.review_months);
    for day in 0..7 {
        out.hours[day] = pick(&base.hours[day], &mine.hours[day], &theirs.hours[day]);
    }
    // Closed dates by date: mine removed, added or changed go on top of theirs.
    out.closed_dates.retain(|c| {
        let removed_by_me = base.closed_dates.iter().any(|b| b.date == c.date)
            && !mine.closed_dates.iter().any(|m| m.date == c.date);
        !removed_by_me
    });
    for m in &mine.closed_dates {
        if base.closed_dates.contains(m) {
            continue;
        }
        match out.closed_dates.iter_mut().find(|c| c.date == m.date) {
            Some(c) => *c = m.clone(),
            None => out.closed_dates.push(m.clone()),
        }
    }
    out.closed_dates.sort_by_key(|c| c.date);
    rebase_resources(&base.clinicians, &mine.clinicians, &mut out.clinicians);
    rebase_resources(&base.rooms, &mine.rooms, &mut out.rooms);
    // Staff by login: mine removed, added or changed go on top of theirs.
    out.staff.retain(|s| {
        let removed_by_me =
            base.staff.iter().any(|b| b.login == s.login) && !mine.staff.iter().any(|m| m.login == s.login);
        !removed_by_me
    });
    for m in &mine.staff {
        if base.staff.contains(m) {
            continue;
        }
        match out.staff.iter_mut().find(|s| s.login == m.login) {
            Some(s) => *s = m.clone(),
            None => out.staff.push(m.clone()),
        }
    }
    out.revision = theirs.revision;
    out
}

/// Clinicians or rooms by id: mine added or changed replace theirs or are added. None is
/// ever removed (sessions refer to the ids).
fn rebase_resources(base: &[Resource], mine: &[Resource], out: &mut Vec<Resource>) {
    for m in mine {
        if base.contains(m) {
            continue;
        }
        match out.iter_mut().find(|r| r.id == m.id) {
            Some(r) => *r = m.clone(),
            None => out.push(m.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};

    fn closed(date: &str, reason: &str) -> ClosedDate {
        ClosedDate {
            date: date.parse::<NaiveDate>().unwrap(),
            reason: reason.into(),
        }
    }

    #[test]
    fn changes_name_each_setting_in_words() {
        let base = crate::store::demo::demo_settings();
        let mut to = base.clone();
        to.hours[5] = None;
        to.closed_dates.push(closed("2026-12-24", "Christmas Eve"));
        to.clinicians[1].active = false;
        to.rooms.push(Resource::new("room-3", "Room 3"));
        to.default_minutes = 45;
        let got: Vec<String> = changes(&base, &to).into_iter().map(|c| c.text).collect();
        assert_eq!(
            got,
            vec![
                "default length: 60 min → 45 min",
                "Saturday: 09:00-13:00 → closed",
                "closed date added: Thu 2026-12-24 (Christmas Eve)",
                "clinician Ben Carter (ben): made inactive",
                "room added: Room 3 (room-3)",
            ]
        );
        assert!(changes(&to, &to).is_empty());
        let mut saved = to.clone();
        saved.revision = 9;
        assert!(changes(&to, &saved).is_empty(), "the revision is not a setting");
    }

    #[test]
    fn rebase_keeps_their_changes_and_puts_mine_on_top() {
        let base = ClinicSettings {
            revision: 3,
            closed_dates: vec![closed("2026-12-25", "Christmas"), closed("2027-01-01", "")],
            ..crate::store::demo::demo_settings()
        };
        let mut theirs = base.clone();
        theirs.revision = 4;
        theirs.closed_dates.push(closed("2026-12-24", "Christmas Eve"));
        theirs.clinicians[1].active = false;
        theirs.hours[0] = Some(DayHours::new(
            NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        ));
        theirs.name = "Their name".into();
        let mut mine = base.clone();
        mine.closed_dates.retain(|c| !c.reason.is_empty());
        mine.closed_dates.push(closed("2026-12-31", "Stocktake"));
        mine.clinicians.push(Resource::new("cleo", "Cleo Marsh"));
        mine.hours[5] = None;
        mine.name = "My name".into();

        let out = rebase(&base, &mine, &theirs);
        assert_eq!(out.revision, 4);
        assert_eq!(out.name, "My name", "both changed it: mine wins");
        assert_eq!(out.hours[0], theirs.hours[0], "theirs stays");
        assert_eq!(out.hours[5], None, "mine on top");
        let dates: Vec<String> = out.closed_dates.iter().map(|c| c.date.to_string()).collect();
        assert_eq!(dates, vec!["2026-12-24", "2026-12-25", "2026-12-31"]);
        let ids: Vec<(&str, bool)> = out.clinicians.iter().map(|r| (r.id.as_str(), r.active)).collect();
        assert_eq!(ids, vec![("amara", true), ("ben", false), ("cleo", true)]);
    }
}
