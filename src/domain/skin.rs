//! The skin profile: dated assessments (Fitzpatrick type, active acne, scar types with
//! their Goodman & Baron grade, treated areas), kept as a history so that a plan can show
//! the trend. Which skin types carry a PIH caution is template data
//! (`assets/screening.json`), never code.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::screening::ScreeningTemplate;

/// Fitzpatrick skin type. Serialised as `"I"` .. `"VI"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Fitzpatrick {
    I,
    II,
    III,
    IV,
    V,
    VI,
}

impl Fitzpatrick {
    pub const ALL: [Fitzpatrick; 6] = [
        Fitzpatrick::I,
        Fitzpatrick::II,
        Fitzpatrick::III,
        Fitzpatrick::IV,
        Fitzpatrick::V,
        Fitzpatrick::VI,
    ];

    /// The roman numeral, as clinicians write it.
    pub fn label(self) -> &'static str {
        match self {
            Fitzpatrick::I => "I",
            Fitzpatrick::II => "II",
            Fitzpatrick::III => "III",
            Fitzpatrick::IV => "IV",
            Fitzpatrick::V => "V",
            Fitzpatrick::VI => "VI",
        }
    }

    /// 1..=6.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }
}

impl std::fmt::Display for Fitzpatrick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Active acne, Investigator's Global Assessment 0-4. Serialised as the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Iga {
    Clear = 0,
    AlmostClear = 1,
    Mild = 2,
    Moderate = 3,
    Severe = 4,
}

impl Iga {
    pub const ALL: [Iga; 5] = [
        Iga::Clear,
        Iga::AlmostClear,
        Iga::Mild,
        Iga::Moderate,
        Iga::Severe,
    ];

    pub fn score(self) -> u8 {
        self as u8
    }

    pub fn label(self) -> &'static str {
        match self {
            Iga::Clear => "clear",
            Iga::AlmostClear => "almost clear",
            Iga::Mild => "mild",
            Iga::Moderate => "moderate",
            Iga::Severe => "severe",
        }
    }
}

impl TryFrom<u8> for Iga {
    type Error = SkinError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Iga::ALL
            .get(value as usize)
            .copied()
            .ok_or(SkinError::NoSuchIga(value))
    }
}

impl From<Iga> for u8 {
    fn from(iga: Iga) -> u8 {
        iga.score()
    }
}

impl std::fmt::Display for Iga {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IGA {} {}", self.score(), self.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScarType {
    IcePick,
    Boxcar,
    Rolling,
    /// Hypertrophic or keloid.
    Hypertrophic,
}

impl ScarType {
    pub const ALL: [ScarType; 4] = [
        ScarType::IcePick,
        ScarType::Boxcar,
        ScarType::Rolling,
        ScarType::Hypertrophic,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ScarType::IcePick => "ice pick",
            ScarType::Boxcar => "boxcar",
            ScarType::Rolling => "rolling",
            ScarType::Hypertrophic => "hypertrophic/keloid",
        }
    }
}

impl std::fmt::Display for ScarType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A treated area of the face. Used as a map key (depth per area), so it serialises as
/// a plain snake_case string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Forehead,
    Temples,
    Nose,
    Perioral,
    Cheeks,
    ChinJawline,
    UnderEye,
}

impl Area {
    pub const ALL: [Area; 7] = [
        Area::Forehead,
        Area::Temples,
        Area::Nose,
        Area::Perioral,
        Area::Cheeks,
        Area::ChinJawline,
        Area::UnderEye,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Area::Forehead => "forehead",
            Area::Temples => "temples",
            Area::Nose => "nose",
            Area::Perioral => "perioral",
            Area::Cheeks => "cheeks",
            Area::ChinJawline => "chin/jawline",
            Area::UnderEye => "under-eye",
        }
    }

    /// A short column heading for tables of depths side by side (at most 5 characters).
    pub fn short_label(self) -> &'static str {
        match self {
            Area::Forehead => "fhd",
            Area::Temples => "tmp",
            Area::Nose => "nose",
            Area::Perioral => "peri",
            Area::Cheeks => "chk",
            Area::ChinJawline => "chin",
            Area::UnderEye => "u-eye",
        }
    }

    /// The serialised name (`chin_jawline`), as used in template files.
    pub fn key(self) -> &'static str {
        match self {
            Area::Forehead => "forehead",
            Area::Temples => "temples",
            Area::Nose => "nose",
            Area::Perioral => "perioral",
            Area::Cheeks => "cheeks",
            Area::ChinJawline => "chin_jawline",
            Area::UnderEye => "under_eye",
        }
    }
}

impl std::fmt::Display for Area {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The lowest and highest Goodman & Baron qualitative grade.
pub const GRADE_RANGE: std::ops::RangeInclusive<u8> = 1..=4;
/// The Goodman & Baron quantitative score runs from 0 to 84 (a property of the published
/// scale, not a clinic setting).
pub const QUANTITATIVE_MAX: u32 = 84;

/// What a Goodman & Baron qualitative grade means.
pub fn grade_label(grade: u8) -> &'static str {
    match grade {
        1 => "macular",
        2 => "mild",
        3 => "moderate",
        4 => "severe",
        _ => "unknown grade",
    }
}

/// Why an assessment (or a value in one) is refused. Each variant names the part of the
/// assessment that is wrong, so a form puts the message on that field by the variant,
/// never by the words; the words start with the field's name for the person reading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkinError {
    #[error("assessed by: enter the clinician's name")]
    AssessedBy,
    #[error("scars: {kind} grade {grade} does not exist; use Goodman & Baron 1-4")]
    ScarGrade { kind: ScarType, grade: u8 },
    #[error("scars: {0} is listed twice")]
    ScarListedTwice(ScarType),
    #[error("quantitative score: {0} is above the scale's maximum of {QUANTITATIVE_MAX}")]
    QuantitativeScore(u32),
    /// An IGA score outside 0-4 (in a file: IGA is stored as its number).
    #[error("IGA {0} does not exist; use 0-4")]
    NoSuchIga(u8),
}

/// One scar type seen at an assessment, with its Goodman & Baron qualitative grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScarFinding {
    pub kind: ScarType,
    /// Goodman & Baron qualitative grade 1-4.
    pub grade: u8,
}

/// One dated skin assessment. A patient keeps every one of them (`Vec<SkinAssessment>`),
/// so the plan can show how the scars changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkinAssessment {
    pub date: NaiveDate,
    /// The clinician who assessed.
    pub by: String,
    pub fitzpatrick: Fitzpatrick,
    pub iga: Iga,
    #[serde(default)]
    pub scars: Vec<ScarFinding>,
    /// Goodman & Baron quantitative score, when the clinician counted lesions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantitative_score: Option<u32>,
    #[serde(default)]
    pub areas: BTreeSet<Area>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

impl SkinAssessment {
    /// Checks an assessment before it is kept; the message names the field.
    pub fn validate(&self) -> Result<(), SkinError> {
        if self.by.trim().is_empty() {
            return Err(SkinError::AssessedBy);
        }
        let mut seen = BTreeSet::new();
        for s in &self.scars {
            if !GRADE_RANGE.contains(&s.grade) {
                return Err(SkinError::ScarGrade {
                    kind: s.kind,
                    grade: s.grade,
                });
            }
            if !seen.insert(s.kind) {
                return Err(SkinError::ScarListedTwice(s.kind));
            }
        }
        if let Some(q) = self.quantitative_score
            && q > QUANTITATIVE_MAX
        {
            return Err(SkinError::QuantitativeScore(q));
        }
        Ok(())
    }

    /// The highest qualitative grade of any scar type, or `None` when no scars are
    /// recorded.
    pub fn overall_grade(&self) -> Option<u8> {
        overall_grade(self)
    }

    pub fn grade_of(&self, kind: ScarType) -> Option<u8> {
        self.scars.iter().find(|s| s.kind == kind).map(|s| s.grade)
    }
}

/// The highest qualitative grade of any scar type, or `None` when no scars are recorded.
pub fn overall_grade(a: &SkinAssessment) -> Option<u8> {
    a.scars.iter().map(|s| s.grade).max()
}

/// Whether plans for this skin type carry a visible post-inflammatory hyperpigmentation
/// caution. Which types do is set in `assets/screening.json` (`pih.fitzpatrick`).
pub fn pih_caution(f: Fitzpatrick, template: &ScreeningTemplate) -> bool {
    template.pih.fitzpatrick.contains(&f)
}

/// The assessments in date order (oldest first). Two on the same day keep the order in
/// which they were recorded.
pub fn chronological(history: &[SkinAssessment]) -> Vec<&SkinAssessment> {
    let mut sorted: Vec<&SkinAssessment> = history.iter().collect();
    sorted.sort_by_key(|a| a.date);
    sorted
}

/// The most recent assessment (the last recorded one on the latest date).
pub fn latest(history: &[SkinAssessment]) -> Option<&SkinAssessment> {
    chronological(history).pop()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Better,
    Unchanged,
    Worse,
}

/// How the scar grade moved from the first assessment to the latest one. A grade of
/// `None` means no scars of that kind were recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trend {
    pub from_grade: Option<u8>,
    pub to_grade: Option<u8>,
    /// The date of the first assessment.
    pub since: NaiveDate,
    /// The date of the latest assessment.
    pub until: NaiveDate,
}

impl Trend {
    pub fn direction(&self) -> Direction {
        let rank = |g: Option<u8>| g.unwrap_or(0);
        match rank(self.to_grade).cmp(&rank(self.from_grade)) {
            std::cmp::Ordering::Less => Direction::Better,
            std::cmp::Ordering::Equal => Direction::Unchanged,
            std::cmp::Ordering::Greater => Direction::Worse,
        }
    }

    /// "grade 3 -> 2 since 2026-03", or "grade 2, unchanged since 2026-03": an arrow
    /// to the same grade reads as a change at a glance.
    pub fn text(&self) -> String {
        let g = |g: Option<u8>| g.map_or("none".to_string(), |g| g.to_string());
        if self.from_grade == self.to_grade {
            return format!(
                "grade {}, unchanged since {}",
                g(self.to_grade),
                self.since.format("%Y-%m")
            );
        }
        format!(
            "grade {} -> {} since {}",
            g(self.from_grade),
            g(self.to_grade),
            self.since.format("%Y-%m")
        )
    }
}

impl std::fmt::Display for Trend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// The overall grade's trend from the first to the latest assessment; `None` with fewer
/// than two assessments.
pub fn trend(history: &[SkinAssessment]) -> Option<Trend> {
    trend_by(history, overall_grade)
}

/// The trend of one scar type's grade.
pub fn trend_for(history: &[SkinAssessment], kind: ScarType) -> Option<Trend> {
    trend_by(history, |a| a.grade_of(kind))
}

fn trend_by(history: &[SkinAssessment], grade: impl Fn(&SkinAssessment) -> Option<u8>) -> Option<Trend> {
    let sorted = chronological(history);
    if sorted.len() < 2 {
        return None;
    }
    let (first, last) = (sorted[0], sorted[sorted.len() - 1]);
    Some(Trend {
        from_grade: grade(first),
        to_grade: grade(last),
        since: first.date,
        until: last.date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn assessment(date: &str, scars: &[(ScarType, u8)]) -> SkinAssessment {
        SkinAssessment {
            date: d(date),
            by: "Dr Okafor".into(),
            fitzpatrick: Fitzpatrick::III,
            iga: Iga::AlmostClear,
            scars: scars
                .iter()
                .map(|&(kind, grade)| ScarFinding { kind, grade })
                .collect(),
            quantitative_score: None,
            areas: [Area::Cheeks].into_iter().collect(),
            notes: String::new(),
        }
    }

    #[test]
    fn overall_grade_is_the_worst_scar_type() {
        let a = assessment("2026-03-02", &[(ScarType::Boxcar, 2), (ScarType::Rolling, 3)]);
        assert_eq!(overall_grade(&a), Some(3));
        assert_eq!(a.grade_of(ScarType::Boxcar), Some(2));
        assert_eq!(overall_grade(&assessment("2026-03-02", &[])), None);
    }

    #[test]
    fn trend_reads_from_the_first_to_the_latest_assessment_in_date_order() {
        let history = vec![
            assessment("2026-06-01", &[(ScarType::Rolling, 2)]),
            assessment("2026-03-14", &[(ScarType::Rolling, 3)]),
            assessment("2026-04-20", &[(ScarType::Rolling, 3)]),
        ];
        let t = trend(&history).unwrap();
        assert_eq!(t.text(), "grade 3 -> 2 since 2026-03");
        assert_eq!(t.direction(), Direction::Better);
        assert_eq!(t.until, d("2026-06-01"));
        assert_eq!(latest(&history).unwrap().date, d("2026-06-01"));
    }

    #[test]
    fn trend_needs_two_assessments_and_shows_cleared_scars_as_none() {
        assert_eq!(trend(&[assessment("2026-03-14", &[(ScarType::Boxcar, 2)])]), None);
        assert_eq!(trend(&[]), None);
        let history = vec![
            assessment("2026-03-14", &[(ScarType::Boxcar, 2)]),
            assessment("2026-09-14", &[]),
        ];
        assert_eq!(trend(&history).unwrap().text(), "grade 2 -> none since 2026-03");
        let worse = vec![
            assessment("2026-03-14", &[(ScarType::Boxcar, 2)]),
            assessment("2026-04-14", &[(ScarType::Boxcar, 2), (ScarType::IcePick, 4)]),
        ];
        assert_eq!(trend(&worse).unwrap().direction(), Direction::Worse);
        assert_eq!(
            trend_for(&worse, ScarType::Boxcar).unwrap().direction(),
            Direction::Unchanged
        );
        assert_eq!(
            trend_for(&worse, ScarType::Boxcar).unwrap().text(),
            "grade 2, unchanged since 2026-03"
        );
        assert_eq!(
            trend_for(&worse, ScarType::IcePick).unwrap().text(),
            "grade none -> 4 since 2026-03"
        );
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(
            assessment("2026-03-14", &[(ScarType::Boxcar, 4)]).validate(),
            Ok(())
        );
        let err = assessment("2026-03-14", &[(ScarType::Boxcar, 5)])
            .validate()
            .unwrap_err();
        assert_eq!(
            err,
            SkinError::ScarGrade {
                kind: ScarType::Boxcar,
                grade: 5
            }
        );
        assert_eq!(
            err.to_string(),
            "scars: boxcar grade 5 does not exist; use Goodman & Baron 1-4"
        );
        let err = assessment("2026-03-14", &[(ScarType::Boxcar, 0)])
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("grade 0"), "{err}");
        let twice = assessment("2026-03-14", &[(ScarType::Boxcar, 2), (ScarType::Boxcar, 3)]);
        let err = twice.validate().unwrap_err();
        assert_eq!(err, SkinError::ScarListedTwice(ScarType::Boxcar));
        assert_eq!(err.to_string(), "scars: boxcar is listed twice");
        let mut a = assessment("2026-03-14", &[]);
        a.quantitative_score = Some(84);
        assert_eq!(a.validate(), Ok(()));
        a.quantitative_score = Some(85);
        let err = a.validate().unwrap_err();
        assert_eq!(err, SkinError::QuantitativeScore(85));
        assert_eq!(
            err.to_string(),
            "quantitative score: 85 is above the scale's maximum of 84"
        );
        a.quantitative_score = None;
        a.by = "  ".into();
        let err = a.validate().unwrap_err();
        assert_eq!(err, SkinError::AssessedBy);
        assert_eq!(err.to_string(), "assessed by: enter the clinician's name");
    }

    #[test]
    fn serde_uses_readable_names_and_the_iga_number() {
        let mut a = assessment("2026-03-14", &[(ScarType::IcePick, 2)]);
        a.areas.insert(Area::ChinJawline);
        a.areas.insert(Area::UnderEye);
        a.fitzpatrick = Fitzpatrick::IV;
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains(r#""fitzpatrick":"IV""#), "{json}");
        assert!(json.contains(r#""iga":1"#), "{json}");
        assert!(json.contains(r#""ice_pick""#), "{json}");
        assert!(
            json.contains(r#""chin_jawline""#) && json.contains(r#""under_eye""#),
            "{json}"
        );
        assert!(!json.contains("quantitative_score"), "{json}");
        let back: SkinAssessment = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        let err = serde_json::from_str::<SkinAssessment>(&json.replace(r#""iga":1"#, r#""iga":5"#))
            .unwrap_err()
            .to_string();
        assert!(err.contains("IGA 5"), "{err}");
    }

    #[test]
    fn minimal_json_gets_empty_collections() {
        let a: SkinAssessment =
            serde_json::from_str(r#"{"date":"2026-03-14","by":"A","fitzpatrick":"VI","iga":0}"#).unwrap();
        assert!(a.scars.is_empty() && a.areas.is_empty() && a.notes.is_empty());
        assert_eq!(a.fitzpatrick.number(), 6);
    }

    #[test]
    fn labels() {
        assert_eq!(Area::ChinJawline.label(), "chin/jawline");
        assert_eq!(Area::UnderEye.key(), "under_eye");
        assert!(Area::ALL.iter().all(|a| a.short_label().len() <= 5));
        assert_eq!(ScarType::Hypertrophic.label(), "hypertrophic/keloid");
        assert_eq!(Iga::Moderate.to_string(), "IGA 3 moderate");
        assert_eq!(grade_label(3), "moderate");
        for a in Area::ALL {
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.key()));
        }
    }
}
