//! Properties of the three-way merge of a patient record (`domain::merge`): random
//! records and two random edits from a common base.
//! - every field follows the three-way rule: one side's change is taken, the same
//!   change on both sides is taken once, different changes are a clash (reported, the
//!   field left at its base value), never silently resolved;
//! - edits to different fields merge to what applying both gives;
//! - swapping mine and theirs gives the same clashes (values swapped) and the same
//!   merged record once each side's clashes are taken from it.

use chrono::{NaiveDate, NaiveDateTime};
use needleplan::domain::aftercare::ChecklistEntry;
use needleplan::domain::history::ClinicalChange;
use needleplan::domain::merge::{Side, merge};
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::domain::series::{Series, SeriesPlan};
use proptest::prelude::*;

const SESSIONS: usize = 3;
const ITEMS: usize = 3;
const ANSWERS: [&str; 2] = ["pregnancy", "active_infection"];

/// One field of the record an edit may set, with a small set of values (so that both
/// sides often pick the same one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Phone,
    Email,
    Notes,
    SessionDate(usize),
    SessionNotes(usize),
    SessionRoom(usize),
    Tick(usize, usize),
    Answer(usize),
}

impl Field {
    fn path(self) -> String {
        match self {
            Field::Phone => "phone".into(),
            Field::Email => "email".into(),
            Field::Notes => "notes".into(),
            Field::SessionDate(s) => format!("series[0].sessions[{s}].date"),
            Field::SessionNotes(s) => format!("series[0].sessions[{s}].notes"),
            Field::SessionRoom(s) => format!("series[0].sessions[{s}].room"),
            Field::Tick(s, i) => format!("series[0].sessions[{s}].checklist[{i}].ticked_at"),
            Field::Answer(a) => format!("screening.answers.{}", ANSWERS[a]),
        }
    }

    /// The field's value, as text (enough to compare).
    fn get(self, p: &Patient) -> String {
        let s = |i: usize| &p.series[0].sessions[i];
        match self {
            Field::Phone => p.phone.clone(),
            Field::Email => p.email.clone(),
            Field::Notes => p.notes.clone(),
            Field::SessionDate(i) => s(i).date.to_string(),
            Field::SessionNotes(i) => s(i).notes.clone(),
            Field::SessionRoom(i) => format!("{:?}", s(i).room),
            Field::Tick(i, k) => format!("{:?}", s(i).checklist[k].ticked_at),
            Field::Answer(a) => format!("{:?}", p.screening.answers.get(ANSWERS[a])),
        }
    }

    fn set(self, p: &mut Patient, v: u8) {
        fn s(p: &mut Patient, i: usize) -> &mut needleplan::domain::series::Session {
            &mut p.series[0].sessions[i]
        }
        match self {
            Field::Phone => p.phone = format!("0100 {v}"),
            Field::Email => p.email = format!("p{v}@example.com"),
            Field::Notes => p.notes = format!("note {v}"),
            Field::SessionDate(i) => {
                s(p, i).date = d("2027-01-01") + chrono::Duration::days(i64::from(v) + 40 * i as i64)
            }
            Field::SessionNotes(i) => s(p, i).notes = format!("session note {v}"),
            Field::SessionRoom(i) => s(p, i).room = (!v.is_multiple_of(3)).then(|| format!("room-{v}")),
            Field::Tick(i, k) => {
                s(p, i).checklist[k].ticked_at = (!v.is_multiple_of(3))
                    .then(|| at("2027-01-02T09:00:00") + chrono::Duration::minutes(v.into()))
            }
            Field::Answer(a) => {
                if v.is_multiple_of(3) {
                    p.screening.answers.remove(ANSWERS[a]);
                } else {
                    p.screening.answers.insert(ANSWERS[a].into(), v.is_multiple_of(2));
                }
            }
        }
    }

    fn all() -> Vec<Field> {
        let mut out = vec![Field::Phone, Field::Email, Field::Notes];
        for s in 0..SESSIONS {
            out.extend([
                Field::SessionDate(s),
                Field::SessionNotes(s),
                Field::SessionRoom(s),
            ]);
            out.extend((0..ITEMS).map(|i| Field::Tick(s, i)));
        }
        out.extend((0..ANSWERS.len()).map(Field::Answer));
        out
    }
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> NaiveDateTime {
    s.parse().unwrap()
}

fn record() -> Patient {
    let details = PatientDetails {
        full_name: "Prop Test".into(),
        ..Default::default()
    };
    let mut p = Patient::new(PatientId::new("p-prop").unwrap(), details, d("2026-11-01"));
    let plan = SeriesPlan {
        protocol_id: "x".into(),
        protocol_name: "X".into(),
        sessions: SESSIONS as u32,
        interval_days: 28,
        min_interval_days: 14,
        start: d("2026-12-01"),
        time: None,
    };
    p.series.push(Series::from_plan(&plan, d("2026-11-01")));
    for s in &mut p.series[0].sessions {
        for i in 0..ITEMS {
            s.checklist.push(ChecklistEntry {
                item_id: format!("item-{i}"),
                day: 1,
                text: format!("item {i}"),
                ticked_at: None,
            });
        }
    }
    p
}

fn history_entry(by: &str, minute: u32) -> ClinicalChange {
    ClinicalChange {
        at: at("2027-01-03T08:00:00") + chrono::Duration::minutes(minute.into()),
        by: by.into(),
        what: "screening answer".into(),
        old: String::new(),
        new: "yes".into(),
        reason: None,
    }
}

type Edits = Vec<(usize, u8)>;

fn apply(base: &Patient, edits: &Edits, who: &str, revision: u64) -> Patient {
    let fields = Field::all();
    let mut p = base.clone();
    for (n, (f, v)) in edits.iter().enumerate() {
        fields[f % fields.len()].set(&mut p, *v);
        // Some edits leave a history entry, as clinical changes do.
        if v.is_multiple_of(4) {
            p.history
                .push(history_entry(who, n as u32 * 2 + u32::from(who == "mine")));
        }
    }
    p.revision = revision;
    p
}

fn edits() -> impl Strategy<Value = Edits> {
    prop::collection::vec((0usize..64, 0u8..6), 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_field_follows_the_three_way_rule(
        base_edits in edits(), mine_edits in edits(), theirs_edits in edits()
    ) {
        let base = apply(&record(), &base_edits, "base", 4);
        let mine = apply(&base, &mine_edits, "mine", 4);
        let theirs = apply(&base, &theirs_edits, "theirs", 5);
        let m = merge(Some(&base), &mine, &theirs);
        let clash_paths: Vec<&str> = m.clashes.iter().map(|c| c.path.as_str()).collect();
        for f in Field::all() {
            let (b, t, y) = (f.get(&base), f.get(&theirs), f.get(&mine));
            let got = f.get(&m.merged);
            let clashed = clash_paths.iter().any(|p| f.path().starts_with(p));
            if t == y {
                prop_assert_eq!(&got, &t, "{:?}: same on both sides", f);
                prop_assert!(!clashed, "{:?}: the same change is no clash", f);
            } else if y == b {
                prop_assert_eq!(&got, &t, "{:?}: only theirs changed", f);
                prop_assert!(!clashed);
            } else if t == b {
                prop_assert_eq!(&got, &y, "{:?}: only mine changed", f);
                prop_assert!(!clashed);
            } else {
                prop_assert!(clashed, "{:?}: changed differently on both sides, not reported: {:?}", f, clash_paths);
                prop_assert_eq!(&got, &b, "{:?}: undecided, left at base", f);
                let picked_t = m.resolve_all(Side::Theirs).unwrap();
                let picked_m = m.resolve_all(Side::Mine).unwrap();
                prop_assert_eq!(f.get(&picked_t), t);
                prop_assert_eq!(f.get(&picked_m), y);
            }
        }
        // Nothing is a clash that is not one of these fields.
        for c in &m.clashes {
            prop_assert!(Field::all().iter().any(|f| f.path().starts_with(&c.path)), "{}", c.path);
        }
        // The history only grows: every entry of either side is kept once.
        for h in mine.history.iter().chain(&theirs.history) {
            prop_assert_eq!(m.merged.history.iter().filter(|x| *x == h).count(), 1);
        }
        prop_assert_eq!(m.merged.revision, 5, "a save names theirs' revision");
    }

    #[test]
    fn edits_to_different_fields_merge_to_both_applied(
        base_edits in edits(), mine_edits in edits(), theirs_edits in edits()
    ) {
        let fields = Field::all();
        let touched = |e: &Edits| -> Vec<Field> {
            let mut v: Vec<Field> = e.iter().map(|(f, _)| fields[f % fields.len()]).collect();
            v.sort();
            v.dedup();
            v
        };
        let (tm, tt) = (touched(&mine_edits), touched(&theirs_edits));
        prop_assume!(tm.iter().all(|f| !tt.contains(f)));
        let base = apply(&record(), &base_edits, "base", 4);
        let mine = apply(&base, &mine_edits, "mine", 4);
        let theirs = apply(&base, &theirs_edits, "theirs", 5);
        let m = merge(Some(&base), &mine, &theirs);
        prop_assert!(m.is_clean(), "{:?}", m.clashes);
        // Both applied: theirs, then my edits on top; new history entries oldest first.
        let mut both = apply(&theirs, &mine_edits, "mine", 5);
        let old = base.history.len();
        both.history.truncate(old);
        let mut added: Vec<ClinicalChange> = theirs.history[old..]
            .iter()
            .chain(&mine.history[old..])
            .cloned()
            .collect();
        added.sort_by_key(|h| h.at);
        added.dedup();
        both.history.extend(added);
        prop_assert_eq!(&m.merged, &both);
    }

    #[test]
    fn merging_is_symmetric(
        base_edits in edits(), a_edits in edits(), b_edits in edits()
    ) {
        let base = apply(&record(), &base_edits, "base", 4);
        let a = apply(&base, &a_edits, "a", 5);
        let b = apply(&base, &b_edits, "b", 5);
        let ab = merge(Some(&base), &a, &b);
        let ba = merge(Some(&base), &b, &a);
        let mut one: Vec<(String, String, String, String)> = ab
            .clashes
            .iter()
            .map(|c| (c.path.clone(), c.base.clone(), c.theirs.clone(), c.mine.clone()))
            .collect();
        let mut two: Vec<(String, String, String, String)> = ba
            .clashes
            .iter()
            .map(|c| (c.path.clone(), c.base.clone(), c.mine.clone(), c.theirs.clone()))
            .collect();
        one.sort();
        two.sort();
        prop_assert_eq!(one, two, "the same clashes, values swapped");
        // Everything outside the clashes is the same: taking a's side everywhere gives
        // one record whichever side a was on.
        prop_assert_eq!(
            ab.resolve_all(Side::Mine).unwrap(),
            ba.resolve_all(Side::Theirs).unwrap()
        );
        prop_assert_eq!(
            ab.resolve_all(Side::Theirs).unwrap(),
            ba.resolve_all(Side::Mine).unwrap()
        );
    }
}
