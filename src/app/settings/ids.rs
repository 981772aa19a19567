//! Ids of new clinicians and rooms: made from the name, file-safe, never reused.

use std::collections::BTreeSet;

use crate::domain::clinic::is_file_safe_id;

use super::super::model::Model;
use super::rows::ResourceKind;

/// A file-safe id made from a name: lower case a-z and 0-9, every other run of
/// characters one '-', common accented letters without their accent ("Chloé Ng" →
/// "chloe-ng"). At most 32 characters; empty when nothing is left.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'a'..='z' | '0'..='9' => Some(c.to_string()),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => Some("a".into()),
            'æ' => Some("ae".into()),
            'ç' | 'ć' | 'č' => Some("c".into()),
            'ď' | 'đ' | 'ð' => Some("d".into()),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => Some("e".into()),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => Some("i".into()),
            'ł' | 'ľ' | 'ĺ' => Some("l".into()),
            'ñ' | 'ń' | 'ň' => Some("n".into()),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => Some("o".into()),
            'œ' => Some("oe".into()),
            'ř' | 'ŕ' => Some("r".into()),
            'ś' | 'š' | 'ş' => Some("s".into()),
            'ß' => Some("ss".into()),
            'ť' | 'ţ' => Some("t".into()),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => Some("u".into()),
            'ý' | 'ÿ' => Some("y".into()),
            'ź' | 'ż' | 'ž' => Some("z".into()),
            'þ' => Some("th".into()),
            _ => None,
        };
        match plain {
            Some(p) => out.push_str(&p),
            None if !out.is_empty() && !out.ends_with('-') => out.push('-'),
            None => {}
        }
    }
    out.truncate(32);
    out.trim_end_matches('-').to_string()
}

/// `slug(name)` (or `fallback` when the name gives none), with "-2", "-3", ... added
/// when it is taken. Always file-safe.
pub fn unique_id(name: &str, fallback: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = match slug(name) {
        s if s.is_empty() => fallback.to_string(),
        s => s,
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n: u32| {
            let suffix = format!("-{n}");
            let keep = 32 - suffix.len();
            format!("{}{suffix}", base[..base.len().min(keep)].trim_end_matches('-'))
        })
        .find(|id| !taken(id))
        .expect("some number is free")
}

/// Ids of `kind` a new entry must not take: those listed, and those named by any
/// session or review (of a clinician or room no longer listed).
pub(super) fn ids_taken(model: &Model, kind: ResourceKind) -> BTreeSet<String> {
    let mut taken: BTreeSet<String> = kind.list(&model.clinic).iter().map(|r| r.id.clone()).collect();
    let pick = |clinician: &Option<String>, room: &Option<String>| match kind {
        ResourceKind::Clinician => clinician.clone(),
        ResourceKind::Room => room.clone(),
    };
    for series in model.patients.iter().flat_map(|p| &p.series) {
        taken.extend(series.sessions.iter().filter_map(|s| pick(&s.clinician, &s.room)));
        taken.extend(series.reviews.iter().filter_map(|r| pick(&r.clinician, &r.room)));
    }
    taken
}

pub(super) fn new_id(model: &Model, kind: ResourceKind, name: &str) -> String {
    let listed = |id: &str| kind.list(&model.clinic).iter().any(|r| r.id == id);
    let id = unique_id(name, kind.noun(), |id| {
        listed(id) || model.screens.settings.taken_ids.contains(id)
    });
    debug_assert!(is_file_safe_id(&id), "{id}");
    id
}

pub(super) fn id_note(model: &Model, kind: ResourceKind, name: &str) -> String {
    if name.trim().is_empty() {
        return "the id is made from the name and never changes".to_string();
    }
    format!(
        "id: {} (made from the name; it never changes)",
        new_id(model, kind, name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_safe_and_readable() {
        assert_eq!(slug("Chloé Martin-Ng"), "chloe-martin-ng");
        assert_eq!(slug("  Room 3 (laser) "), "room-3-laser");
        assert_eq!(slug("Dr. Zoë O'Brien"), "dr-zoe-o-brien");
        assert_eq!(slug("李"), "");
        let long = slug("a very long name that goes on and on and on");
        assert!(long.len() <= 32 && is_file_safe_id(&long), "{long}");
        assert!(!long.ends_with('-'));
    }

    #[test]
    fn ids_are_unique_with_a_number_added() {
        let taken = ["ben", "ben-2", "room"];
        let is_taken = |id: &str| taken.contains(&id);
        assert_eq!(unique_id("Ben", "clinician", is_taken), "ben-3");
        assert_eq!(unique_id("Sara Lund", "clinician", is_taken), "sara-lund");
        assert_eq!(unique_id("李", "room", is_taken), "room-2");
        let long = "x".repeat(40);
        // Only the full-length slug is taken: the numbered id is cut to fit 32 characters.
        let id = unique_id(&long, "room", |id| id == "x".repeat(32));
        assert!(is_file_safe_id(&id) && id.ends_with("-2"), "{id}");
    }
}
