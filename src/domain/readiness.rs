//! Ready for the session? Before a session can be marked done the plan lists what is
//! missing: consent, photo consent, the before-photos, a current screening with nothing
//! open, the prompts (antiviral prophylaxis) confirmed, and the interval respected. Which
//! consents and photo views are required is set in `assets/screening.json`
//! (`before_session`).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::screening::{BeforeSession, ScreeningResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoView {
    Front,
    Left,
    Right,
}

impl PhotoView {
    pub const ALL: [PhotoView; 3] = [PhotoView::Front, PhotoView::Left, PhotoView::Right];

    pub fn label(self) -> &'static str {
        match self {
            PhotoView::Front => "front",
            PhotoView::Left => "left",
            PhotoView::Right => "right",
        }
    }
}

/// What has been prepared for one session. Embedded in the session record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPrep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_signed: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_consent: Option<NaiveDate>,
    /// Before-photos taken.
    #[serde(default)]
    pub photos: BTreeSet<PhotoView>,
    /// Screening prompts (by rule id) confirmed for this session, e.g. antiviral
    /// prophylaxis taken.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub confirmed_prompts: BTreeSet<String>,
}

/// One thing that stops a session from being marked done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Consent,
    PhotoConsent,
    Photo(PhotoView),
    ScreeningNotReviewed,
    /// The session is after the day the last review covers.
    Rescreen {
        reviewed_on: NaiveDate,
    },
    /// Screening questions without an answer (their labels).
    Unanswered(Vec<String>),
    /// An absolute contraindication or washout that no clinician has overridden.
    OpenBlock(String),
    /// A relative contraindication not yet acknowledged.
    Unacknowledged(String),
    /// A prompt (antiviral prophylaxis) not confirmed for this session.
    Prompt(String),
    /// The interval to a neighbouring session is below the minimum.
    Interval(String),
}

impl Missing {
    /// Plain words for the plan.
    pub fn text(&self) -> String {
        match self {
            Missing::Consent => "consent not signed".into(),
            Missing::PhotoConsent => "photo consent not signed".into(),
            Missing::Photo(v) => format!("before-photo missing: {}", v.label()),
            Missing::ScreeningNotReviewed => "screening not reviewed".into(),
            Missing::Rescreen { reviewed_on } => {
                format!("re-screen needed (last review {reviewed_on})")
            }
            Missing::Unanswered(labels) => format!("screening not answered: {}", labels.join(", ")),
            Missing::OpenBlock(m) => format!("contraindication open: {m}"),
            Missing::Unacknowledged(m) => format!("warning not acknowledged: {m}"),
            Missing::Prompt(p) => format!("not confirmed: {p}"),
            Missing::Interval(w) => format!("interval: {w}"),
        }
    }
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// Everything missing before this session can be marked done; empty when it is ready.
/// `screening` is the screening evaluated for the session's date; `interval_warnings` are
/// the series' warnings for the session's date (`Series::interval_warnings`), empty when
/// the interval is respected.
pub fn missing_before_done(
    prep: &SessionPrep,
    screening: &ScreeningResult,
    interval_warnings: &[String],
    required: &BeforeSession,
) -> Vec<Missing> {
    let mut out = Vec::new();
    if required.consent && prep.consent_signed.is_none() {
        out.push(Missing::Consent);
    }
    if required.photo_consent && prep.photo_consent.is_none() {
        out.push(Missing::PhotoConsent);
    }
    out.extend(
        required
            .photos
            .iter()
            .filter(|v| !prep.photos.contains(v))
            .map(|v| Missing::Photo(*v)),
    );
    match screening.reviewed_on {
        None => out.push(Missing::ScreeningNotReviewed),
        Some(reviewed_on) if screening.rescreen_needed => out.push(Missing::Rescreen { reviewed_on }),
        Some(_) => {}
    }
    if !screening.unanswered.is_empty() {
        out.push(Missing::Unanswered(
            screening.unanswered.iter().map(|r| r.label.clone()).collect(),
        ));
    }
    out.extend(
        screening
            .open_blocks()
            .map(|b| Missing::OpenBlock(b.message.clone())),
    );
    out.extend(
        screening
            .unacknowledged()
            .map(|w| Missing::Unacknowledged(w.message.clone())),
    );
    out.extend(
        screening
            .prompts
            .iter()
            .filter(|p| !prep.confirmed_prompts.contains(&p.rule_id))
            .map(|p| Missing::Prompt(p.text.clone())),
    );
    out.extend(interval_warnings.iter().cloned().map(Missing::Interval));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(reviewed_on: Option<&str>, rescreen_needed: bool) -> ScreeningResult {
        ScreeningResult {
            session_date: "2026-12-01".parse().unwrap(),
            blocks: Vec::new(),
            warnings: Vec::new(),
            prompts: Vec::new(),
            unanswered: Vec::new(),
            reviewed_on: reviewed_on.map(|d| d.parse().unwrap()),
            review_valid_until: None,
            rescreen_needed,
            earliest_eligible: None,
        }
    }

    fn required() -> BeforeSession {
        BeforeSession {
            consent: true,
            photo_consent: true,
            photos: PhotoView::ALL.into_iter().collect(),
        }
    }

    #[test]
    fn an_empty_prep_lists_everything_in_order() {
        let texts: Vec<String> =
            missing_before_done(&SessionPrep::default(), &result(None, true), &[], &required())
                .iter()
                .map(Missing::text)
                .collect();
        assert_eq!(
            texts,
            [
                "consent not signed",
                "photo consent not signed",
                "before-photo missing: front",
                "before-photo missing: left",
                "before-photo missing: right",
                "screening not reviewed",
            ]
        );
    }

    #[test]
    fn a_complete_prep_is_ready_and_the_template_decides_what_is_required() {
        let day = "2026-11-30".parse().unwrap();
        let prep = SessionPrep {
            consent_signed: Some(day),
            photo_consent: Some(day),
            photos: PhotoView::ALL.into_iter().collect(),
            confirmed_prompts: BTreeSet::new(),
        };
        assert!(missing_before_done(&prep, &result(Some("2026-11-30"), false), &[], &required()).is_empty());
        let lenient = BeforeSession {
            consent: true,
            photo_consent: false,
            photos: [PhotoView::Front].into_iter().collect(),
        };
        let bare = SessionPrep {
            consent_signed: Some(day),
            ..SessionPrep::default()
        };
        assert_eq!(
            missing_before_done(&bare, &result(Some("2026-11-30"), false), &[], &lenient),
            [Missing::Photo(PhotoView::Front)]
        );
    }
}
