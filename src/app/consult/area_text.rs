//! Area names as staff type them ("cheeks, under eye") and corrected depths
//! ("cheeks=1.25"): the assessment's treated areas and a chart amendment both take them.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::chart::Depth;
use crate::domain::skin::Area;
fn area_named(name: &str) -> Option<Area> {
    let n = name.trim().to_lowercase();
    Area::ALL
        .into_iter()
        .find(|a| a.label() == n || a.key() == n || a.short_label() == n || a.key().replace('_', " ") == n)
}

/// "cheeks, forehead" -> the areas; an unknown name is an error listing the known ones.
pub(super) fn parse_areas(text: &str) -> Result<BTreeSet<Area>, String> {
    let mut out = BTreeSet::new();
    for name in text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        match area_named(name) {
            Some(a) => {
                out.insert(a);
            }
            None => {
                let known: Vec<&str> = Area::ALL.iter().map(|a| a.label()).collect();
                return Err(format!("unknown area '{name}'; use {}", known.join(", ")));
            }
        }
    }
    Ok(out)
}

/// "cheeks=1.25, forehead=0.5" -> corrected depths (range checked by `amend`).
pub(super) fn parse_depth_fixes(text: &str) -> Result<BTreeMap<Area, Depth>, String> {
    let mut out = BTreeMap::new();
    for part in text.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let Some((area, depth)) = part.split_once('=') else {
            return Err(format!("'{part}': write area=depth, e.g. cheeks=1.25"));
        };
        let area = area_named(area).ok_or_else(|| format!("unknown area '{}'", area.trim()))?;
        out.insert(area, Depth::parse(depth).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_staff_use_names_the_same_area() {
        for area in Area::ALL {
            let spaced_key = area.key().replace('_', " ");
            for typed in [area.label(), area.key(), area.short_label(), spaced_key.as_str()] {
                let padded_upper = format!("  {}  ", typed.to_uppercase());
                assert_eq!(
                    parse_areas(&padded_upper),
                    Ok(BTreeSet::from([area])),
                    "{padded_upper:?}"
                );
            }
        }
    }

    #[test]
    fn a_list_splits_on_commas_and_semicolons_and_skips_blanks() {
        assert_eq!(
            parse_areas("cheeks; forehead,, under eye ,"),
            Ok(BTreeSet::from([Area::Cheeks, Area::Forehead, Area::UnderEye]))
        );
        assert_eq!(parse_areas("  "), Ok(BTreeSet::new()));
    }

    #[test]
    fn an_unknown_area_is_refused_with_the_names_that_work() {
        let err = parse_areas("cheeks, neck").unwrap_err();
        assert!(err.starts_with("unknown area 'neck'; use "), "{err}");
        for area in Area::ALL {
            assert!(err.contains(area.label()), "{err} lacks {}", area.label());
        }
    }

    #[test]
    fn depth_fixes_pair_each_area_with_its_depth() {
        let fixes = parse_depth_fixes("cheeks=1.25; chin/jawline = .5").unwrap();
        assert_eq!(
            fixes,
            BTreeMap::from([
                (Area::Cheeks, Depth::parse("1.25").unwrap()),
                (Area::ChinJawline, Depth::parse("0.5").unwrap()),
            ])
        );
        assert_eq!(parse_depth_fixes(""), Ok(BTreeMap::new()));
    }

    #[test]
    fn a_depth_fix_without_equals_or_with_an_unknown_area_says_what_to_write() {
        assert_eq!(
            parse_depth_fixes("cheeks 1.25").unwrap_err(),
            "'cheeks 1.25': write area=depth, e.g. cheeks=1.25"
        );
        assert_eq!(parse_depth_fixes(" neck =1").unwrap_err(), "unknown area 'neck'");
        assert_eq!(
            parse_depth_fixes("cheeks=deep").unwrap_err(),
            Depth::parse("deep").unwrap_err().to_string()
        );
    }
}
