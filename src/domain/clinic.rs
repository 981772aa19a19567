//! Clinic settings: opening hours, closed dates, clinicians, rooms and the defaults a
//! booking starts from. Plain data and the questions asked of it ("is the clinic open on
//! that day, and when?"); reading and writing `clinic.json` is the store's business.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

pub mod changes;

/// Keys of the weekdays in `clinic.json`, Monday first (the index into `hours`).
pub const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Opening and closing time of one weekday. `close` is after `open` (no overnight hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayHours {
    #[serde(with = "hhmm")]
    pub open: NaiveTime,
    #[serde(with = "hhmm")]
    pub close: NaiveTime,
}

impl DayHours {
    pub fn new(open: NaiveTime, close: NaiveTime) -> Self {
        Self { open, close }
    }

    /// Minutes between opening and closing.
    pub fn minutes(&self) -> i64 {
        (self.close - self.open).num_minutes()
    }
}

/// A date the clinic is closed whatever the weekday (a public holiday, training day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosedDate {
    pub date: NaiveDate,
    #[serde(default)]
    pub reason: String,
}

/// A clinician or a room. Inactive ones stay in the file (old sessions name them) but
/// cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub id: String,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Resource {
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            active: true,
        }
    }
}

/// Why the clinic is closed on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closure {
    /// No opening hours on that weekday.
    Weekday(Weekday),
    /// Listed in `closed_dates`, with its reason (may be empty).
    Holiday(String),
}

impl std::fmt::Display for Closure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Closure::Weekday(w) => write!(f, "the clinic is closed on {}s", weekday_name(*w)),
            Closure::Holiday(r) if r.trim().is_empty() => f.write_str("the clinic is closed that day"),
            Closure::Holiday(r) => write!(f, "the clinic is closed ({})", r.trim()),
        }
    }
}

pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Everything in `clinic.json` apart from its `schema_version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClinicSettings {
    /// How many times the file has been saved; the version an edit starts from, so that a
    /// save over someone else's newer one is caught (0: no file yet, the defaults).
    #[serde(default)]
    pub revision: u64,
    pub name: String,
    /// The clinic's phone number, printed on handouts ("call the clinic on ...") and in
    /// `.ics` files; empty until set.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// One address line, for handouts and the location of `.ics` events; empty until set.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Opening hours per weekday, Monday first; `None` is a closed day. In the file a map
    /// `{"mon": {"open": "09:00", "close": "18:00"}, ..., "sun": null}`.
    #[serde(with = "week_hours")]
    pub hours: [Option<DayHours>; 7],
    #[serde(default)]
    pub closed_dates: Vec<ClosedDate>,
    pub clinicians: Vec<Resource>,
    pub rooms: Vec<Resource>,
    /// Length of an appointment when neither the session nor its protocol says.
    #[serde(default = "default_minutes")]
    pub default_minutes: u32,
    /// Protocol template ids offered for new series; empty means all of them.
    #[serde(default)]
    pub protocols_in_use: Vec<String>,
    /// Months after a series' last session at which result reviews are due.
    #[serde(default = "default_review_months")]
    pub review_months: Vec<u8>,
    /// Lock the screen after this many idle minutes (used by the lock feature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_lock_minutes: Option<u32>,
    /// Who may change what (see `domain::staff`); empty in clinics from before roles:
    /// then anyone may change anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staff: Vec<crate::domain::staff::StaffMember>,
}

fn default_minutes() -> u32 {
    60
}

fn default_review_months() -> Vec<u8> {
    vec![1, 3, 6]
}

/// A setting that cannot be used, with the field it is about (`hours.mon.close`,
/// `clinicians[1].id`) so the settings screen and the file loader can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SettingsError {}

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

impl Default for ClinicSettings {
    /// A clinic not set up yet: no name, no clinicians, no rooms (so not valid), and the
    /// opening hours the first-run set-up offers: Monday to Friday 09:00-18:00, Saturday
    /// 09:00-13:00, Sunday closed. The demo clinic's settings live with the demo
    /// (`store::demo::demo_settings`), never here.
    fn default() -> Self {
        let weekday = Some(DayHours::new(t(9, 0), t(18, 0)));
        Self {
            revision: 0,
            name: String::new(),
            phone: String::new(),
            address: String::new(),
            hours: [
                weekday,
                weekday,
                weekday,
                weekday,
                weekday,
                Some(DayHours::new(t(9, 0), t(13, 0))),
                None,
            ],
            closed_dates: Vec::new(),
            clinicians: Vec::new(),
            rooms: Vec::new(),
            default_minutes: default_minutes(),
            protocols_in_use: Vec::new(),
            review_months: default_review_months(),
            idle_lock_minutes: None,
            staff: Vec::new(),
        }
    }
}

impl ClinicSettings {
    /// Why the clinic is closed on `date`, or `None` when it is open.
    pub fn closure(&self, date: NaiveDate) -> Option<Closure> {
        if let Some(c) = self.closed_dates.iter().find(|c| c.date == date) {
            return Some(Closure::Holiday(c.reason.clone()));
        }
        let weekday = date.weekday();
        self.hours[weekday.num_days_from_monday() as usize]
            .is_none()
            .then_some(Closure::Weekday(weekday))
    }

    pub fn is_open(&self, date: NaiveDate) -> bool {
        self.hours_on(date).is_some()
    }

    /// Opening hours on `date`: `None` on a closed weekday or a closed date.
    pub fn hours_on(&self, date: NaiveDate) -> Option<DayHours> {
        let hours = self.hours[date.weekday().num_days_from_monday() as usize]?;
        if self.closed_dates.iter().any(|c| c.date == date) {
            return None;
        }
        Some(hours)
    }

    pub fn clinician(&self, id: &str) -> Option<&Resource> {
        self.clinicians.iter().find(|r| r.id == id)
    }

    pub fn room(&self, id: &str) -> Option<&Resource> {
        self.rooms.iter().find(|r| r.id == id)
    }

    pub fn active_clinicians(&self) -> impl Iterator<Item = &Resource> {
        self.clinicians.iter().filter(|r| r.active)
    }

    pub fn active_rooms(&self) -> impl Iterator<Item = &Resource> {
        self.rooms.iter().filter(|r| r.active)
    }

    /// The clinician's name, or the id itself when it is not (any longer) in the list.
    pub fn clinician_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.clinician(id).map_or(id, |r| r.name.as_str())
    }

    pub fn room_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.room(id).map_or(id, |r| r.name.as_str())
    }

    /// Equal in everything but the revision (the same settings saved twice).
    pub fn same_content(&self, other: &ClinicSettings) -> bool {
        ClinicSettings {
            revision: other.revision,
            ..self.clone()
        } == *other
    }

    /// Whether protocol `id` is offered for new series.
    pub fn protocol_in_use(&self, id: &str) -> bool {
        self.protocols_in_use.is_empty() || self.protocols_in_use.iter().any(|p| p == id)
    }

    /// Checks every rule a usable clinic needs; the error names the first bad field.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let err = |field: String, message: String| Err(SettingsError { field, message });
        if self.name.trim().is_empty() {
            return err("name".into(), "must not be empty".into());
        }
        for (day, hours) in self.hours.iter().enumerate() {
            if let Some(h) = hours
                && h.close <= h.open
            {
                return err(
                    format!("hours.{}.close", WEEKDAY_KEYS[day]),
                    format!(
                        "closing time {} must be after opening time {}",
                        h.close.format("%H:%M"),
                        h.open.format("%H:%M")
                    ),
                );
            }
        }
        if self.hours.iter().all(Option::is_none) {
            return err(
                "hours".into(),
                "the clinic must be open on at least one weekday".into(),
            );
        }
        validate_resources("clinicians", &self.clinicians)?;
        validate_resources("rooms", &self.rooms)?;
        if !(5..=480).contains(&self.default_minutes) {
            return err(
                "default_minutes".into(),
                format!("must be between 5 and 480 (is {})", self.default_minutes),
            );
        }
        for (i, id) in self.protocols_in_use.iter().enumerate() {
            if id.trim().is_empty() {
                return err(format!("protocols_in_use[{i}]"), "must not be empty".into());
            }
        }
        for (i, m) in self.review_months.iter().enumerate() {
            if !(1..=36).contains(m) {
                return err(format!("review_months[{i}]"), "must be between 1 and 36".into());
            }
            if self.review_months[..i].contains(m) {
                return err(format!("review_months[{i}]"), format!("{m} is listed twice"));
            }
        }
        if let Some(m) = self.idle_lock_minutes
            && !(1..=1440).contains(&m)
        {
            return err("idle_lock_minutes".into(), "must be between 1 and 1440".into());
        }
        let ids: Vec<&str> = self.clinicians.iter().map(|c| c.id.as_str()).collect();
        if let Err((field, message)) = crate::domain::staff::validate(&self.staff, &ids) {
            return err(field, message);
        }
        Ok(())
    }
}

/// A clinician or room id names things in files and on the command line: a-z, 0-9, '-'.
pub fn is_file_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn validate_resources(list: &str, items: &[Resource]) -> Result<(), SettingsError> {
    let err = |field: String, message: String| Err(SettingsError { field, message });
    for (i, r) in items.iter().enumerate() {
        if !is_file_safe_id(&r.id) {
            return err(
                format!("{list}[{i}].id"),
                format!("'{}' may use only a-z, 0-9 and '-' (1 to 32 characters)", r.id),
            );
        }
        if items[..i].iter().any(|o| o.id == r.id) {
            return err(format!("{list}[{i}].id"), format!("'{}' is used twice", r.id));
        }
        if r.name.trim().is_empty() {
            return err(format!("{list}[{i}].name"), "must not be empty".into());
        }
    }
    if !items.iter().any(|r| r.active) {
        return err(
            list.into(),
            format!("at least one active entry is needed in {list}"),
        );
    }
    Ok(())
}

/// `NaiveTime` as `"HH:MM"` (seconds are accepted when reading, never written).
mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .map_err(|_| serde::de::Error::custom(format!("'{text}' is not a time; use HH:MM, e.g. 09:00")))
    }
}

/// The week's hours as a map keyed `mon`..`sun`; a missing or `null` day is closed.
mod week_hours {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    use super::{DayHours, WEEKDAY_KEYS};

    type Week = [Option<DayHours>; 7];

    pub fn serialize<S: Serializer>(week: &Week, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(7))?;
        for (key, day) in WEEKDAY_KEYS.iter().zip(week) {
            map.serialize_entry(key, day)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Week, D::Error> {
        d.deserialize_map(WeekVisitor)
    }

    struct WeekVisitor;

    impl<'de> Visitor<'de> for WeekVisitor {
        type Value = Week;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str(r#"a map of weekdays "mon".."sun" to {"open": "HH:MM", "close": "HH:MM"} or null"#)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Week, A::Error> {
            let mut week: Week = [None; 7];
            let mut seen = [false; 7];
            while let Some(key) = map.next_key::<String>()? {
                let Some(i) = WEEKDAY_KEYS.iter().position(|k| *k == key) else {
                    return Err(serde::de::Error::unknown_field(&key, &WEEKDAY_KEYS));
                };
                if seen[i] {
                    return Err(serde::de::Error::custom(format!(
                        "weekday '{key}' is given twice"
                    )));
                }
                seen[i] = true;
                week[i] = map.next_value()?;
            }
            Ok(week)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_neutral_default_has_opening_hours_but_no_name_or_people() {
        let c = ClinicSettings::default();
        assert!(c.name.is_empty() && c.phone.is_empty() && c.address.is_empty());
        assert!(c.clinicians.is_empty() && c.rooms.is_empty() && c.staff.is_empty());
        assert_eq!(
            c.validate().unwrap_err().field,
            "name",
            "not usable before set-up"
        );
        // 2026-11-23 is a Monday.
        assert_eq!(
            c.hours_on(d("2026-11-23")),
            Some(DayHours::new(t(9, 0), t(18, 0)))
        );
        assert_eq!(
            c.hours_on(d("2026-11-28")),
            Some(DayHours::new(t(9, 0), t(13, 0)))
        );
        assert!(!c.is_open(d("2026-11-29")));
        assert_eq!(c.closure(d("2026-11-29")), Some(Closure::Weekday(Weekday::Sun)));
        assert_eq!(c.default_minutes, 60);
    }

    #[test]
    fn a_closed_date_closes_an_open_weekday_and_says_why() {
        let mut c = crate::store::demo::demo_settings();
        c.closed_dates.push(ClosedDate {
            date: d("2026-12-25"),
            reason: "Christmas".into(),
        });
        assert!(!c.is_open(d("2026-12-25")));
        let why = c.closure(d("2026-12-25")).unwrap();
        assert_eq!(why.to_string(), "the clinic is closed (Christmas)");
        assert!(c.is_open(d("2026-12-24")));
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = crate::store::demo::demo_settings();
        c.hours[2] = Some(DayHours::new(t(18, 0), t(9, 0)));
        assert_eq!(c.validate().unwrap_err().field, "hours.wed.close");

        let mut c = crate::store::demo::demo_settings();
        c.clinicians[1].id = "amara".into();
        let e = c.validate().unwrap_err();
        assert_eq!(e.field, "clinicians[1].id");
        assert!(e.message.contains("twice"), "{e}");

        let mut c = crate::store::demo::demo_settings();
        c.rooms[0].id = "Room 1".into();
        assert_eq!(c.validate().unwrap_err().field, "rooms[0].id");

        let mut c = crate::store::demo::demo_settings();
        for r in &mut c.rooms {
            r.active = false;
        }
        assert_eq!(c.validate().unwrap_err().field, "rooms");

        let c = ClinicSettings {
            default_minutes: 4,
            ..crate::store::demo::demo_settings()
        };
        assert_eq!(c.validate().unwrap_err().field, "default_minutes");

        let c = ClinicSettings {
            hours: [None; 7],
            ..crate::store::demo::demo_settings()
        };
        assert_eq!(c.validate().unwrap_err().field, "hours");

        let c = ClinicSettings {
            name: " ".into(),
            ..crate::store::demo::demo_settings()
        };
        assert_eq!(c.validate().unwrap_err().field, "name");
    }

    #[test]
    fn hours_read_and_write_as_a_readable_weekday_map() {
        let c = crate::store::demo::demo_settings();
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            json.contains(r#""hours":{"mon":{"open":"09:00","close":"18:00"},"#),
            "{json}"
        );
        assert!(json.contains(r#""sun":null"#), "{json}");
        let back: ClinicSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn a_missing_weekday_is_closed_and_an_unknown_one_is_refused() {
        let mut v = serde_json::to_value(crate::store::demo::demo_settings()).unwrap();
        v["hours"].as_object_mut().unwrap().remove("sat");
        let c: ClinicSettings = serde_json::from_value(v.clone()).unwrap();
        assert!(c.hours[5].is_none());
        v["hours"]["funday"] = serde_json::Value::Null;
        let e = serde_json::from_value::<ClinicSettings>(v).unwrap_err();
        assert!(e.to_string().contains("funday"), "{e}");
    }

    #[test]
    fn protocols_in_use_empty_means_all() {
        let mut c = crate::store::demo::demo_settings();
        assert!(c.protocol_in_use("anything"));
        c.protocols_in_use = vec!["acne-scars-standard".into()];
        assert!(c.protocol_in_use("acne-scars-standard"));
        assert!(!c.protocol_in_use("maintenance"));
    }
}
