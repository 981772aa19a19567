//! The first-run set-up: on a data dir without `clinic.json` the app opens two forms
//! before anything else, (1) the clinic (name, phone, address, clinicians, rooms, and
//! whether the person setting up is one of the clinicians) and (2) its opening hours
//! (a sensible default, accepted with Enter). The second form's Enter writes
//! `clinic.json` through the normal settings save; Esc on the first form (or Ctrl-C
//! anywhere) quits and writes nothing, and says so.
//!
//! The person setting up (the OS login of the process) becomes the first staff member:
//! admin, and clinician linked to the first clinician listed if they said so.

use chrono::NaiveTime;

use crate::domain::clinic::{ClinicSettings, DayHours, Resource, WEEKDAY_KEYS, weekday_name};
use crate::domain::staff::{Role, StaffMember};

use super::form::{ChoiceOption, Field, Form, FormEvent};
use super::model::{Effect, FormPurpose, Model, Overlay, StatusKind};
use super::settings::unique_id;

pub const NAME: &str = "name";
pub const PHONE: &str = "phone";
pub const ADDRESS: &str = "address";
pub const CLINICIANS: &str = "clinicians";
pub const ROOMS: &str = "rooms";
pub const YOU: &str = "you";

/// What the person leaving an unfinished set-up is told (after the terminal is back).
pub const NOT_SET_UP: &str =
    "set-up not finished: nothing was written (no clinic.json); needleplan asks again next time";

/// Which of the two set-up forms is open; the second carries what the first read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Clinic,
    Hours(Box<ClinicSettings>),
}

/// Opens the first set-up form (the app does on a data dir without `clinic.json`).
pub fn open(model: &mut Model) {
    let form = clinic_form(model, &ClinicSettings::default());
    model.close_all_overlays();
    model.push_overlay(Overlay::Form(FormPurpose::SetUp(Step::Clinic), form));
    model.set_status(
        StatusKind::Info,
        "new data dir: set up the clinic first; Esc quits and writes nothing",
    );
}

/// Whether a set-up form is open anywhere in the overlay stack (quitting writes nothing).
pub fn pending(model: &Model) -> bool {
    model
        .overlay_stack()
        .any(|o| matches!(o, Overlay::Form(FormPurpose::SetUp(_), _)))
}

fn clinic_form(model: &Model, draft: &ClinicSettings) -> Form {
    let names = |list: &[Resource]| {
        list.iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rooms = if draft.rooms.is_empty() {
        "Room 1".to_string()
    } else {
        names(&draft.rooms)
    };
    let login = model.acting_login();
    let is_clinician = draft
        .staff
        .first()
        .is_none_or(|s| s.clinician.is_some() || draft.clinicians.is_empty());
    let you = vec![
        ChoiceOption::new(Some("clinician"), "admin, and the first clinician listed"),
        ChoiceOption::new(Some("admin"), "admin only (not a clinician)"),
    ];
    let mut form = Form::new(
        "Set up your clinic (1 of 2): who and where",
        vec![
            Field::text(
                NAME,
                "Clinic name",
                "as on handouts and calendar files",
                draft.name.clone(),
            ),
            Field::text(
                PHONE,
                "Phone",
                "handouts say: call the clinic on ...",
                draft.phone.clone(),
            ),
            Field::text(
                ADDRESS,
                "Address",
                "one line, for handouts and .ics",
                draft.address.clone(),
            ),
            Field::text(
                CLINICIANS,
                "Clinicians",
                "full names, separated by commas",
                names(&draft.clinicians),
            ),
            Field::text(ROOMS, "Rooms", "names, separated by commas", rooms),
            Field::choice(
                YOU,
                format!("You ({login})"),
                you,
                Some(if is_clinician { "clinician" } else { "admin" }.into()),
            ),
        ],
    );
    form.enter_label = "next: hours";
    form
}

fn hours_form(draft: &ClinicSettings) -> Form {
    let fields = WEEKDAY_KEYS
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let value = match draft.hours[i] {
                Some(h) => format!("{}-{}", h.open.format("%H:%M"), h.close.format("%H:%M")),
                None => "closed".into(),
            };
            let day = weekday_name(chrono::Weekday::try_from(i as u8).expect("0..7 is a weekday"));
            Field::text(*key, day, "HH:MM-HH:MM, or closed", value)
        })
        .collect();
    let mut form = Form::new("Set up your clinic (2 of 2): opening hours", fields);
    form.enter_label = "save and start";
    form
}

/// A key in a set-up form.
pub fn form_key(
    model: &mut Model,
    step: Step,
    mut form: Form,
    key: ratatui::crossterm::event::KeyEvent,
) -> Vec<Effect> {
    match (form.handle_key(&key), step) {
        (FormEvent::Cancel, Step::Clinic) => {
            model.exit_message = Some(NOT_SET_UP.into());
            model.quit = true;
            Vec::new()
        }
        (FormEvent::Cancel, Step::Hours(draft)) => {
            // Back to the first form, with what was typed there.
            let form = clinic_form(model, &draft);
            model.overlay = Overlay::Form(FormPurpose::SetUp(Step::Clinic), form);
            model.set_status(
                StatusKind::Info,
                "back to step 1; Esc there quits without writing anything",
            );
            Vec::new()
        }
        (FormEvent::Submit, Step::Clinic) => {
            match read_clinic(model, &form) {
                Ok(draft) => {
                    let hours = hours_form(&draft);
                    model.overlay = Overlay::Form(FormPurpose::SetUp(Step::Hours(Box::new(draft))), hours);
                    model.set_status(
                        StatusKind::Info,
                        "step 2 of 2: Enter saves the hours as shown; Esc goes back to step 1",
                    );
                }
                Err(errors) => {
                    form.set_errors(errors);
                    model.overlay = Overlay::Form(FormPurpose::SetUp(Step::Clinic), form);
                }
            }
            Vec::new()
        }
        (FormEvent::Submit, Step::Hours(draft)) => match read_hours(&form, *draft.clone()) {
            Ok(settings) => {
                if let Err(e) = settings.validate() {
                    form.set_errors(vec![(WEEKDAY_KEYS[0].to_string(), e.to_string())]);
                    model.overlay = Overlay::Form(FormPurpose::SetUp(Step::Hours(draft)), form);
                    return Vec::new();
                }
                model.set_clinic(settings);
                model.screens.settings.unsaved = true;
                model.set_status(
                    StatusKind::Info,
                    "clinic set up; a adds your first patient (5: Settings changes it)",
                );
                vec![Effect::SaveClinic]
            }
            Err(errors) => {
                form.set_errors(errors);
                model.overlay = Overlay::Form(FormPurpose::SetUp(Step::Hours(draft)), form);
                Vec::new()
            }
        },
        (_, step) => {
            model.overlay = Overlay::Form(FormPurpose::SetUp(step), form);
            Vec::new()
        }
    }
}

/// Names separated by commas, trimmed, empty ones dropped.
fn names(text: &str) -> Vec<String> {
    text.split(',')
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty())
        .collect()
}

fn resources(names: &[String], fallback: &str) -> Vec<Resource> {
    let mut out: Vec<Resource> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let id = unique_id(name, &format!("{fallback}-{}", i + 1), |id| {
            out.iter().any(|r| r.id == id)
        });
        out.push(Resource::new(&id, name));
    }
    out
}

/// The first form's values as a draft of the settings, or every error at once.
fn read_clinic(model: &Model, form: &Form) -> Result<ClinicSettings, Vec<(String, String)>> {
    let mut r = form.reader();
    let name = r.text(NAME).to_string();
    if name.is_empty() {
        r.fail(
            NAME,
            "the clinic's name is needed (it goes on handouts and calendar files)",
        );
    }
    let clinicians = names(r.text(CLINICIANS));
    if clinicians.is_empty() {
        r.fail(CLINICIANS, "at least one clinician is needed to book sessions");
    }
    let rooms = names(r.text(ROOMS));
    if rooms.is_empty() {
        r.fail(ROOMS, "at least one room is needed to book sessions");
    }
    let you_clinician = form.choice(YOU) == Some("clinician");
    let phone = r.text(PHONE).to_string();
    let address = r.text(ADDRESS).to_string();
    r.finish()?;
    let clinicians = resources(&clinicians, "clinician");
    let login = model.acting_login().to_string();
    let me = if you_clinician {
        StaffMember {
            login: login.clone(),
            name: clinicians[0].name.clone(),
            roles: vec![Role::Admin, Role::Clinician],
            clinician: Some(clinicians[0].id.clone()),
        }
    } else {
        StaffMember {
            login: login.clone(),
            name: login,
            roles: vec![Role::Admin],
            clinician: None,
        }
    };
    Ok(ClinicSettings {
        name,
        phone,
        address,
        clinicians,
        rooms: resources(&rooms, "room"),
        staff: vec![me],
        ..ClinicSettings::default()
    })
}

/// One weekday's hours: "09:00-18:00" (also "9:00 - 18:00", "09:00 to 18:00"), or
/// "closed" (or nothing).
pub fn parse_day(text: &str) -> Result<Option<DayHours>, String> {
    let t = text.trim().to_lowercase();
    if t.is_empty() || t == "closed" || t == "-" {
        return Ok(None);
    }
    let bad = || {
        format!(
            "'{}' is not opening hours: write e.g. 09:00-18:00, or closed",
            text.trim()
        )
    };
    let (open, close) = t
        .split_once('-')
        .or_else(|| t.split_once(" to "))
        .ok_or_else(bad)?;
    let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
    let (open, close) = (time(open)?, time(close)?);
    if close <= open {
        return Err(format!(
            "closing time {} must be after opening time {}",
            close.format("%H:%M"),
            open.format("%H:%M")
        ));
    }
    Ok(Some(DayHours::new(open, close)))
}

fn read_hours(form: &Form, mut draft: ClinicSettings) -> Result<ClinicSettings, Vec<(String, String)>> {
    let mut r = form.reader();
    for (i, key) in WEEKDAY_KEYS.iter().enumerate() {
        if let Some(hours) = r.parse(key, parse_day) {
            draft.hours[i] = hours;
        }
    }
    if !r.has_errors() && draft.hours.iter().all(Option::is_none) {
        r.fail(WEEKDAY_KEYS[0], "the clinic must be open on at least one weekday");
    }
    r.finish()?;
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_read_in_the_usual_spellings() {
        let h = |a: u32, b: u32| NaiveTime::from_hms_opt(a, b, 0).unwrap();
        assert_eq!(
            parse_day("09:00-18:00"),
            Ok(Some(DayHours::new(h(9, 0), h(18, 0))))
        );
        assert_eq!(
            parse_day(" 9:30 - 13:00 "),
            Ok(Some(DayHours::new(h(9, 30), h(13, 0))))
        );
        assert_eq!(
            parse_day("08:00 to 12:00"),
            Ok(Some(DayHours::new(h(8, 0), h(12, 0))))
        );
        assert_eq!(parse_day("Closed"), Ok(None));
        assert_eq!(parse_day(""), Ok(None));
        assert!(
            parse_day("nine to five")
                .unwrap_err()
                .contains("e.g. 09:00-18:00")
        );
        assert!(parse_day("18:00-09:00").unwrap_err().contains("after opening"));
    }

    #[test]
    fn names_are_split_on_commas_and_ids_made_from_them() {
        let list = names(" Zoë Adler ,, Sam  Lee,Sam Lee ");
        assert_eq!(list, ["Zoë Adler", "Sam Lee", "Sam Lee"]);
        let ids: Vec<String> = resources(&list, "clinician").into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["zoe-adler", "sam-lee", "sam-lee-2"]);
        let ids: Vec<String> = resources(&["李".to_string()], "room")
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["room-1"]);
    }
}
