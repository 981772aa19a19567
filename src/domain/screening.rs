//! Screening before treatment: the checklist of contraindications, the date-based
//! washouts that give an earliest eligible date, prompts such as antiviral prophylaxis
//! for a history of cold sores, and the re-screen after a review has grown old.
//!
//! Every rule (which questions, which are absolute, how long each washout is, after how
//! many days a re-screen is asked for, which skin findings count as which answer) comes
//! from `assets/screening.json`, which a clinic may override. This module only evaluates
//! them.
//!
//! The skin profile feeds the screening (`skin_rules`): what the latest skin assessment
//! records counts as a rule answered yes, whatever the question's own answer says, so a
//! patient assessed with IGA 3 acne is not booked because nobody ticked the question.
//! The defaults, read from the clinical reference:
//! - IGA 3-4 (moderate or severe active acne) is active inflammatory acne, an absolute
//!   contraindication (`active_acne`). IGA 2 (mild) is left to the clinician's answer:
//!   the reference names inflamed acne in the area, not any acne.
//! - A hypertrophic/keloid scar counts as `keloid_tendency`, an absolute contraindication
//!   in the reference. The assessment records hypertrophic and keloid scars as one type,
//!   so it cannot tell a merely hypertrophic scar (not collagen-induced, but no keloid
//!   tendency) from a keloid: it blocks, and a clinician who judges it safe lifts the
//!   block with their name and a reason, as for any absolute rule. A clinic that treats
//!   hypertrophic scars as relative points the rule at a relative id instead.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::skin::{Fitzpatrick, Iga, ScarType, SkinAssessment};

/// Prefix of an override's target when it lifts a washout rather than a rule.
pub const WASHOUT_PREFIX: &str = "washout:";

// ---------------------------------------------------------------------------------------
// Template
// ---------------------------------------------------------------------------------------

/// A yes/no screening question (a contraindication).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub label: String,
}

/// An exposure that makes a patient ineligible for a while: the earliest eligible date
/// is the last exposure plus `months`, then `weeks` and `days`. Months are calendar
/// months, clamped to the end of a shorter month (08-31 + 6 months = 02-28, or 02-29).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Washout {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub months: u32,
    #[serde(default)]
    pub weeks: u32,
    #[serde(default)]
    pub days: u32,
}

impl Washout {
    /// The first day on which a patient last exposed on `last` may be treated.
    pub fn eligible_from(&self, last: NaiveDate) -> NaiveDate {
        add_period(last, self.months, self.weeks, self.days)
    }

    /// "6 months", "2 weeks", "1 month 10 days".
    pub fn period_text(&self) -> String {
        let mut parts = Vec::new();
        for (n, unit) in [(self.months, "month"), (self.weeks, "week"), (self.days, "day")] {
            if n > 0 {
                parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
            }
        }
        parts.join(" ")
    }

    /// The id an override uses to lift this washout: `washout:<id>`.
    pub fn target(&self) -> String {
        format!("{WASHOUT_PREFIX}{}", self.id)
    }
}

/// A history question that, when answered yes, prompts for something before every
/// session (a history of cold sores prompts for antiviral prophylaxis).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptRule {
    pub id: String,
    /// The question: "History of cold sores (HSV)".
    pub label: String,
    /// What to do before each session: "Antiviral prophylaxis ...".
    pub prompt: String,
}

/// Skin types whose plans show a post-inflammatory hyperpigmentation caution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PihCaution {
    #[serde(default)]
    pub fitzpatrick: BTreeSet<Fitzpatrick>,
    pub text: String,
}

/// What a session needs before it can be marked done (see `readiness`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeforeSession {
    pub consent: bool,
    pub photo_consent: bool,
    #[serde(default)]
    pub photos: BTreeSet<super::readiness::PhotoView>,
}

/// A finding of the skin assessment that counts as a screening rule answered yes: active
/// acne at `min_iga` or above, or any of `scars` recorded (either, when both are given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkinRule {
    /// The id of an absolute rule (a block) or a relative one (a warning).
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_iga: Option<Iga>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub scars: BTreeSet<ScarType>,
}

/// What a skin assessment shows that makes a rule count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkinFinding {
    /// The assessment's date.
    pub date: NaiveDate,
    /// "IGA 3 moderate", "hypertrophic/keloid scars".
    pub what: String,
}

/// "skin assessment 2026-11-20: IGA 3 moderate".
impl std::fmt::Display for SkinFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "skin assessment {}: {}", self.date, self.what)
    }
}

impl SkinRule {
    /// What `a` shows that this rule counts, or `None`.
    pub fn finding(&self, a: &SkinAssessment) -> Option<SkinFinding> {
        let mut found = Vec::new();
        if let Some(min) = self.min_iga
            && a.iga >= min
        {
            found.push(a.iga.to_string());
        }
        for s in &a.scars {
            if self.scars.contains(&s.kind) {
                found.push(format!("{} scars", s.kind));
            }
        }
        (!found.is_empty()).then(|| SkinFinding {
            date: a.date,
            what: found.join(", "),
        })
    }
}

/// Why a screening template (`screening.json`) is refused: the list and entry (by index
/// or id) and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreeningTemplateError {
    /// `list` is `absolute`, `relative`, `prompts` or `washouts`.
    #[error("{list}[{index}].id must not be empty")]
    EmptyId { list: &'static str, index: usize },
    #[error("{list}[{index}].id '{id}' must not contain ':' or spaces")]
    BadId {
        list: &'static str,
        index: usize,
        id: String,
    },
    #[error("{list}[{index}].id '{id}' is used twice")]
    DuplicateId {
        list: &'static str,
        index: usize,
        id: String,
    },
    #[error("{list} '{id}': label must not be empty")]
    EmptyLabel { list: &'static str, id: String },
    #[error("prompts '{0}': prompt must not be empty")]
    EmptyPrompt(String),
    /// `why` finishes the sentence after the field's name.
    #[error("washouts '{id}': {field} {why}")]
    Washout {
        id: String,
        field: &'static str,
        why: &'static str,
    },
    #[error("rescreen_after_days must be between 1 and 3650")]
    RescreenAfterDays,
    #[error("pih.text must not be empty")]
    PihText,
    #[error("skin_rules[{index}].rule '{rule}' is neither an absolute nor a relative rule")]
    SkinRuleTarget { index: usize, rule: String },
    #[error("skin_rules[{index}]: give min_iga or scars (or both)")]
    SkinRuleEmpty { index: usize },
}

/// The screening template, `assets/screening.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningTemplate {
    /// Block booking unless a clinician overrides with a recorded reason.
    pub absolute: Vec<Rule>,
    /// A warning that a clinician acknowledges.
    pub relative: Vec<Rule>,
    pub washouts: Vec<Washout>,
    #[serde(default)]
    pub prompts: Vec<PromptRule>,
    /// A session more than this many days after the last review asks for a re-screen.
    pub rescreen_after_days: u32,
    pub pih: PihCaution,
    pub before_session: BeforeSession,
    /// Skin findings that count as a rule answered yes. A file without this list gets
    /// the built-in one (see `store::templates::parse_screening`).
    #[serde(default)]
    pub skin_rules: Vec<SkinRule>,
}

impl ScreeningTemplate {
    /// Checks a template read from a file; the message names the field (and the id).
    pub fn validate(&self) -> Result<(), ScreeningTemplateError> {
        use ScreeningTemplateError as E;
        let mut ids = BTreeSet::new();
        let lists: [(&'static str, Vec<(&str, &str)>); 3] = [
            (
                "absolute",
                self.absolute.iter().map(|r| (&*r.id, &*r.label)).collect(),
            ),
            (
                "relative",
                self.relative.iter().map(|r| (&*r.id, &*r.label)).collect(),
            ),
            (
                "prompts",
                self.prompts.iter().map(|r| (&*r.id, &*r.label)).collect(),
            ),
        ];
        for (list, rules) in &lists {
            for (i, (id, label)) in rules.iter().enumerate() {
                check_id(list, i, id)?;
                if !ids.insert(*id) {
                    return Err(E::DuplicateId {
                        list,
                        index: i,
                        id: id.to_string(),
                    });
                }
                if label.trim().is_empty() {
                    return Err(E::EmptyLabel {
                        list,
                        id: id.to_string(),
                    });
                }
            }
        }
        for p in &self.prompts {
            if p.prompt.trim().is_empty() {
                return Err(E::EmptyPrompt(p.id.clone()));
            }
        }
        let mut washout_ids = BTreeSet::new();
        for (i, w) in self.washouts.iter().enumerate() {
            check_id("washouts", i, &w.id)?;
            if !washout_ids.insert(&w.id) {
                return Err(E::DuplicateId {
                    list: "washouts",
                    index: i,
                    id: w.id.clone(),
                });
            }
            let field = |field, why| {
                Err(E::Washout {
                    id: w.id.clone(),
                    field,
                    why,
                })
            };
            if w.label.trim().is_empty() {
                return field("label", "must not be empty");
            }
            if w.months > 120 {
                return field("months", "must be at most 120");
            }
            if w.weeks > 520 {
                return field("weeks", "must be at most 520");
            }
            if w.days > 3650 {
                return field("days", "must be at most 3650");
            }
            if w.months == 0 && w.weeks == 0 && w.days == 0 {
                return field("months", "(or weeks or days) must be set: the period is empty");
            }
        }
        if !(1..=3650).contains(&self.rescreen_after_days) {
            return Err(E::RescreenAfterDays);
        }
        if self.pih.text.trim().is_empty() {
            return Err(E::PihText);
        }
        for (index, r) in self.skin_rules.iter().enumerate() {
            if !self.is_rule(&r.rule) {
                return Err(E::SkinRuleTarget {
                    index,
                    rule: r.rule.clone(),
                });
            }
            if r.min_iga.is_none() && r.scars.is_empty() {
                return Err(E::SkinRuleEmpty { index });
            }
        }
        Ok(())
    }

    /// Whether `id` is an absolute or a relative rule (what a skin rule may point at).
    pub fn is_rule(&self, id: &str) -> bool {
        self.absolute.iter().chain(&self.relative).any(|r| r.id == id)
    }

    /// For each rule that the skin assessment `latest` counts as answered yes, what it
    /// shows ("skin assessment 2026-11-20: IGA 3 moderate"). Empty without an assessment.
    pub fn skin_findings(&self, latest: Option<&SkinAssessment>) -> BTreeMap<String, SkinFinding> {
        let mut out: BTreeMap<String, SkinFinding> = BTreeMap::new();
        let Some(a) = latest else {
            return out;
        };
        for r in &self.skin_rules {
            if let Some(f) = r.finding(a) {
                out.entry(r.rule.clone())
                    .and_modify(|e| {
                        e.what.push_str(", ");
                        e.what.push_str(&f.what);
                    })
                    .or_insert(f);
            }
        }
        out
    }

    pub fn washout(&self, id: &str) -> Option<&Washout> {
        self.washouts.iter().find(|w| w.id == id)
    }

    /// Whether `target` names something an override can lift: an absolute rule's id or
    /// `washout:<id>`.
    pub fn is_override_target(&self, target: &str) -> bool {
        match target.strip_prefix(WASHOUT_PREFIX) {
            Some(id) => self.washout(id).is_some(),
            None => self.absolute.iter().any(|r| r.id == target),
        }
    }

    fn all_questions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.absolute
            .iter()
            .chain(&self.relative)
            .map(|r| (r.id.as_str(), r.label.as_str()))
            .chain(self.prompts.iter().map(|p| (p.id.as_str(), p.label.as_str())))
    }
}

fn check_id(list: &'static str, index: usize, id: &str) -> Result<(), ScreeningTemplateError> {
    if id.trim().is_empty() {
        return Err(ScreeningTemplateError::EmptyId { list, index });
    }
    if id.contains(':') || id.chars().any(char::is_whitespace) {
        return Err(ScreeningTemplateError::BadId {
            list,
            index,
            id: id.to_string(),
        });
    }
    Ok(())
}

/// `date` plus calendar months (clamped to the month's end), then weeks and days.
/// Saturates at the last representable date rather than panicking.
pub fn add_period(date: NaiveDate, months: u32, weeks: u32, days: u32) -> NaiveDate {
    let extra_days = weeks as u64 * 7 + days as u64;
    date.checked_add_months(Months::new(months))
        .and_then(|d| d.checked_add_days(Days::new(extra_days)))
        .unwrap_or(NaiveDate::MAX)
}

// ---------------------------------------------------------------------------------------
// A patient's screening record
// ---------------------------------------------------------------------------------------

/// A clinician's decision to book despite a block. Both the name and the reason are
/// required and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// An absolute rule's id, or `washout:<id>`.
    pub target: String,
    pub by: String,
    pub reason: String,
    pub at: NaiveDateTime,
    /// For a washout override, the last exposure date it was judged on; it lapses when
    /// the patient's date for that washout is changed. `None` for an absolute rule (and
    /// in files written before it was recorded, which keep counting as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judged_on: Option<NaiveDate>,
}

/// A clinician's acknowledgement of a relative contraindication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub rule_id: String,
    pub by: String,
    pub at: NaiveDateTime,
}

/// A patient's screening answers. Embedded in the patient record.
///
/// Overrides and acknowledgements made before the latest review no longer count: a
/// re-screen asks the clinician to decide again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screening {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reviewed_by: String,
    /// Rule id (absolute, relative or prompt) -> present. A missing id is unanswered.
    #[serde(default)]
    pub answers: BTreeMap<String, bool>,
    /// Washout id -> last exposure; `None` (JSON `null`) answers "no exposure". A missing
    /// id is unanswered.
    #[serde(default)]
    pub exposures: BTreeMap<String, Option<NaiveDate>>,
    #[serde(default)]
    pub acknowledgements: Vec<Acknowledgement>,
    #[serde(default)]
    pub overrides: Vec<Override>,
}

/// Why a review, an override or an acknowledgement was not recorded. The variants say
/// which input is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreeningError {
    #[error("reviewed by: the clinician's name must not be empty")]
    ReviewedBy,
    /// The target is neither an absolute rule's id nor `washout:<id>` of the template.
    #[error("'{0}' is neither an absolute contraindication nor a washout")]
    NotOverridable(String),
    #[error("override: the clinician's name must not be empty")]
    OverrideBy,
    #[error("override: the reason must not be empty")]
    OverrideReason,
    #[error("'{0}' is not a relative contraindication")]
    NotRelative(String),
    #[error("acknowledgement: the clinician's name must not be empty")]
    AcknowledgementBy,
}

/// `value` trimmed, or `missing` when nothing is left.
fn required(value: &str, missing: ScreeningError) -> Result<String, ScreeningError> {
    let v = value.trim();
    if v.is_empty() {
        Err(missing)
    } else {
        Ok(v.to_string())
    }
}

impl Screening {
    /// Records that a clinician reviewed the screening on `on`.
    pub fn review(&mut self, by: &str, on: NaiveDate) -> Result<(), ScreeningError> {
        self.reviewed_by = required(by, ScreeningError::ReviewedBy)?;
        self.reviewed_on = Some(on);
        Ok(())
    }

    /// Lifts a block. Refused without a clinician's name and a reason, or for a target
    /// the template does not know.
    pub fn add_override(
        &mut self,
        template: &ScreeningTemplate,
        target: &str,
        by: &str,
        reason: &str,
        at: NaiveDateTime,
    ) -> Result<(), ScreeningError> {
        if !template.is_override_target(target) {
            return Err(ScreeningError::NotOverridable(target.to_string()));
        }
        let by = required(by, ScreeningError::OverrideBy)?;
        let reason = required(reason, ScreeningError::OverrideReason)?;
        let judged_on = target
            .strip_prefix(WASHOUT_PREFIX)
            .and_then(|w| self.exposures.get(w).copied().flatten());
        self.overrides.push(Override {
            target: target.to_string(),
            by,
            reason,
            at,
            judged_on,
        });
        Ok(())
    }

    /// Acknowledges a relative contraindication; needs the clinician's name.
    pub fn acknowledge(
        &mut self,
        template: &ScreeningTemplate,
        rule_id: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> Result<(), ScreeningError> {
        if !template.relative.iter().any(|r| r.id == rule_id) {
            return Err(ScreeningError::NotRelative(rule_id.to_string()));
        }
        let by = required(by, ScreeningError::AcknowledgementBy)?;
        self.acknowledgements.push(Acknowledgement {
            rule_id: rule_id.to_string(),
            by,
            at,
        });
        Ok(())
    }

    fn current(&self, at: NaiveDateTime) -> bool {
        self.reviewed_on.is_none_or(|r| at.date() >= r)
    }

    /// The latest override of `target` that still counts: made since the last review
    /// and, for a washout, judged on the exposure date the patient has now.
    pub fn override_for(&self, target: &str) -> Option<&Override> {
        self.overrides
            .iter()
            .filter(|o| o.target == target && self.current(o.at) && self.judged_on_current(o))
            .max_by_key(|o| o.at)
    }

    /// The exposure date a washout override's `judged_on` is compared with.
    fn exposure_of(&self, target: &str) -> Option<NaiveDate> {
        let w = target.strip_prefix(WASHOUT_PREFIX)?;
        self.exposures.get(w).copied().flatten()
    }

    fn judged_on_current(&self, o: &Override) -> bool {
        match o.judged_on {
            Some(d) => self.exposure_of(&o.target) == Some(d),
            None => true,
        }
    }

    /// When the latest override of `target` made since the last review no longer
    /// counts because the exposure date it was judged on changed: (judged on, now).
    pub fn lapsed_override(&self, target: &str) -> Option<(NaiveDate, Option<NaiveDate>)> {
        if self.override_for(target).is_some() {
            return None;
        }
        let o = self
            .overrides
            .iter()
            .filter(|o| o.target == target && self.current(o.at))
            .max_by_key(|o| o.at)?;
        let judged = o.judged_on?;
        Some((judged, self.exposure_of(target)))
    }

    pub fn acknowledgement_for(&self, rule_id: &str) -> Option<&Acknowledgement> {
        self.acknowledgements
            .iter()
            .filter(|a| a.rule_id == rule_id && self.current(a.at))
            .max_by_key(|a| a.at)
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

/// The date from which every washout has run out, and the washout that sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub date: NaiveDate,
    pub washout_id: String,
    pub label: String,
    pub last_exposure: NaiveDate,
}

/// The latest of all washouts' eligible dates (which may lie in the past), or `None`
/// when no exposure is recorded. Exposures to washouts the template no longer has are
/// ignored.
pub fn earliest_eligible(screening: &Screening, template: &ScreeningTemplate) -> Option<Eligibility> {
    template
        .washouts
        .iter()
        .filter_map(|w| {
            let last = (*screening.exposures.get(&w.id)?)?;
            Some(Eligibility {
                date: w.eligible_from(last),
                washout_id: w.id.clone(),
                label: w.label.clone(),
                last_exposure: last,
            })
        })
        .max_by_key(|e| e.date)
}

/// Something that refuses booking until a clinician overrides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// An absolute rule's id, or `washout:<id>`.
    pub rule_id: String,
    pub message: String,
    /// For a washout, the first day it allows treatment (also in `message`, for
    /// reading; views take it from here). `None` for an absolute rule.
    pub eligible_from: Option<NaiveDate>,
    pub overridden_by: Option<Override>,
    /// What the skin assessment shows, when it (rather than, or as well as, the answer)
    /// makes the rule count (also in `message`).
    pub from_skin: Option<SkinFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub rule_id: String,
    pub message: String,
    pub acknowledged_by: Option<Acknowledgement>,
    /// As for [`Block::from_skin`].
    pub from_skin: Option<SkinFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub rule_id: String,
    pub text: String,
}

/// What the screening says about a session on a given date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningResult {
    pub session_date: NaiveDate,
    pub blocks: Vec<Block>,
    pub warnings: Vec<Warning>,
    /// To do before this session (antiviral prophylaxis).
    pub prompts: Vec<Prompt>,
    /// Questions of the template with no answer yet (id, label).
    pub unanswered: Vec<Rule>,
    pub reviewed_on: Option<NaiveDate>,
    /// The last day a session is covered by the latest review.
    pub review_valid_until: Option<NaiveDate>,
    /// No review yet, or the session is more than `rescreen_after_days` after it.
    pub rescreen_needed: bool,
    pub earliest_eligible: Option<Eligibility>,
}

impl ScreeningResult {
    /// Blocks that no clinician has overridden.
    pub fn open_blocks(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.overridden_by.is_none())
    }

    pub fn unacknowledged(&self) -> impl Iterator<Item = &Warning> {
        self.warnings.iter().filter(|w| w.acknowledged_by.is_none())
    }

    pub fn booking_allowed(&self) -> Result<(), Vec<String>> {
        booking_allowed(self)
    }
}

/// Evaluates the screening answers alone for a session on `session_date` (no skin
/// assessment: see [`evaluate_with_skin`]).
pub fn evaluate(
    screening: &Screening,
    template: &ScreeningTemplate,
    session_date: NaiveDate,
) -> ScreeningResult {
    evaluate_with_skin(screening, None, template, session_date)
}

/// Evaluates the screening for a session on `session_date`, with the patient's latest
/// skin assessment: a rule counts when answered yes or when the assessment shows what
/// a skin rule of the template names (the message then says what it shows).
pub fn evaluate_with_skin(
    screening: &Screening,
    latest_skin: Option<&SkinAssessment>,
    template: &ScreeningTemplate,
    session_date: NaiveDate,
) -> ScreeningResult {
    let findings = template.skin_findings(latest_skin);
    let present = |id: &str| screening.answers.get(id).copied() == Some(true) || findings.contains_key(id);
    let message = |r: &Rule| match findings.get(&r.id) {
        Some(f) => format!("{} ({f})", r.label),
        None => r.label.clone(),
    };
    let mut blocks: Vec<Block> = template
        .absolute
        .iter()
        .filter(|r| present(&r.id))
        .map(|r| Block {
            rule_id: r.id.clone(),
            message: message(r),
            eligible_from: None,
            overridden_by: screening.override_for(&r.id).cloned(),
            from_skin: findings.get(&r.id).cloned(),
        })
        .collect();
    for w in &template.washouts {
        let Some(Some(last)) = screening.exposures.get(&w.id) else {
            continue;
        };
        let eligible = w.eligible_from(*last);
        if session_date < eligible {
            blocks.push(Block {
                rule_id: w.target(),
                message: format!(
                    "{}: last {last}, {} washout; earliest eligible {eligible}",
                    w.label,
                    w.period_text()
                ),
                eligible_from: Some(eligible),
                overridden_by: screening.override_for(&w.target()).cloned(),
                from_skin: None,
            });
        }
    }
    let warnings = template
        .relative
        .iter()
        .filter(|r| present(&r.id))
        .map(|r| Warning {
            rule_id: r.id.clone(),
            message: message(r),
            acknowledged_by: screening.acknowledgement_for(&r.id).cloned(),
            from_skin: findings.get(&r.id).cloned(),
        })
        .collect();
    let prompts = template
        .prompts
        .iter()
        .filter(|p| present(&p.id))
        .map(|p| Prompt {
            rule_id: p.id.clone(),
            text: p.prompt.clone(),
        })
        .collect();
    let mut unanswered: Vec<Rule> = template
        .all_questions()
        .filter(|(id, _)| !screening.answers.contains_key(*id))
        .map(|(id, label)| Rule {
            id: id.to_string(),
            label: label.to_string(),
        })
        .collect();
    unanswered.extend(
        template
            .washouts
            .iter()
            .filter(|w| !screening.exposures.contains_key(&w.id))
            .map(|w| Rule {
                id: w.target(),
                label: w.label.clone(),
            }),
    );
    let review_valid_until = screening
        .reviewed_on
        .map(|r| add_period(r, 0, 0, template.rescreen_after_days));
    let rescreen_needed = review_valid_until.is_none_or(|until| session_date > until);
    ScreeningResult {
        session_date,
        blocks,
        warnings,
        prompts,
        unanswered,
        reviewed_on: screening.reviewed_on,
        review_valid_until,
        rescreen_needed,
        earliest_eligible: earliest_eligible(screening, template),
    }
}

/// Booking is refused while any block is not overridden; the error lists why.
pub fn booking_allowed(result: &ScreeningResult) -> Result<(), Vec<String>> {
    let open: Vec<String> = result.open_blocks().map(|b| b.message.clone()).collect();
    if open.is_empty() { Ok(()) } else { Err(open) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        d(s).and_hms_opt(10, 0, 0).unwrap()
    }

    fn template() -> ScreeningTemplate {
        let rule = |id: &str| Rule {
            id: id.into(),
            label: format!("{id} label"),
        };
        ScreeningTemplate {
            absolute: vec![rule("pregnancy")],
            relative: vec![rule("anticoagulants")],
            washouts: vec![Washout {
                id: "isotretinoin".into(),
                label: "Oral isotretinoin".into(),
                months: 6,
                weeks: 0,
                days: 0,
            }],
            prompts: vec![PromptRule {
                id: "hsv".into(),
                label: "cold sores".into(),
                prompt: "antiviral".into(),
            }],
            rescreen_after_days: 30,
            pih: PihCaution {
                fitzpatrick: [Fitzpatrick::IV].into_iter().collect(),
                text: "PIH".into(),
            },
            before_session: BeforeSession {
                consent: true,
                photo_consent: true,
                photos: BTreeSet::new(),
            },
            skin_rules: Vec::new(),
        }
    }

    #[test]
    fn months_clamp_to_month_end_and_leap_days() {
        assert_eq!(add_period(d("2026-08-31"), 6, 0, 0), d("2027-02-28"));
        assert_eq!(add_period(d("2027-08-31"), 6, 0, 0), d("2028-02-29"));
        assert_eq!(add_period(d("2028-02-29"), 12, 0, 0), d("2029-02-28"));
        assert_eq!(add_period(d("2026-01-31"), 1, 0, 1), d("2026-03-01"));
        assert_eq!(add_period(d("2026-12-25"), 0, 2, 0), d("2027-01-08"));
        assert_eq!(add_period(NaiveDate::MAX, 1, 0, 0), NaiveDate::MAX);
    }

    #[test]
    fn period_text_reads_naturally() {
        let mut w = template().washouts[0].clone();
        assert_eq!(w.period_text(), "6 months");
        (w.months, w.weeks, w.days) = (1, 0, 1);
        assert_eq!(w.period_text(), "1 month 1 day");
    }

    #[test]
    fn a_block_is_lifted_only_by_a_named_reasoned_override() {
        let t = template();
        let mut s = Screening::default();
        s.answers.insert("pregnancy".into(), true);
        let r = evaluate(&s, &t, d("2026-12-01"));
        assert_eq!(r.booking_allowed(), Err(vec!["pregnancy label".to_string()]));
        assert_eq!(
            s.add_override(&t, "pregnancy", "", "why", at("2026-11-30")),
            Err(ScreeningError::OverrideBy)
        );
        assert_eq!(
            s.add_override(&t, "pregnancy", "Dr A", "  ", at("2026-11-30")),
            Err(ScreeningError::OverrideReason)
        );
        assert_eq!(
            ScreeningError::OverrideReason.to_string(),
            "override: the reason must not be empty"
        );
        let err = s
            .add_override(&t, "anticoagulants", "Dr A", "x", at("2026-11-30"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "'anticoagulants' is neither an absolute contraindication nor a washout"
        );
        assert!(
            s.add_override(&t, "washout:nope", "Dr A", "x", at("2026-11-30"))
                .is_err()
        );
        assert!(s.overrides.is_empty());
        s.add_override(&t, "pregnancy", " Dr A ", " postpartum ", at("2026-11-30"))
            .unwrap();
        let r = evaluate(&s, &t, d("2026-12-01"));
        assert_eq!(r.booking_allowed(), Ok(()));
        let o = r.blocks[0].overridden_by.as_ref().unwrap();
        assert_eq!((o.by.as_str(), o.reason.as_str()), ("Dr A", "postpartum"));
    }

    #[test]
    fn a_running_washout_blocks_with_its_eligible_date_as_data() {
        let t = template();
        let mut s = Screening::default();
        s.answers.insert("pregnancy".into(), true);
        s.exposures.insert("isotretinoin".into(), Some(d("2026-08-31")));
        let r = evaluate(&s, &t, d("2026-12-01"));
        let washout = r
            .blocks
            .iter()
            .find(|b| b.rule_id == "washout:isotretinoin")
            .unwrap();
        // 08-31 + 6 months clamps to the end of February.
        assert_eq!(washout.eligible_from, Some(d("2027-02-28")));
        assert_eq!(
            washout.message,
            "Oral isotretinoin: last 2026-08-31, 6 months washout; earliest eligible 2027-02-28"
        );
        let rule = r.blocks.iter().find(|b| b.rule_id == "pregnancy").unwrap();
        assert_eq!(rule.eligible_from, None);
        // On the eligible day the washout no longer blocks.
        let r = evaluate(&s, &t, d("2027-02-28"));
        assert!(!r.blocks.iter().any(|b| b.eligible_from.is_some()));
    }

    #[test]
    fn a_new_review_retires_older_overrides_and_acknowledgements() {
        let t = template();
        let mut s = Screening::default();
        s.answers.insert("pregnancy".into(), true);
        s.answers.insert("anticoagulants".into(), true);
        s.review("Dr A", d("2026-10-01")).unwrap();
        s.add_override(&t, "pregnancy", "Dr A", "reason", at("2026-10-01"))
            .unwrap();
        s.acknowledge(&t, "anticoagulants", "Dr A", at("2026-10-01"))
            .unwrap();
        let r = evaluate(&s, &t, d("2026-10-02"));
        assert!(r.booking_allowed().is_ok());
        assert!(r.warnings[0].acknowledged_by.is_some());
        s.review("Dr B", d("2026-11-01")).unwrap();
        let r = evaluate(&s, &t, d("2026-11-02"));
        assert!(r.booking_allowed().is_err());
        assert!(r.warnings[0].acknowledged_by.is_none());
    }

    #[test]
    fn unanswered_questions_are_listed_but_do_not_block() {
        let t = template();
        let r = evaluate(&Screening::default(), &t, d("2026-12-01"));
        let ids: Vec<&str> = r.unanswered.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["pregnancy", "anticoagulants", "hsv", "washout:isotretinoin"]
        );
        assert!(r.booking_allowed().is_ok());
        assert!(r.rescreen_needed);
        let mut s = Screening::default();
        s.exposures.insert("isotretinoin".into(), None);
        let r = evaluate(&s, &t, d("2026-12-01"));
        assert!(!r.unanswered.iter().any(|r| r.id == "washout:isotretinoin"));
        assert_eq!(r.earliest_eligible, None);
    }

    #[test]
    fn template_validation_names_the_field() {
        assert_eq!(template().validate(), Ok(()));
        let mut t = template();
        t.relative[0].id = "pregnancy".into();
        let text = |t: ScreeningTemplate| t.validate().unwrap_err().to_string();
        assert_eq!(text(t), "relative[0].id 'pregnancy' is used twice");
        let mut t = template();
        t.washouts[0].months = 0;
        assert_eq!(
            text(t),
            "washouts 'isotretinoin': months (or weeks or days) must be set: the period is empty"
        );
        let mut t = template();
        t.rescreen_after_days = 0;
        assert_eq!(text(t), "rescreen_after_days must be between 1 and 3650");
        let mut t = template();
        t.absolute[0].id = "a:b".into();
        assert_eq!(text(t), "absolute[0].id 'a:b' must not contain ':' or spaces");
        let mut t = template();
        t.absolute[0].id = " ".into();
        assert_eq!(text(t), "absolute[0].id must not be empty");
        let mut t = template();
        t.prompts[0].prompt = "".into();
        assert_eq!(text(t), "prompts 'hsv': prompt must not be empty");
        let mut t = template();
        t.pih.text = " ".into();
        assert_eq!(text(t), "pih.text must not be empty");
        let mut t = template();
        t.absolute[0].label = "".into();
        assert_eq!(text(t), "absolute 'pregnancy': label must not be empty");
    }

    fn skin(iga: Iga, scars: &[ScarType]) -> SkinAssessment {
        SkinAssessment {
            date: d("2026-11-20"),
            by: "Dr A".into(),
            fitzpatrick: Fitzpatrick::III,
            iga,
            scars: scars
                .iter()
                .map(|&kind| super::super::skin::ScarFinding { kind, grade: 2 })
                .collect(),
            quantitative_score: None,
            areas: BTreeSet::new(),
            notes: String::new(),
        }
    }

    /// The template with an acne question (absolute), a keloid one (relative here) and
    /// the skin rules pointing at them.
    fn skin_template() -> ScreeningTemplate {
        let mut t = template();
        t.absolute.push(Rule {
            id: "active_acne".into(),
            label: "Active inflammatory acne".into(),
        });
        t.relative.push(Rule {
            id: "keloid".into(),
            label: "Keloid tendency".into(),
        });
        t.skin_rules = vec![
            SkinRule {
                rule: "active_acne".into(),
                min_iga: Some(Iga::Moderate),
                scars: BTreeSet::new(),
            },
            SkinRule {
                rule: "keloid".into(),
                min_iga: None,
                scars: [ScarType::Hypertrophic].into(),
            },
        ];
        t
    }

    #[test]
    fn iga_3_or_4_blocks_as_active_acne_even_when_answered_no() {
        let t = skin_template();
        let mut s = Screening::default();
        s.answers.insert("active_acne".into(), false);
        for (iga, blocked) in [
            (Iga::Clear, false),
            (Iga::AlmostClear, false),
            (Iga::Mild, false),
            (Iga::Moderate, true),
            (Iga::Severe, true),
        ] {
            let a = skin(iga, &[]);
            let r = evaluate_with_skin(&s, Some(&a), &t, d("2026-12-01"));
            assert_eq!(r.booking_allowed().is_err(), blocked, "{iga}");
        }
        let a = skin(Iga::Moderate, &[]);
        let r = evaluate_with_skin(&s, Some(&a), &t, d("2026-12-01"));
        assert_eq!(
            r.booking_allowed(),
            Err(vec![
                "Active inflammatory acne (skin assessment 2026-11-20: IGA 3 moderate)".to_string()
            ])
        );
        assert_eq!(
            r.blocks[0].from_skin.as_ref().map(ToString::to_string).as_deref(),
            Some("skin assessment 2026-11-20: IGA 3 moderate")
        );
        // Without the assessment, the answers alone decide.
        assert!(evaluate(&s, &t, d("2026-12-01")).booking_allowed().is_ok());
        // A clinician lifts it like any absolute rule: name and reason.
        s.add_override(
            &t,
            "active_acne",
            "Dr A",
            "lesions away from the area",
            at("2026-11-30"),
        )
        .unwrap();
        let r = evaluate_with_skin(&s, Some(&a), &t, d("2026-12-01"));
        assert_eq!(r.booking_allowed(), Ok(()));
    }

    #[test]
    fn a_hypertrophic_scar_counts_as_the_rule_the_template_names() {
        let t = skin_template();
        let s = Screening::default();
        let a = skin(Iga::Clear, &[ScarType::Boxcar, ScarType::Hypertrophic]);
        let r = evaluate_with_skin(&s, Some(&a), &t, d("2026-12-01"));
        // Relative in this template: a warning to acknowledge, booking allowed.
        assert_eq!(r.booking_allowed(), Ok(()));
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(
            r.warnings[0].message,
            "Keloid tendency (skin assessment 2026-11-20: hypertrophic/keloid scars)"
        );
        assert!(r.warnings[0].acknowledged_by.is_none());
        let ok = skin(Iga::Clear, &[ScarType::Boxcar]);
        assert!(
            evaluate_with_skin(&s, Some(&ok), &t, d("2026-12-01"))
                .warnings
                .is_empty()
        );
    }

    #[test]
    fn skin_rules_must_name_a_rule_and_a_finding() {
        let mut t = skin_template();
        assert_eq!(t.validate(), Ok(()));
        t.skin_rules[0].rule = "acne".into();
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "skin_rules[0].rule 'acne' is neither an absolute nor a relative rule"
        );
        let mut t = skin_template();
        t.skin_rules[1].scars.clear();
        assert_eq!(
            t.validate().unwrap_err().to_string(),
            "skin_rules[1]: give min_iga or scars (or both)"
        );
        let mut t = skin_template();
        t.skin_rules[0].rule = "hsv".into();
        assert!(
            t.validate().is_err(),
            "a prompt is not a rule a skin finding can answer"
        );
    }

    #[test]
    fn screening_round_trips_with_null_for_no_exposure() {
        let mut s = Screening::default();
        s.exposures.insert("isotretinoin".into(), None);
        s.exposures.insert("toxin".into(), Some(d("2026-05-01")));
        s.answers.insert("pregnancy".into(), false);
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""isotretinoin":null"#), "{json}");
        assert_eq!(serde_json::from_str::<Screening>(&json).unwrap(), s);
        assert_eq!(
            serde_json::from_str::<Screening>("{}").unwrap(),
            Screening::default()
        );
    }
}
