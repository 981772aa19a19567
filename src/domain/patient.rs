//! A patient record: contact details, and every treatment series they have had.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dates::parse_date;
use super::history::ClinicalChange;
use super::screening::Screening;
use super::search;
use super::series::{Series, add_days};
use super::skin::SkinAssessment;

/// A patient's id. It names the patient's file, so it is restricted to a safe alphabet
/// and never derived from the patient's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PatientId(String);

/// A patient id outside the file-safe alphabet (or empty, or too long).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a patient id uses only a-z, 0-9 and '-' (at most 64)")]
pub struct PatientIdError;

impl PatientId {
    pub fn new(raw: &str) -> Result<Self, PatientIdError> {
        let ok = !raw.is_empty()
            && raw.len() <= 64
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(PatientIdError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PatientId {
    type Error = PatientIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PatientId::new(&value)
    }
}

impl From<PatientId> for String {
    fn from(id: PatientId) -> Self {
        id.0
    }
}

impl std::fmt::Display for PatientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    pub id: PatientId,
    pub full_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub archived: bool,
    pub created: NaiveDate,
    #[serde(default)]
    pub series: Vec<Series>,
    /// How many times this record has been saved. A save names the revision it was
    /// edited from; the store refuses it (a conflict) when the file on disk has moved on,
    /// so one user's save never silently replaces another's. New records start at 0.
    #[serde(default)]
    pub revision: u64,
    /// Skin assessments, each dated and kept (the plan shows the trend). Schema v3.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skin: Vec<SkinAssessment>,
    /// Screening answers, washout exposures, overrides and the last review. Schema v3.
    #[serde(default, skip_serializing_if = "is_default_screening")]
    pub screening: Screening,
    /// Every change to the clinical record (screening, skin, charts, overrides), oldest
    /// first: who, when, old -> new, and the reason where one was asked for. Schema v4.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ClinicalChange>,
}

fn is_default_screening(s: &Screening) -> bool {
    *s == Screening::default()
}

/// The editable contact details, as validated from the patient form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PatientDetails {
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub phone: String,
    pub email: String,
    pub notes: String,
}

/// The contact detail a validation failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsField {
    Name,
    DateOfBirth,
    Phone,
    Email,
}

/// A validation failure tied to the detail it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: DetailsField,
    pub message: String,
}

/// The details as typed, before validation.
#[derive(Debug, Clone, Copy)]
pub struct TypedDetails<'a> {
    pub full_name: &'a str,
    pub date_of_birth: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub notes: &'a str,
}

impl PatientDetails {
    /// Validates what was typed; every failure at once, so the form can show them all.
    pub fn parse(typed: TypedDetails, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field, message: &str| {
            errors.push(FieldError {
                field,
                message: message.to_string(),
            })
        };
        let full_name = typed.full_name.trim().to_string();
        if full_name.is_empty() {
            err(DetailsField::Name, "full name must not be empty");
        }
        let date_of_birth = if typed.date_of_birth.trim().is_empty() {
            None
        } else {
            match parse_date(typed.date_of_birth) {
                Err(m) => {
                    err(DetailsField::DateOfBirth, &m.to_string());
                    None
                }
                Ok(dob) if dob > today => {
                    err(DetailsField::DateOfBirth, "date of birth is in the future");
                    None
                }
                Ok(dob) if dob < add_days(today, -365 * 130) => {
                    err(
                        DetailsField::DateOfBirth,
                        "date of birth is more than 130 years ago",
                    );
                    None
                }
                Ok(dob) => Some(dob),
            }
        };
        let phone = typed.phone.trim().to_string();
        if phone
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-()./".contains(c)))
        {
            err(
                DetailsField::Phone,
                "phone may hold digits, spaces and + - ( ) . / only",
            );
        }
        let email = typed.email.trim().to_string();
        if !email.is_empty() && !looks_like_email(&email) {
            err(DetailsField::Email, "email needs a name, an @ and a domain");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            full_name,
            date_of_birth,
            phone,
            email,
            notes: typed.notes.trim().to_string(),
        })
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

impl Patient {
    pub fn new(id: PatientId, details: PatientDetails, today: NaiveDate) -> Self {
        let mut p = Self {
            id,
            full_name: String::new(),
            date_of_birth: None,
            phone: String::new(),
            email: String::new(),
            notes: String::new(),
            archived: false,
            created: today,
            series: Vec::new(),
            revision: 0,
            skin: Vec::new(),
            screening: Screening::default(),
            history: Vec::new(),
        };
        p.apply(details);
        p
    }

    pub fn apply(&mut self, d: PatientDetails) {
        self.full_name = d.full_name;
        self.date_of_birth = d.date_of_birth;
        self.phone = d.phone;
        self.email = d.email;
        self.notes = d.notes;
    }

    pub fn details(&self) -> PatientDetails {
        PatientDetails {
            full_name: self.full_name.clone(),
            date_of_birth: self.date_of_birth,
            phone: self.phone.clone(),
            email: self.email.clone(),
            notes: self.notes.clone(),
        }
    }

    /// Moves every clinic date of the record by `days` (used to bring the demo clinic to
    /// today). Dates of birth stay as they are: ages are not part of the story.
    pub fn shift_dates(&mut self, days: i64) {
        let delta = chrono::Duration::days(days);
        self.created = add_days(self.created, days);
        for series in &mut self.series {
            series.created = add_days(series.created, days);
            for review in &mut series.reviews {
                review.date = add_days(review.date, days);
            }
            for session in &mut series.sessions {
                session.date = add_days(session.date, days);
                for entry in &mut session.checklist {
                    entry.ticked_at = entry.ticked_at.map(|t| t + delta);
                }
                let prep = &mut session.prep;
                prep.consent_signed = prep.consent_signed.map(|d| add_days(d, days));
                prep.photo_consent = prep.photo_consent.map(|d| add_days(d, days));
                if let Some(chart) = &mut session.chart {
                    chart.shift_times(delta);
                }
            }
        }
        for a in &mut self.skin {
            a.date = add_days(a.date, days);
        }
        let s = &mut self.screening;
        s.reviewed_on = s.reviewed_on.map(|d| add_days(d, days));
        for last in s.exposures.values_mut() {
            *last = last.map(|d| add_days(d, days));
        }
        for o in &mut s.overrides {
            o.at += delta;
        }
        for a in &mut s.acknowledgements {
            a.at += delta;
        }
    }

    /// The series shown in the plan: the most recent one.
    pub fn current_series(&self) -> Option<&Series> {
        self.series.last()
    }

    pub fn current_series_mut(&mut self) -> Option<&mut Series> {
        self.series.last_mut()
    }

    /// Whether the filter finds this patient: case- and accent-folded name, e-mail,
    /// phone digits whatever the spacing, birth date (see `domain::search`).
    pub fn matches(&self, filter: &str) -> bool {
        let query = search::Query::new(filter);
        query.is_empty() || query.matches(&search::SearchKey::of(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ids_are_restricted_to_a_file_safe_alphabet() {
        assert!(PatientId::new("p-2026-00af").is_ok());
        assert!(PatientId::new("../etc").is_err());
        assert!(PatientId::new("Jane Doe").is_err());
        assert!(PatientId::new("").is_err());
    }

    fn typed<'a>(name: &'a str, dob: &'a str, phone: &'a str, email: &'a str) -> TypedDetails<'a> {
        TypedDetails {
            full_name: name,
            date_of_birth: dob,
            phone,
            email,
            notes: "",
        }
    }

    fn fields_in_error(t: TypedDetails) -> Vec<DetailsField> {
        let e = PatientDetails::parse(t, d("2026-11-25")).unwrap_err();
        e.iter().map(|e| e.field).collect()
    }

    #[test]
    fn the_form_refuses_empty_names_impossible_and_future_dates() {
        let today = d("2026-11-25");
        assert_eq!(fields_in_error(typed("  ", "", "", "")), [DetailsField::Name]);
        let e = PatientDetails::parse(typed("Ann", "2026-02-30", "", ""), today).unwrap_err();
        assert_eq!(e[0].field, DetailsField::DateOfBirth);
        assert!(e[0].message.contains("does not exist"));
        let e = PatientDetails::parse(typed("Ann", "2027-01-01", "", ""), today).unwrap_err();
        assert!(e[0].message.contains("future"));
        let ok = PatientDetails::parse(typed(" Ann Lee ", "1990-05-01", "", ""), today).unwrap();
        assert_eq!(ok.full_name, "Ann Lee");
        assert_eq!(ok.date_of_birth, Some(d("1990-05-01")));
    }

    #[test]
    fn contact_fields_are_checked_and_every_failure_is_reported() {
        assert_eq!(
            fields_in_error(typed("Ann", "", "", "not-an-email")),
            [DetailsField::Email]
        );
        assert_eq!(
            fields_in_error(typed("Ann", "", "call me", "")),
            [DetailsField::Phone]
        );
        assert_eq!(
            fields_in_error(typed("", "2026-02-30", "call me", "x")),
            [
                DetailsField::Name,
                DetailsField::DateOfBirth,
                DetailsField::Phone,
                DetailsField::Email
            ]
        );
    }

    #[test]
    fn filter_matches_name_phone_and_email_case_insensitively() {
        let details = PatientDetails::parse(
            typed("Maria Okafor", "", "+44 20 7946 0000", "a@b.example"),
            d("2026-11-25"),
        )
        .unwrap();
        let p = Patient::new(PatientId::new("p-1").unwrap(), details, d("2026-11-25"));
        assert!(p.matches("okaf"));
        assert!(p.matches("a@b"));
        assert!(p.matches("7946"));
        assert!(p.matches("20 79"));
        assert!(p.matches("2079"));
        assert!(!p.matches("smith"));
    }

    /// Every date and time in `before`, paired with the same place in `after`, by JSON path.
    fn dated_strings(
        before: &serde_json::Value,
        after: &serde_json::Value,
        path: &str,
        out: &mut Vec<(String, String, String)>,
    ) {
        use serde_json::Value;
        match (before, after) {
            (Value::Object(a), Value::Object(b)) => {
                assert_eq!(
                    a.keys().collect::<Vec<_>>(),
                    b.keys().collect::<Vec<_>>(),
                    "{path}"
                );
                for (k, v) in a {
                    dated_strings(v, &b[k], &format!("{path}.{k}"), out);
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                assert_eq!(a.len(), b.len(), "{path}");
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    dated_strings(x, y, &format!("{path}[{i}]"), out);
                }
            }
            (Value::String(a), Value::String(b)) => {
                if a.parse::<NaiveDate>().is_ok() || a.parse::<chrono::NaiveDateTime>().is_ok() {
                    out.push((path.to_string(), a.clone(), b.clone()));
                } else {
                    assert_eq!(a, b, "{path}");
                }
            }
            (a, b) => assert_eq!(a, b, "{path}"),
        }
    }

    #[test]
    fn shift_dates_moves_every_clinic_date_and_time_of_the_record() {
        // Every dated field a record can hold, in the exact shape a saved patient has
        // (checked below), so a date the shift forgets is found by its path.
        let json = serde_json::json!({
            "id": "p-1",
            "full_name": "Ann Lee",
            "date_of_birth": "1990-05-01",
            "phone": "",
            "email": "",
            "notes": "",
            "archived": false,
            "created": "2026-02-27",
            "series": [{
                "protocol_id": "x",
                "protocol_name": "X",
                "interval_days": 28,
                "min_interval_days": 14,
                "created": "2026-02-28",
                "sessions": [{
                    "date": "2026-03-02",
                    "time": "09:00:00",
                    "status": "done",
                    "checklist": [{"item_id": "a", "day": 1, "text": "call", "ticked_at": "2026-03-03T10:00:00"}],
                    "prep": {
                        "consent_signed": "2026-03-01",
                        "photo_consent": "2026-03-02",
                        "photos": ["front"],
                        "confirmed_prompts": ["hsv_history"]
                    },
                    "chart": {
                        "record": {
                            "device_id": "pen",
                            "cartridge_lot": "L1",
                            "depths": {"cheeks": 1.5},
                            "passes": 3,
                            "end_point": "",
                            "adjuncts": [],
                            "reaction": "",
                            "notes": ""
                        },
                        "signed": {"by": "Dr A", "at": "2026-03-02T10:05:00"},
                        "amendments": [{"at": "2026-03-03T09:10:00", "by": "Dr A", "text": "fix", "depths": {"cheeks": 1.25}}]
                    }
                }],
                "reviews": [{"month": 1, "date": "2026-04-02", "status": "booked"}]
            }],
            "revision": 0,
            "skin": [{
                "date": "2026-02-27",
                "by": "Dr A",
                "fitzpatrick": "IV",
                "iga": 1,
                "scars": [{"kind": "rolling", "grade": 3}],
                "areas": ["cheeks"]
            }],
            "screening": {
                "reviewed_on": "2026-02-27",
                "reviewed_by": "Dr A",
                "answers": {"pregnancy": true},
                "exposures": {"isotretinoin": "2025-08-31", "tan": null},
                "acknowledgements": [{"rule_id": "anticoagulants", "by": "Dr A", "at": "2026-02-27T09:00:00"}],
                "overrides": [{"target": "pregnancy", "by": "Dr A", "reason": "r", "at": "2026-02-27T09:30:00"}]
            }
        });
        let mut p: Patient = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json,
            "the fixture is a saved record"
        );
        p.shift_dates(14);
        let mut dated = Vec::new();
        dated_strings(&json, &serde_json::to_value(&p).unwrap(), "", &mut dated);
        assert_eq!(dated.len(), 15, "{dated:?}");
        for (path, before, after) in dated {
            if path == ".date_of_birth" {
                assert_eq!(before, after, "ages are not part of the story");
                continue;
            }
            let moved = match (before.parse::<NaiveDate>(), after.parse::<NaiveDate>()) {
                (Ok(b), Ok(a)) => (a - b).num_days(),
                _ => {
                    let b: chrono::NaiveDateTime = before.parse().unwrap();
                    let a: chrono::NaiveDateTime = after.parse().unwrap();
                    assert_eq!(a.time(), b.time(), "{path}");
                    (a - b).num_days()
                }
            };
            assert_eq!(moved, 14, "{path}: {before} -> {after}");
        }
    }
}
