//! Three-way merge of a patient record: the version an edit started from (base), my
//! edit (mine) and what another user saved meanwhile (theirs).
//!
//! The merge works field by field on the record's saved form: the contact details one
//! by one, each series, session and review by its place, each aftercare item by its
//! item id and day, screening answers and exposures by name, overrides by what they
//! override, charts field by field. A field changed on one side only takes that change;
//! the same change on both sides is no clash; the same field changed to different
//! values on both sides is a [`Clash`], never resolved here. Lists that only grow (the
//! clinical history, chart amendments, acknowledgements) are joined: both sides' new
//! entries are kept, oldest first.
//!
//! Conservative where it matters: a chart signed on one side and changed on the other
//! is one clash on the whole chart; a list whose items cannot be paired (both sides
//! added or removed sessions of one series) is one clash on the whole list.
//!
//! The merge is symmetric: swapping mine and theirs gives the same clashes (their
//! values swapped) and the same merged fields.

use serde_json::{Map, Value};

use super::patient::Patient;

/// One step of a path into the record's saved form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Which side a clashing field is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Theirs,
    Mine,
}

/// The same field changed to different values on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Clash {
    /// Where, in the merged record (`series[0].sessions[1].date`).
    pub path: String,
    /// The field in words staff can act on (`series 1 session 2 date`).
    pub label: String,
    /// The three values, as shown to the user.
    pub base: String,
    pub theirs: String,
    pub mine: String,
    /// A screening answer, an override, a chart, a skin assessment or a booking.
    pub clinical: bool,
    at: Vec<Seg>,
    values: [Option<Value>; 3],
}

impl Clash {
    /// The value of one side, as saved (`None`: the field is absent on that side).
    fn value(&self, side: Side) -> Option<&Value> {
        match side {
            Side::Theirs => self.values[1].as_ref(),
            Side::Mine => self.values[2].as_ref(),
        }
    }
}

/// What a merge found. `merged` holds every change of both sides; each clashing field
/// is left at its base value until [`Merge::resolve`] is told which side to take.
#[derive(Debug, Clone)]
pub struct Merge {
    pub merged: Patient,
    pub clashes: Vec<Clash>,
    value: Value,
    sides: [Value; 3],
}

/// A merged record that is not a valid patient record any more (should not happen: the
/// caller then asks about the whole record).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the merged record cannot be read back: {0}")]
pub struct MergeError(String);

/// Merges `base -> mine` and `base -> theirs`. `base` is `None` when the version the
/// edit started from is unknown: every field that differs is then a clash. The merged
/// record carries theirs' revision (the one a save of it must name).
pub fn merge(base: Option<&Patient>, mine: &Patient, theirs: &Patient) -> Merge {
    let to_value = |p: &Patient| {
        let mut v = serde_json::to_value(p).expect("a patient always serializes");
        if let Value::Object(m) = &mut v {
            m.remove("revision");
        }
        v
    };
    // An unknown base is a record with nothing in it: every field both sides hold and
    // that differs is then a clash.
    let b = base.map(to_value).unwrap_or(Value::Null);
    let m = to_value(mine);
    let t = to_value(theirs);
    let mut clashes = Vec::new();
    let mut at = Vec::new();
    let mut value = merge_value(&mut at, Some(&b), Some(&t), Some(&m), &mut clashes).unwrap_or(Value::Null);
    // A clashing field holds its base value until a side is picked; one the base did
    // not have and the record cannot be without holds theirs meanwhile.
    if read_back(&value, theirs.revision).is_err() {
        for c in clashes.iter().filter(|c| c.values[0].is_none()) {
            set_at(&mut value, &c.at, c.values[1].clone());
        }
    }
    let sides = [b, t, m];
    for c in &mut clashes {
        c.label = label(&c.at, &value);
    }
    let (merged, value, clashes) = match read_back(&value, theirs.revision) {
        Ok(p) => (p, value, clashes),
        Err(_) => {
            // Cannot happen for records this version wrote; if it does, the whole
            // record is one question rather than a guess.
            let whole = Clash {
                path: String::new(),
                label: "the whole record".into(),
                base: "the version you started from".into(),
                theirs: "their whole version".into(),
                mine: "your whole version".into(),
                clinical: true,
                at: Vec::new(),
                values: [
                    Some(sides[0].clone()),
                    Some(sides[1].clone()),
                    Some(sides[2].clone()),
                ],
            };
            let mut p = theirs.clone();
            p.revision = theirs.revision;
            (p, sides[1].clone(), vec![whole])
        }
    };
    Merge {
        merged,
        clashes,
        value,
        sides,
    }
}

impl Merge {
    /// Whether both sides' changes combined without a clash.
    pub fn is_clean(&self) -> bool {
        self.clashes.is_empty()
    }

    /// The merged record with each clashing field taken from the side picked for it
    /// (`picks[i]` for `clashes[i]`); everything else is the merge's.
    pub fn resolve(&self, picks: &[Side]) -> Result<Patient, MergeError> {
        let mut value = self.value.clone();
        for (clash, side) in self.clashes.iter().zip(picks) {
            set_at(&mut value, &clash.at, clash.value(*side).cloned());
        }
        read_back(&value, self.merged.revision)
    }

    /// The same with every clashing field taken from one side.
    pub fn resolve_all(&self, side: Side) -> Result<Patient, MergeError> {
        self.resolve(&vec![side; self.clashes.len()])
    }

    /// Turns a field that merged cleanly into a question (the merged booking broke a
    /// rule: the fields I moved are asked about again). Nothing happens for a path that
    /// is already a clash or that my side did not change.
    pub fn ask_about(&mut self, path: &[Seg]) {
        if self.clashes.iter().any(|c| path.starts_with(&c.at)) {
            return;
        }
        let [b, t, m] = [0, 1, 2].map(|i| get_at(&self.sides[i], path).cloned());
        if m == b || m == t {
            return;
        }
        let mut c = clash(path, b.as_ref(), t.as_ref(), m.as_ref());
        c.label = label(path, &self.value);
        self.clashes.push(c);
        set_at(&mut self.value, path, b.or(t));
        if let Ok(p) = read_back(&self.value, self.merged.revision) {
            self.merged = p;
        }
    }
}

fn read_back(value: &Value, revision: u64) -> Result<Patient, MergeError> {
    let mut p: Patient = serde_json::from_value(value.clone()).map_err(|e| MergeError(e.to_string()))?;
    p.revision = revision;
    Ok(p)
}

/// How the items of a list are paired across the three versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListKind {
    /// By place (series, sessions, reviews): merged item by item when no side changed
    /// the length, or only one side did.
    ByIndex,
    /// By the value of some fields (an aftercare item: `item_id` and `day`).
    ByKey(&'static [&'static str]),
    /// A list that only grows (history, amendments, acknowledgements, sets of names):
    /// both sides' new items are kept.
    Union,
    /// Anything else: one field.
    Whole,
}

fn list_kind(at: &[Seg]) -> ListKind {
    let keys: Vec<&str> = at
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    match keys.as_slice() {
        ["series"] | ["series", "sessions"] | ["series", "reviews"] => ListKind::ByIndex,
        ["series", "sessions", "checklist"] => ListKind::ByKey(&["item_id", "day"]),
        ["screening", "overrides"] => ListKind::ByKey(&["target"]),
        ["skin"] => ListKind::ByKey(&["date", "by"]),
        ["history"]
        | ["screening", "acknowledgements"]
        | ["series", "sessions", "chart", "amendments"]
        | ["series", "sessions", "prep", "photos"]
        | ["series", "sessions", "prep", "confirmed_prompts"] => ListKind::Union,
        _ => ListKind::Whole,
    }
}

/// The merge of one field. `None` is an absent field; a clash leaves the base value.
fn merge_value(
    at: &mut Vec<Seg>,
    b: Option<&Value>,
    t: Option<&Value>,
    m: Option<&Value>,
    clashes: &mut Vec<Clash>,
) -> Option<Value> {
    if t == m {
        return t.cloned();
    }
    if t == b {
        return m.cloned();
    }
    if m == b {
        return t.cloned();
    }
    if is_chart(at) && chart_signing_clash(b, t, m) {
        clashes.push(clash(at, b, t, m));
        return b.cloned();
    }
    // Empty lists and default sections are left out of the saved form: absent on one
    // side and a list or section on another is an empty one, merged item by item (a
    // chart is never made up from two that were started apart).
    let (empty_list, empty_map) = (Value::Array(Vec::new()), Value::Object(Map::new()));
    let filler = [b, t, m].into_iter().flatten().find_map(|v| match v {
        Value::Array(_) => Some(&empty_list),
        Value::Object(_) if !is_chart(at) => Some(&empty_map),
        _ => None,
    });
    let (b, t, m) = match filler {
        Some(f) => (b.or(Some(f)), t.or(Some(f)), m.or(Some(f))),
        None => (b, t, m),
    };
    match (t, m) {
        (Some(Value::Object(to)), Some(Value::Object(mo))) => {
            let empty = Map::new();
            let bo = match b {
                Some(Value::Object(bo)) => bo,
                _ => &empty,
            };
            let mut keys: Vec<&String> = bo.keys().chain(to.keys()).chain(mo.keys()).collect();
            keys.sort();
            keys.dedup();
            let mut out = Map::new();
            for k in keys {
                at.push(Seg::Key(k.clone()));
                let v = merge_value(at, bo.get(k), to.get(k), mo.get(k), clashes);
                at.pop();
                if let Some(v) = v {
                    out.insert(k.clone(), v);
                }
            }
            Some(Value::Object(out))
        }
        (Some(Value::Array(ta)), Some(Value::Array(ma))) => {
            let ba = match b {
                Some(Value::Array(ba)) => Some(ba.as_slice()),
                _ => None,
            };
            match merge_list(at, ba, ta, ma, clashes) {
                Some(v) => Some(v),
                None => {
                    clashes.push(clash(at, b, t, m));
                    b.cloned()
                }
            }
        }
        _ => {
            clashes.push(clash(at, b, t, m));
            b.cloned()
        }
    }
}

/// The merge of a list, or `None` when it is one clash as a whole.
fn merge_list(
    at: &mut Vec<Seg>,
    b: Option<&[Value]>,
    t: &[Value],
    m: &[Value],
    clashes: &mut Vec<Clash>,
) -> Option<Value> {
    match list_kind(at) {
        ListKind::Whole => None,
        ListKind::ByIndex => {
            let b = b.unwrap_or(&[]);
            // Two different new items in the same new place are two things, not one.
            let both_added = t.len() > b.len() && m.len() > b.len();
            if both_added && t[b.len()..] != m[b.len()..] {
                return None;
            }
            let len = if t.len() == m.len() {
                t.len()
            } else if t.len() == b.len() && m.len() > b.len() {
                m.len()
            } else if m.len() == b.len() && t.len() > b.len() {
                t.len()
            } else {
                return None;
            };
            let mut out = Vec::with_capacity(len);
            for i in 0..len {
                at.push(Seg::Index(out.len()));
                let v = merge_value(at, b.get(i), t.get(i), m.get(i), clashes);
                at.pop();
                out.extend(v);
            }
            Some(Value::Array(out))
        }
        ListKind::ByKey(fields) => {
            let key = |v: &Value| -> String {
                fields
                    .iter()
                    .map(|f| v.get(f).map(Value::to_string).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            };
            let unique = |l: &[Value]| {
                let mut ks: Vec<String> = l.iter().map(key).collect();
                ks.sort();
                let n = ks.len();
                ks.dedup();
                ks.len() == n
            };
            let b = b.unwrap_or(&[]);
            if !(unique(b) && unique(t) && unique(m)) {
                return None;
            }
            let find = |l: &[Value], k: &str| l.iter().find(|v| key(v) == k).cloned();
            // Base order first, then items new on either side in key order.
            let mut order: Vec<String> = b.iter().map(key).collect();
            let mut added: Vec<String> = t
                .iter()
                .chain(m)
                .map(key)
                .filter(|k| !order.contains(k))
                .collect();
            added.sort();
            added.dedup();
            order.extend(added);
            // An item removed on one side and changed on the other cannot be paired.
            for k in &order {
                let (bv, tv, mv) = (find(b, k), find(t, k), find(m, k));
                if bv.is_some() && (tv.is_none() != mv.is_none()) && tv != bv && mv != bv {
                    return None;
                }
            }
            let mut out = Vec::new();
            for k in &order {
                let (bv, tv, mv) = (find(b, k), find(t, k), find(m, k));
                at.push(Seg::Index(out.len()));
                let v = merge_value(at, bv.as_ref(), tv.as_ref(), mv.as_ref(), clashes);
                at.pop();
                out.extend(v);
            }
            Some(Value::Array(out))
        }
        ListKind::Union => {
            let b = b.unwrap_or(&[]);
            let text = |v: &Value| v.to_string();
            let has = |l: &[Value], v: &Value| l.iter().any(|x| x == v);
            // Kept: base items neither side removed; then both sides' new ones.
            let mut out: Vec<Value> = b.iter().filter(|v| has(t, v) && has(m, v)).cloned().collect();
            let mut added: Vec<&Value> = t.iter().chain(m).filter(|v| !has(b, v)).collect();
            added.sort_by_key(|v| {
                let when = v.get("at").map(text).unwrap_or_default();
                (when, text(v))
            });
            added.dedup();
            out.extend(added.into_iter().cloned());
            Some(Value::Array(out))
        }
    }
}

fn is_chart(at: &[Seg]) -> bool {
    matches!(at.last(), Some(Seg::Key(k)) if k == "chart")
}

/// A chart signed (or unsigned) on one side while the other changed anything else of
/// it: merging would put words under a signature that did not see them.
fn chart_signing_clash(b: Option<&Value>, t: Option<&Value>, m: Option<&Value>) -> bool {
    let signed = |v: Option<&Value>| v.and_then(|v| v.get("signed")).cloned();
    let rest = |v: Option<&Value>| {
        v.map(|v| {
            let mut v = v.clone();
            if let Value::Object(o) = &mut v {
                o.remove("signed");
            }
            v
        })
    };
    let t_signs = signed(t) != signed(b);
    let m_signs = signed(m) != signed(b);
    (t_signs && rest(m) != rest(b)) || (m_signs && rest(t) != rest(b))
}

fn clash(at: &[Seg], b: Option<&Value>, t: Option<&Value>, m: Option<&Value>) -> Clash {
    let keys: Vec<&str> = at
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    let first = keys.first().copied();
    let booking_or_chart = keys.iter().any(|k| {
        matches!(
            *k,
            "chart"
                | "interval_override"
                | "interval_override_by"
                | "interval_override_at"
                | "date"
                | "time"
                | "clinician"
                | "room"
                | "status"
        )
    });
    let clinical = match first {
        None | Some("screening") | Some("skin") => true,
        Some("series") => keys.len() <= 2 || booking_or_chart,
        _ => false,
    };
    Clash {
        path: path_text(at),
        label: String::new(),
        base: show(b),
        theirs: show(t),
        mine: show(m),
        clinical,
        at: at.to_vec(),
        values: [b.cloned(), t.cloned(), m.cloned()],
    }
}

fn path_text(at: &[Seg]) -> String {
    let mut s = String::new();
    for seg in at {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// The field in words: `series 1 session 2 aftercare "Avoid sun" (day 1) ticked at`;
/// `merged` names aftercare items and overrides by their text.
fn label(at: &[Seg], merged: &Value) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut last_key = "";
    for (n, seg) in at.iter().enumerate() {
        let item = get_at(merged, &at[..=n]);
        let text = |field: &str| item.and_then(|v| v.get(field)).and_then(Value::as_str);
        match seg {
            Seg::Key(k) => {
                last_key = k;
                let w = match k.as_str() {
                    "series" | "sessions" | "reviews" | "checklist" | "overrides" | "skin" | "record" => {
                        continue;
                    }
                    "full_name" => "name".to_string(),
                    "answers" => "answer".to_string(),
                    "exposures" => "last exposure to".to_string(),
                    "ticked_at" => "ticked at".to_string(),
                    "ticked_by" => "ticked by".to_string(),
                    other => other.replace('_', " "),
                };
                words.push(w);
            }
            Seg::Index(i) => {
                let w = match last_key {
                    "series" => format!("series {}", i + 1),
                    "sessions" => format!("session {}", i + 1),
                    "reviews" => format!("review {}", i + 1),
                    "checklist" => match (text("text"), item.and_then(|v| v.get("day"))) {
                        (Some(t), Some(d)) => format!("aftercare \"{t}\" (day {d})"),
                        (Some(t), None) => format!("aftercare \"{t}\""),
                        _ => format!("aftercare item {}", i + 1),
                    },
                    "overrides" => match text("target") {
                        Some(t) => format!("override of {t}"),
                        None => format!("override {}", i + 1),
                    },
                    "skin" => format!("skin assessment {}", i + 1),
                    _ => format!("item {}", i + 1),
                };
                words.push(w);
            }
        }
    }
    if words.is_empty() {
        "the whole record".into()
    } else {
        words.join(" ")
    }
}

/// A value as the compare screen shows it: short, and never a bare JSON dump.
fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(none)".into(),
        Some(Value::String(s)) if s.is_empty() => "(empty)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.into(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) => match a.len() {
            0 => "none".into(),
            1 => "1 item".into(),
            n => format!("{n} items"),
        },
        Some(Value::Object(o)) => {
            let parts: Vec<String> = o
                .iter()
                .filter(|(_, v)| !v.is_object() && !v.is_array() && !v.is_null())
                .take(4)
                .map(|(k, v)| format!("{}: {}", k.replace('_', " "), show(Some(v))))
                .collect();
            let text = parts.join(", ");
            if text.chars().count() > 70 {
                format!("{}…", text.chars().take(69).collect::<String>())
            } else {
                text
            }
        }
    }
}

fn get_at<'a>(v: &'a Value, at: &[Seg]) -> Option<&'a Value> {
    at.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get(k),
        Seg::Index(i) => v.get(i),
    })
}

/// Puts `new` at `at` (`None` removes an object's field).
fn set_at(v: &mut Value, at: &[Seg], new: Option<Value>) {
    let Some((last, parents)) = at.split_last() else {
        if let Some(new) = new {
            *v = new;
        }
        return;
    };
    let mut cur = v;
    for seg in parents {
        let next = match seg {
            Seg::Key(k) => cur.get_mut(k),
            Seg::Index(i) => cur.get_mut(*i),
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match (last, cur) {
        (Seg::Key(k), Value::Object(o)) => match new {
            Some(n) => {
                o.insert(k.clone(), n);
            }
            None => {
                o.remove(k);
            }
        },
        (Seg::Index(i), Value::Array(a)) => {
            if let (Some(slot), Some(n)) = (a.get_mut(*i), new) {
                *slot = n;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aftercare::ChecklistEntry;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{Series, SeriesPlan};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn base() -> Patient {
        let details = PatientDetails {
            full_name: "Ann Lee".into(),
            phone: "1".into(),
            ..Default::default()
        };
        let mut p = Patient::new(PatientId::new("p-1").unwrap(), details, d("2026-11-01"));
        let plan = SeriesPlan {
            protocol_id: "x".into(),
            protocol_name: "X".into(),
            sessions: 3,
            interval_days: 28,
            min_interval_days: 14,
            start: d("2026-12-01"),
            time: None,
        };
        p.series.push(Series::from_plan(&plan, d("2026-11-01")));
        for (i, text) in ["Avoid sun", "No make-up", "Moisturise"].iter().enumerate() {
            p.series[0].sessions[0].checklist.push(ChecklistEntry {
                item_id: format!("i{i}"),
                day: 1,
                text: text.to_string(),
                ticked_at: None,
            });
        }
        p.revision = 4;
        p
    }

    fn at(s: &str) -> chrono::NaiveDateTime {
        s.parse().unwrap()
    }

    #[test]
    fn different_fields_merge_without_asking() {
        let b = base();
        let mut mine = b.clone();
        mine.phone = "2".into();
        mine.series[0].sessions[0].checklist[0].ticked_at = Some(at("2026-12-02T10:00:00"));
        let mut theirs = b.clone();
        theirs.revision = 5;
        theirs.notes = "likes mornings".into();
        theirs.series[0].sessions[0].checklist[2].ticked_at = Some(at("2026-12-02T11:00:00"));
        let m = merge(Some(&b), &mine, &theirs);
        assert!(m.is_clean(), "{:?}", m.clashes);
        let p = &m.merged;
        assert_eq!(p.revision, 5, "a save of the merge names theirs' revision");
        assert_eq!(p.phone, "2");
        assert_eq!(p.notes, "likes mornings");
        let ticks: Vec<bool> = p.series[0].sessions[0]
            .checklist
            .iter()
            .map(|e| e.ticked_at.is_some())
            .collect();
        assert_eq!(ticks, [true, false, true]);
    }

    #[test]
    fn the_same_field_changed_differently_is_a_clash_with_all_three_values() {
        let b = base();
        let mut mine = b.clone();
        mine.phone = "2".into();
        mine.email = "a@b.example".into();
        let mut theirs = b.clone();
        theirs.phone = "3".into();
        let m = merge(Some(&b), &mine, &theirs);
        assert_eq!(m.clashes.len(), 1, "{:?}", m.clashes);
        let c = &m.clashes[0];
        assert_eq!((c.label.as_str(), c.base.as_str()), ("phone", "1"));
        assert_eq!((c.theirs.as_str(), c.mine.as_str()), ("3", "2"));
        assert!(!c.clinical);
        assert_eq!(m.merged.phone, "1", "undecided: the base value");
        assert_eq!(m.merged.email, "a@b.example", "outside the clash: merged");
        assert_eq!(m.resolve(&[Side::Theirs]).unwrap().phone, "3");
        let mine_picked = m.resolve(&[Side::Mine]).unwrap();
        assert_eq!(mine_picked.phone, "2");
        assert_eq!(mine_picked.email, "a@b.example");
    }

    #[test]
    fn an_aftercare_tick_clash_names_the_item() {
        let b = base();
        let mut mine = b.clone();
        mine.series[0].sessions[0].checklist[1].ticked_at = Some(at("2026-12-02T10:00:00"));
        let mut theirs = b.clone();
        theirs.series[0].sessions[0].checklist[1].ticked_at = Some(at("2026-12-02T11:00:00"));
        let m = merge(Some(&b), &mine, &theirs);
        assert_eq!(m.clashes.len(), 1);
        assert_eq!(
            m.clashes[0].label,
            "series 1 session 1 aftercare \"No make-up\" (day 1) ticked at"
        );
        assert_eq!(m.clashes[0].base, "(none)");
    }

    #[test]
    fn a_booking_clash_is_clinical_and_both_new_history_entries_are_kept() {
        use crate::domain::history::ClinicalChange;
        let b = base();
        let entry = |by: &str, when: &str| ClinicalChange {
            at: at(when),
            by: by.into(),
            what: "note".into(),
            old: String::new(),
            new: "x".into(),
            reason: None,
        };
        let mut mine = b.clone();
        mine.series[0].sessions[1].date = d("2027-01-05");
        mine.history.push(entry("me", "2026-11-02T10:00:00"));
        let mut theirs = b.clone();
        theirs.series[0].sessions[1].date = d("2027-01-06");
        theirs.history.push(entry("them", "2026-11-02T09:00:00"));
        let m = merge(Some(&b), &mine, &theirs);
        assert_eq!(m.clashes.len(), 1);
        assert!(m.clashes[0].clinical);
        assert_eq!(m.clashes[0].label, "series 1 session 2 date");
        let by: Vec<&str> = m.merged.history.iter().map(|h| h.by.as_str()).collect();
        assert_eq!(by, ["them", "me"], "both kept, oldest first");
    }

    #[test]
    fn both_adding_sessions_to_one_series_is_one_clash_on_the_list() {
        let b = base();
        let mut mine = b.clone();
        let extra = mine.series[0].sessions[2].clone();
        mine.series[0].sessions.push(extra.clone());
        let mut theirs = b.clone();
        let mut other = extra;
        other.date = d("2027-03-01");
        theirs.series[0].sessions.push(other);
        let m = merge(Some(&b), &mine, &theirs);
        assert_eq!(m.clashes.len(), 1);
        assert_eq!(m.clashes[0].path, "series[0].sessions");
        assert!(m.clashes[0].clinical);
        assert_eq!(m.merged.series[0].sessions.len(), 3);
        assert_eq!(m.resolve(&[Side::Mine]).unwrap().series[0].sessions.len(), 4);
    }

    #[test]
    fn one_side_adding_a_session_merges_with_the_others_ticks() {
        let b = base();
        let mut mine = b.clone();
        let extra = mine.series[0].sessions[2].clone();
        mine.series[0].sessions.push(extra);
        let mut theirs = b.clone();
        theirs.series[0].sessions[0].checklist[0].ticked_at = Some(at("2026-12-02T10:00:00"));
        let m = merge(Some(&b), &mine, &theirs);
        assert!(m.is_clean(), "{:?}", m.clashes);
        assert_eq!(m.merged.series[0].sessions.len(), 4);
        assert!(m.merged.series[0].sessions[0].checklist[0].ticked_at.is_some());
    }

    #[test]
    fn without_a_base_every_difference_asks() {
        let b = base();
        let mut mine = b.clone();
        mine.phone = "2".into();
        let theirs = b.clone();
        let m = merge(None, &mine, &theirs);
        assert_eq!(m.clashes.len(), 1);
        assert_eq!(m.clashes[0].label, "phone");
    }

    #[test]
    fn asking_about_a_merged_field_puts_it_back_to_the_base() {
        let b = base();
        let mut mine = b.clone();
        mine.series[0].sessions[2].date = d("2027-01-02");
        let mut theirs = b.clone();
        theirs.notes = "n".into();
        let mut m = merge(Some(&b), &mine, &theirs);
        assert!(m.is_clean());
        let path = [
            Seg::Key("series".into()),
            Seg::Index(0),
            Seg::Key("sessions".into()),
            Seg::Index(2),
            Seg::Key("date".into()),
        ];
        m.ask_about(&path);
        assert_eq!(m.clashes.len(), 1);
        assert_eq!(m.merged.series[0].sessions[2].date, b.series[0].sessions[2].date);
        assert_eq!(m.merged.notes, "n");
        assert_eq!(
            m.resolve(&[Side::Mine]).unwrap().series[0].sessions[2].date,
            d("2027-01-02")
        );
    }
}
