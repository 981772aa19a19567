//! Whether the bookings still stand: a session booked when the rules allowed it can be
//! refused by them later, when a colleague adds a closed date on its day, changes the
//! hours, makes its clinician or room inactive, or a clinician records a contraindication
//! or an exposure that starts a washout. Nothing is moved or cancelled by itself: the plan
//! flags the row with the reason, and staff move (`e`) or cancel it.
//!
//! Pure functions of the model, computed as the plan is drawn (no IO), with the same
//! rules the session form applies when the session is booked or moved: the clinic's slot
//! rules (`check_slot`, the session's own booking left out), a booked session's time, and
//! the patient's screening. The series' interval rules are left out: a too-close pair
//! was booked with a typed reason, and nothing added later makes it closer.

use std::collections::BTreeMap;

use crate::domain::calendar::BookingRef;
use crate::domain::patient::Patient;
use crate::domain::schedule::{BookingRequest, Violation, booked_without_time, check_slot};
use crate::domain::screening::WASHOUT_PREFIX;
use crate::domain::series::SessionStatus;

use super::clinical_rules::screening_for;
use super::model::Model;

/// Why a booking would be refused now: `short` fits a table row, `full` says it all
/// (as the session form would).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub short: String,
    pub full: String,
}

fn rule(model: &Model, v: &Violation) -> Refused {
    let short = match v {
        // "closed (Christmas)", "closed on Sundays": the row shows the date already.
        Violation::ClosedDay { reason, .. } => reason
            .strip_prefix("the clinic is ")
            .unwrap_or(reason)
            .to_string(),
        Violation::BookedWithoutTime { .. } => "no time".to_string(),
        other => model.explain(other),
    };
    Refused {
        short,
        full: model.explain(v),
    }
}

/// For each booked session of the patient's current series still to come (today or
/// later), why the current rules would refuse it, one entry per reason. Sessions that
/// stand are left out.
pub fn refused_bookings(model: &Model, patient: &Patient) -> BTreeMap<usize, Vec<Refused>> {
    let Some(series) = patient.current_series() else {
        return BTreeMap::new();
    };
    let series_index = patient.series.len() - 1;
    let mut out = BTreeMap::new();
    for (i, s) in series.sessions.iter().enumerate() {
        if s.status != SessionStatus::Booked || s.date < model.today {
            continue;
        }
        let req = BookingRequest {
            date: s.date,
            time: s.time,
            minutes: series.minutes_of(i, model.clinic.default_minutes),
            clinician: s.clinician.as_deref(),
            room: s.room.as_deref(),
        };
        let own = [BookingRef::session(patient.id.as_str(), series_index, i)];
        let mut why: Vec<Refused> = check_slot(&model.clinic, &model.calendar, &req, &own)
            .iter()
            .chain(&booked_without_time(s.status, s.date, s.time))
            .map(|v| rule(model, v))
            .collect();
        let screening = screening_for(&model.templates, patient, s.date);
        why.extend(screening.open_blocks().map(|b| {
            match (b.rule_id.strip_prefix(WASHOUT_PREFIX), b.eligible_from) {
                (Some(_), Some(eligible)) => Refused {
                    short: format!("washout, eligible {eligible}"),
                    full: format!("washout: {}", b.message),
                },
                _ => {
                    let label = model
                        .templates
                        .screening
                        .absolute
                        .iter()
                        .find(|r| r.id == b.rule_id);
                    Refused {
                        short: format!("contraindication: {}", label.map_or(&b.message, |r| &r.label)),
                        full: format!("absolute contraindication: {}", b.message),
                    }
                }
            }
        }));
        if !why.is_empty() {
            out.insert(i, why);
        }
    }
    out
}
