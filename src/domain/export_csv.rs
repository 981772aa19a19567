//! Patients, sessions and aftercare items as CSV, for spreadsheets and reports: one row
//! per patient, per session or per checklist item, with patient ids and (unless left
//! out) names. Pure: the bytes are returned; `crate::transfer` writes them.
//!
//! The patients file's header is one `import_csv` recognises, so an export imports back.

use chrono::NaiveDate;

use super::clinic::ClinicSettings;
use super::patient::Patient;

/// What one export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Patients,
    Sessions,
    Aftercare,
}

impl What {
    pub const ALL: [What; 3] = [What::Patients, What::Sessions, What::Aftercare];

    /// The file name the app's export uses.
    pub fn file_name(self) -> &'static str {
        match self {
            What::Patients => "patients.csv",
            What::Sessions => "sessions.csv",
            What::Aftercare => "aftercare.csv",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    pub what: What,
    /// Sessions on or after this day (aftercare items due on or after it).
    pub from: Option<NaiveDate>,
    /// Sessions on or before this day (aftercare items due on or before it).
    pub to: Option<NaiveDate>,
    /// Names and contact details (phone, email, notes) in the rows; `false` leaves only
    /// ids, for reports that need no identities.
    pub names: bool,
}

/// An export that cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("--from {from} is after --to {to}")]
    FromAfterTo { from: NaiveDate, to: NaiveDate },
    #[error(
        "--from and --to choose sessions and aftercare items by date; an export of patients takes every patient"
    )]
    RangeForPatients,
}

/// The CSV bytes and how many rows (besides the header) they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// Patients in the order staff see them (by name, then id).
fn sorted(patients: &[Patient]) -> Vec<&Patient> {
    let mut v: Vec<&Patient> = patients.iter().collect();
    v.sort_by_cached_key(|p| (p.full_name.to_lowercase(), p.id.clone()));
    v
}

pub fn export(
    patients: &[Patient],
    clinic: &ClinicSettings,
    options: &ExportOptions,
) -> Result<Export, ExportError> {
    if let (Some(from), Some(to)) = (options.from, options.to)
        && from > to
    {
        return Err(ExportError::FromAfterTo { from, to });
    }
    let in_range = |d: NaiveDate| options.from.is_none_or(|f| d >= f) && options.to.is_none_or(|t| d <= t);
    let names = options.names;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let header: Vec<&str> = match options.what {
        What::Patients => {
            if options.from.is_some() || options.to.is_some() {
                return Err(ExportError::RangeForPatients);
            }
            for p in sorted(patients) {
                let mut row = vec![p.id.to_string()];
                if names {
                    row.push(p.full_name.clone());
                }
                row.push(p.date_of_birth.map(|d| d.to_string()).unwrap_or_default());
                if names {
                    row.extend([p.phone.clone(), p.email.clone(), p.notes.clone()]);
                }
                row.extend([p.created.to_string(), yes_no(p.archived)]);
                rows.push(row);
            }
            if names {
                vec![
                    "id",
                    "name",
                    "date_of_birth",
                    "phone",
                    "email",
                    "notes",
                    "created",
                    "archived",
                ]
            } else {
                vec!["id", "date_of_birth", "created", "archived"]
            }
        }
        What::Sessions => {
            let mut all = Vec::new();
            for p in sorted(patients) {
                for (si, series) in p.series.iter().enumerate() {
                    for (k, s) in series.sessions.iter().enumerate() {
                        if !in_range(s.date) {
                            continue;
                        }
                        let mut row = vec![p.id.to_string()];
                        if names {
                            row.push(p.full_name.clone());
                        }
                        row.extend([
                            s.date.to_string(),
                            s.time.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
                            s.status.label().to_string(),
                            s.clinician
                                .as_deref()
                                .map(|c| clinic.clinician_name(c).to_string())
                                .unwrap_or_default(),
                            s.room
                                .as_deref()
                                .map(|r| clinic.room_name(r).to_string())
                                .unwrap_or_default(),
                            series.protocol_name.clone(),
                            (si + 1).to_string(),
                            format!("{} of {}", k + 1, series.sessions.len()),
                            depth_summary(s),
                        ]);
                        all.push((s.date, s.time, row));
                    }
                }
            }
            all.sort_by_key(|a| (a.0, a.1));
            rows = all.into_iter().map(|(_, _, r)| r).collect();
            let mut h = vec!["patient_id"];
            if names {
                h.push("name");
            }
            h.extend([
                "date",
                "time",
                "status",
                "clinician",
                "room",
                "series",
                "series_number",
                "session",
                "depths_mm",
            ]);
            h
        }
        What::Aftercare => {
            let mut all = Vec::new();
            for p in sorted(patients) {
                for series in &p.series {
                    for s in &series.sessions {
                        for entry in &s.checklist {
                            let due = entry.due_date(s.date);
                            if !in_range(due) {
                                continue;
                            }
                            let mut row = vec![p.id.to_string()];
                            if names {
                                row.push(p.full_name.clone());
                            }
                            row.extend([
                                s.date.to_string(),
                                entry.text.clone(),
                                due.to_string(),
                                yes_no(entry.ticked_at.is_some()),
                                entry
                                    .ticked_at
                                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                                    .unwrap_or_default(),
                            ]);
                            all.push((due, row));
                        }
                    }
                }
            }
            all.sort_by_key(|a| a.0);
            rows = all.into_iter().map(|(_, r)| r).collect();
            let mut h = vec!["patient_id"];
            if names {
                h.push("name");
            }
            h.extend(["session_date", "item", "due", "done", "done_at"]);
            h
        }
    };
    Ok(Export {
        rows: rows.len(),
        bytes: write_csv(&header, &rows),
    })
}

/// The header and rows as CSV (RFC 4180: quoted where needed, CRLF-free `\n` lines).
pub fn write_csv<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing into memory cannot fail.
    w.write_record(header).expect("CSV into memory");
    for row in rows {
        w.write_record(row.iter().map(AsRef::as_ref))
            .expect("CSV into memory");
    }
    w.into_inner().expect("CSV into memory")
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The charted depths of a session, area by area ("forehead 1.0; cheeks 1.5"); empty
/// without a chart.
fn depth_summary(s: &super::series::Session) -> String {
    let Some(chart) = &s.chart else {
        return String::new();
    };
    chart
        .record()
        .depths
        .iter()
        .map(|(area, depth)| format!("{} {depth}", area.label()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{Series, Session, SessionStatus};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn patient() -> Patient {
        let details = PatientDetails {
            full_name: "Ana \"Nina\" Lima, Jr".into(),
            date_of_birth: Some(d("1990-04-03")),
            phone: "06 12".into(),
            email: "ana@example.com".into(),
            notes: "line one\nline two".into(),
        };
        let mut p = Patient::new(PatientId::new("p-1").unwrap(), details, d("2026-01-01"));
        let mut s1 = Session::planned(d("2026-12-01"), "09:30".parse().ok());
        s1.status = SessionStatus::Booked;
        s1.clinician = Some("dr-x".into());
        let s2 = Session::planned(d("2026-12-29"), None);
        p.series.push(Series {
            protocol_name: "Atrophic".into(),
            sessions: vec![s1, s2],
            ..Series::default()
        });
        p
    }

    fn text(e: Export) -> String {
        String::from_utf8(e.bytes).unwrap()
    }

    fn opts(what: What) -> ExportOptions {
        ExportOptions {
            what,
            from: None,
            to: None,
            names: true,
        }
    }

    #[test]
    fn patients_are_quoted_where_needed() {
        let e = export(&[patient()], &ClinicSettings::default(), &opts(What::Patients)).unwrap();
        assert_eq!(e.rows, 1);
        assert_eq!(
            text(e),
            "id,name,date_of_birth,phone,email,notes,created,archived\n\
             p-1,\"Ana \"\"Nina\"\" Lima, Jr\",1990-04-03,06 12,ana@example.com,\"line one\nline two\",2026-01-01,no\n"
        );
    }

    #[test]
    fn without_names_no_name_or_contact_is_written() {
        for what in What::ALL {
            let t = text(
                export(
                    &[patient()],
                    &ClinicSettings::default(),
                    &ExportOptions {
                        names: false,
                        ..opts(what)
                    },
                )
                .unwrap(),
            );
            assert!(
                !t.contains("Lima") && !t.contains("06 12") && !t.contains("ana@"),
                "{t}"
            );
        }
    }

    #[test]
    fn sessions_are_chosen_by_date_and_name_their_clinician() {
        let clinic = ClinicSettings {
            clinicians: vec![crate::domain::clinic::Resource::new("dr-x", "Dr X")],
            ..ClinicSettings::default()
        };
        let o = ExportOptions {
            to: Some(d("2026-12-10")),
            ..opts(What::Sessions)
        };
        let t = text(export(&[patient()], &clinic, &o).unwrap());
        assert_eq!(
            t,
            "patient_id,name,date,time,status,clinician,room,series,series_number,session,depths_mm\n\
             p-1,\"Ana \"\"Nina\"\" Lima, Jr\",2026-12-01,09:30,booked,Dr X,,Atrophic,1,1 of 2,\n"
        );
    }

    #[test]
    fn aftercare_items_are_listed_by_due_day_with_when_they_were_ticked() {
        let mut p = patient();
        let session = &mut p.series[0].sessions[0];
        session.status = SessionStatus::Done;
        session.checklist = vec![
            crate::domain::aftercare::ChecklistEntry {
                item_id: "spf".into(),
                day: 2,
                text: "Sunscreen, SPF 50".into(),
                ticked_at: None,
            },
            crate::domain::aftercare::ChecklistEntry {
                item_id: "wash".into(),
                day: 0,
                text: "No make-up".into(),
                ticked_at: d("2026-12-01").and_hms_opt(18, 5, 0),
            },
        ];
        let o = ExportOptions {
            names: false,
            ..opts(What::Aftercare)
        };
        let t = text(export(&[p], &ClinicSettings::default(), &o).unwrap());
        assert_eq!(
            t,
            "patient_id,session_date,item,due,done,done_at\n\
             p-1,2026-12-01,No make-up,2026-12-01,yes,2026-12-01 18:05\n\
             p-1,2026-12-01,\"Sunscreen, SPF 50\",2026-12-03,no,\n"
        );
    }

    #[test]
    fn a_range_backwards_or_for_patients_is_refused() {
        let o = ExportOptions {
            from: Some(d("2026-12-10")),
            to: Some(d("2026-12-01")),
            ..opts(What::Sessions)
        };
        assert!(matches!(
            export(&[], &ClinicSettings::default(), &o),
            Err(ExportError::FromAfterTo { .. })
        ));
        let o = ExportOptions {
            from: Some(d("2026-12-10")),
            ..opts(What::Patients)
        };
        assert_eq!(
            export(&[], &ClinicSettings::default(), &o),
            Err(ExportError::RangeForPatients)
        );
    }
}
