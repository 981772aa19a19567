//! The usual needle depth of each treated area (`assets/depth_ranges.json`, from the
//! clinical reference: forehead 0.25-0.5 mm, cheeks 0.5-2.0 mm, under-eye 0.2-0.3 mm, ...).
//!
//! Two limits, two kinds of answer:
//! - beyond the **device's** labelled range (`devices.json`) a depth is an input error,
//!   never saved (`chart::parse_depth`);
//! - outside the **area's** usual range it may be right for this patient, so it is saved,
//!   but only with the clinician's confirmation: a reason typed into the chart and
//!   stored with it (`ChartRecord::depth_reason`). A chart without one cannot be signed.
//!
//! The numbers are template data (a clinic may override the file), never code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::chart::Depth;
use super::skin::Area;

/// A reason confirming a depth outside its area's range has at least this many
/// characters ("ok" is no reason).
pub const MIN_DEPTH_REASON_CHARS: usize = 4;

/// The usual depths of one area, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaRange {
    pub min_mm: Depth,
    pub max_mm: Depth,
}

impl AreaRange {
    pub fn contains(&self, depth: Depth) -> bool {
        (self.min_mm..=self.max_mm).contains(&depth)
    }
}

/// "0.2-0.3 mm".
impl std::fmt::Display for AreaRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{} mm", self.min_mm, self.max_mm)
    }
}

/// Why a range in `depth_ranges.json` is refused: the area (its JSON key) and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepthRangeError {
    #[error("areas.{area}.min_mm must be above 0")]
    MinZero { area: &'static str },
    #[error("areas.{area}.max_mm ({max} mm) must not be below min_mm ({min} mm)")]
    MaxBelowMin {
        area: &'static str,
        min: Depth,
        max: Depth,
    },
}

/// A depth charted outside its area's usual range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideRange {
    pub area: Area,
    pub depth: Depth,
    pub range: AreaRange,
}

/// "under-eye 0.4 mm is outside the usual 0.2-0.3 mm".
impl std::fmt::Display for OutsideRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} mm is outside the usual {}",
            self.area, self.depth, self.range
        )
    }
}

/// The usual range per area. An area without one never asks for a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DepthRanges(BTreeMap<Area, AreaRange>);

impl DepthRanges {
    pub fn new(ranges: BTreeMap<Area, AreaRange>) -> Self {
        Self(ranges)
    }

    pub fn get(&self, area: Area) -> Option<AreaRange> {
        self.0.get(&area).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Area, AreaRange)> + '_ {
        self.0.iter().map(|(a, r)| (*a, *r))
    }

    /// Checks ranges read from a file; the message names the area and the field.
    pub fn validate(&self) -> Result<(), DepthRangeError> {
        for (area, r) in &self.0 {
            if r.min_mm.hundredths() == 0 {
                return Err(DepthRangeError::MinZero { area: area.key() });
            }
            if r.max_mm < r.min_mm {
                return Err(DepthRangeError::MaxBelowMin {
                    area: area.key(),
                    min: r.min_mm,
                    max: r.max_mm,
                });
            }
        }
        Ok(())
    }

    /// `depth` for `area`, when it lies outside the area's range.
    pub fn check(&self, area: Area, depth: Depth) -> Option<OutsideRange> {
        let range = self.get(area)?;
        (!range.contains(depth)).then_some(OutsideRange { area, depth, range })
    }

    /// The depths outside their area's range, in area order.
    pub fn outside(&self, depths: &BTreeMap<Area, Depth>) -> Vec<OutsideRange> {
        depths.iter().filter_map(|(a, d)| self.check(*a, *d)).collect()
    }
}

/// Whether `reason` (as typed) confirms a depth outside its range: at least
/// [`MIN_DEPTH_REASON_CHARS`] characters once trimmed.
pub fn is_reason(reason: &str) -> bool {
    reason.trim().chars().count() >= MIN_DEPTH_REASON_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mm(h: u16) -> Depth {
        Depth::from_hundredths(h)
    }

    fn ranges() -> DepthRanges {
        DepthRanges::new(
            [
                (
                    Area::UnderEye,
                    AreaRange {
                        min_mm: mm(20),
                        max_mm: mm(30),
                    },
                ),
                (
                    Area::Cheeks,
                    AreaRange {
                        min_mm: mm(50),
                        max_mm: mm(200),
                    },
                ),
            ]
            .into(),
        )
    }

    #[test]
    fn both_ends_are_inside_and_an_area_without_a_range_never_asks() {
        let r = ranges();
        assert_eq!(r.check(Area::UnderEye, mm(20)), None);
        assert_eq!(r.check(Area::UnderEye, mm(30)), None);
        let out = r.check(Area::UnderEye, mm(40)).unwrap();
        assert_eq!(
            out.to_string(),
            "under-eye 0.4 mm is outside the usual 0.2-0.3 mm"
        );
        assert!(r.check(Area::UnderEye, mm(15)).is_some());
        assert_eq!(r.check(Area::Nose, mm(250)), None);
        let depths = [
            (Area::Cheeks, mm(240)),
            (Area::UnderEye, mm(25)),
            (Area::Nose, mm(300)),
        ]
        .into();
        let outside = r.outside(&depths);
        assert_eq!(outside.len(), 1);
        assert_eq!(outside[0].area, Area::Cheeks);
    }

    #[test]
    fn validation_names_the_area_and_field() {
        assert_eq!(ranges().validate(), Ok(()));
        let bad = DepthRanges::new(
            [(
                Area::ChinJawline,
                AreaRange {
                    min_mm: mm(100),
                    max_mm: mm(50),
                },
            )]
            .into(),
        );
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "areas.chin_jawline.max_mm (0.5 mm) must not be below min_mm (1.0 mm)"
        );
        let zero = DepthRanges::new(
            [(
                Area::Nose,
                AreaRange {
                    min_mm: mm(0),
                    max_mm: mm(50),
                },
            )]
            .into(),
        );
        assert_eq!(
            zero.validate().unwrap_err().to_string(),
            "areas.nose.min_mm must be above 0"
        );
    }

    #[test]
    fn a_reason_needs_a_few_characters() {
        assert!(!is_reason(""));
        assert!(!is_reason("  ok  "));
        assert!(is_reason("deep rolling scars, tolerated well"));
    }

    #[test]
    fn serialises_as_a_map_of_area_keys() {
        let json = serde_json::to_string(&ranges()).unwrap();
        assert_eq!(
            json,
            r#"{"cheeks":{"min_mm":0.5,"max_mm":2.0},"under_eye":{"min_mm":0.2,"max_mm":0.3}}"#
        );
        assert_eq!(serde_json::from_str::<DepthRanges>(&json).unwrap(), ranges());
        assert!(serde_json::from_str::<DepthRanges>(r#"{"neck":{"min_mm":1,"max_mm":2}}"#).is_err());
        assert!(serde_json::from_str::<DepthRanges>(r#"{"nose":{"min_mm":1,"max":2}}"#).is_err());
    }
}
