//! The day-before reminder list: every booked session and result review of one day,
//! with what a mail merge or SMS tool needs (name, phone, email, time, clinician, the
//! clinic's name and address). Nothing is sent from here: the list is printed, or handed
//! to the clinic's own command one reminder at a time (`crate::transfer`).

use chrono::{NaiveDate, NaiveTime};

use super::clinic::ClinicSettings;
use super::export_csv::write_csv;
use super::patient::Patient;
use super::series::SessionStatus;

/// One booked appointment to remind a patient of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub patient_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub date: NaiveDate,
    pub time: Option<NaiveTime>,
    pub clinician: String,
    pub clinic: String,
    pub address: String,
}

/// The clinic's address line for reminders, as typed at first run or in Settings.
pub fn clinic_address(clinic: &ClinicSettings) -> String {
    clinic.address.trim().to_string()
}

/// The booked sessions and reviews of `date`, in time order (then by clinician).
pub fn reminders(patients: &[Patient], clinic: &ClinicSettings, date: NaiveDate) -> Vec<Reminder> {
    let address = clinic_address(clinic);
    let mut out = Vec::new();
    for p in patients {
        let mut add = |time: Option<NaiveTime>, clinician: Option<&str>| {
            out.push(Reminder {
                patient_id: p.id.to_string(),
                name: p.full_name.clone(),
                phone: p.phone.clone(),
                email: p.email.clone(),
                date,
                time,
                clinician: clinician
                    .map(|c| clinic.clinician_name(c).to_string())
                    .unwrap_or_default(),
                clinic: clinic.name.clone(),
                address: address.clone(),
            })
        };
        for series in &p.series {
            for s in series
                .sessions
                .iter()
                .filter(|s| s.date == date && s.status == SessionStatus::Booked)
            {
                add(s.time, s.clinician.as_deref());
            }
            for r in series
                .reviews
                .iter()
                .filter(|r| r.date == date && r.status == SessionStatus::Booked)
            {
                add(r.time, r.clinician.as_deref());
            }
        }
    }
    out.sort_by(|a, b| (a.time, &a.clinician, &a.patient_id).cmp(&(b.time, &b.clinician, &b.patient_id)));
    out
}

fn time_text(t: Option<NaiveTime>) -> String {
    t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
}

/// The fields of a reminder, as named in CSV columns and (upper-cased, prefixed with
/// `NEEDLEPLAN_`) in the environment of `--exec`.
pub fn fields(r: &Reminder) -> [(&'static str, String); 9] {
    [
        ("name", r.name.clone()),
        ("phone", r.phone.clone()),
        ("email", r.email.clone()),
        ("date", r.date.to_string()),
        ("time", time_text(r.time)),
        ("clinician", r.clinician.clone()),
        ("clinic", r.clinic.clone()),
        ("address", r.address.clone()),
        ("patient_id", r.patient_id.clone()),
    ]
}

/// The environment variables `--exec` gets for one reminder.
pub fn env_vars(r: &Reminder) -> Vec<(String, String)> {
    fields(r)
        .into_iter()
        .map(|(k, v)| (format!("NEEDLEPLAN_{}", k.to_uppercase()), v))
        .collect()
}

pub fn to_csv(list: &[Reminder]) -> Vec<u8> {
    let header: Vec<&str> = fields(&empty()).iter().map(|(k, _)| *k).collect();
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| fields(r).into_iter().map(|(_, v)| v).collect())
        .collect();
    write_csv(&header, &rows)
}

fn empty() -> Reminder {
    Reminder {
        patient_id: String::new(),
        name: String::new(),
        phone: String::new(),
        email: String::new(),
        date: NaiveDate::MIN,
        time: None,
        clinician: String::new(),
        clinic: String::new(),
        address: String::new(),
    }
}

/// One line per reminder, for reading or pasting: time, name, phone, email, clinician.
pub fn to_text(list: &[Reminder], date: NaiveDate) -> String {
    let mut out = format!("Reminders for {} ({}): {}\n", date, date.format("%A"), list.len());
    for r in list {
        let contact: Vec<&str> = [r.phone.as_str(), r.email.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let contact = if contact.is_empty() {
            "no phone or email".to_string()
        } else {
            contact.join(", ")
        };
        let time = match r.time {
            Some(t) => t.format("%H:%M").to_string(),
            None => "--:--".to_string(),
        };
        let with = if r.clinician.is_empty() {
            String::new()
        } else {
            format!(" with {}", r.clinician)
        };
        out.push_str(&format!(
            "{time}  {} ({}){with}: {contact}\n",
            r.name, r.patient_id
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clinic::Resource;
    use crate::domain::patient::{PatientDetails, PatientId};
    use crate::domain::series::{Series, Session};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn booked(date: &str, time: &str, status: SessionStatus) -> Session {
        let mut s = Session::planned(d(date), time.parse().ok());
        s.status = status;
        s.clinician = Some("dr-x".into());
        s
    }

    #[test]
    fn only_the_booked_sessions_of_the_day_in_time_order() {
        let clinic = ClinicSettings {
            name: "Skin Studio".into(),
            clinicians: vec![Resource::new("dr-x", "Dr X")],
            ..ClinicSettings::default()
        };
        let details = PatientDetails {
            full_name: "Ana Lima".into(),
            phone: "06 12".into(),
            ..Default::default()
        };
        let mut p = Patient::new(PatientId::new("p-1").unwrap(), details, d("2026-01-01"));
        p.series.push(Series {
            sessions: vec![
                booked("2026-12-05", "14:00", SessionStatus::Booked),
                booked("2026-12-05", "09:00", SessionStatus::Booked),
                booked("2026-12-05", "10:00", SessionStatus::Cancelled),
                booked("2026-12-06", "09:00", SessionStatus::Booked),
            ],
            ..Series::default()
        });
        let list = reminders(&[p], &clinic, d("2026-12-05"));
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].time, "09:00".parse().ok());
        assert_eq!(
            to_text(&list, d("2026-12-05")),
            "Reminders for 2026-12-05 (Saturday): 2\n\
             09:00  Ana Lima (p-1) with Dr X: 06 12\n\
             14:00  Ana Lima (p-1) with Dr X: 06 12\n"
        );
        let csv = String::from_utf8(to_csv(&list[..1])).unwrap();
        assert_eq!(
            csv,
            "name,phone,email,date,time,clinician,clinic,address,patient_id\n\
             Ana Lima,06 12,,2026-12-05,09:00,Dr X,Skin Studio,,p-1\n"
        );
        assert_eq!(
            env_vars(&list[0])[0],
            ("NEEDLEPLAN_NAME".to_string(), "Ana Lima".to_string())
        );
    }
}
