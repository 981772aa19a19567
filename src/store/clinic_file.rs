//! `<data dir>/clinic.json`: the clinic's settings, `{"schema_version": 1, "name": ...}`.
//!
//! - Absent: the built-in defaults (`assets/clinic.json`) are used, and the file is
//!   written only when someone saves the settings.
//! - Broken (not JSON, a bad field, a rule broken, a newer schema): the problem names
//!   the file and the field or line, the defaults are used, and the file is left
//!   byte-for-byte untouched: [`save`] refuses to replace it until it is fixed by hand
//!   or moved away.

use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, IgnoredAny, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::clinic::ClinicSettings;

use super::atomic::write_atomic;

pub const CLINIC_FILE: &str = "clinic.json";
pub const CLINIC_SCHEMA: u64 = 1;
const BUILTIN: &str = include_str!("../../assets/clinic.json");

/// What the app starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicLoad {
    pub settings: ClinicSettings,
    /// Why the file could not be used (file and field or line named); `None` when it
    /// was read, or when there is none yet.
    pub problem: Option<String>,
    /// The file exists but could not be used: the settings screen must not save over it.
    pub read_only: bool,
    /// There is a `clinic.json` (false on first run: the defaults are in use).
    pub exists: bool,
}

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(CLINIC_FILE)
}

/// The defaults shipped in `assets/clinic.json`.
pub fn builtin() -> ClinicSettings {
    parse(BUILTIN).expect("assets/clinic.json is valid")
}

/// Reads `<data dir>/clinic.json`; never fails: problems come back in the result.
pub fn load(data_dir: &Path) -> ClinicLoad {
    let file = path(data_dir);
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return ClinicLoad {
                settings: builtin(),
                problem: None,
                read_only: false,
                exists: false,
            };
        }
        Err(e) => return broken(format!("{CLINIC_FILE}: cannot be read: {e}")),
    };
    match parse(&text) {
        Ok(settings) => ClinicLoad {
            settings,
            problem: None,
            read_only: false,
            exists: true,
        },
        Err(why) => broken(format!("{CLINIC_FILE}: {why}; using the built-in settings")),
    }
}

fn broken(problem: String) -> ClinicLoad {
    ClinicLoad {
        settings: builtin(),
        problem: Some(problem),
        read_only: true,
        exists: true,
    }
}

/// Parses and validates the file's text. Messages name the line and column (syntax,
/// unknown or mistyped field) or the field (`hours.mon.close: ...`).
pub fn parse(text: &str) -> Result<ClinicSettings, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match value.get("schema_version") {
        None => return Err("schema_version is missing".into()),
        Some(v) => match v.as_u64() {
            Some(CLINIC_SCHEMA) => {}
            Some(n) if n > CLINIC_SCHEMA => {
                return Err(format!(
                    "written by a newer needleplan (schema_version {n}, this one reads {CLINIC_SCHEMA}); left untouched"
                ));
            }
            _ => {
                return Err(format!(
                    "schema_version {v} is not supported (expected {CLINIC_SCHEMA})"
                ));
            }
        },
    }
    // Parsed again from the text (not the value) so that errors carry line and column.
    let Envelope(settings) = serde_json::from_str(text).map_err(|e| e.to_string())?;
    settings.validate().map_err(|e| e.to_string())?;
    Ok(settings)
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    schema_version: u64,
    #[serde(flatten)]
    settings: &'a ClinicSettings,
}

/// The file's text for `settings`: pretty JSON, `schema_version` first.
pub fn to_json(settings: &ClinicSettings) -> String {
    let mut text = serde_json::to_string_pretty(&EnvelopeOut {
        schema_version: CLINIC_SCHEMA,
        settings,
    })
    .expect("settings serialise");
    text.push('\n');
    text
}

/// Validates and writes the settings atomically. Refused when they break a rule, or when
/// the `clinic.json` on disk exists but cannot be read (it would be lost).
pub fn save(data_dir: &Path, settings: &ClinicSettings) -> Result<(), String> {
    settings.validate().map_err(|e| format!("not saved: {e}"))?;
    let file = path(data_dir);
    if file.exists() {
        let current = std::fs::read_to_string(&file)
            .map_err(|e| e.to_string())
            .and_then(|t| parse(&t));
        if let Err(why) = current {
            return Err(format!(
                "not saved: the {CLINIC_FILE} on disk cannot be read ({why}); fix it or move it away first"
            ));
        }
    }
    write_atomic(&file, to_json(settings).as_bytes()).map_err(|e| format!("{CLINIC_FILE} not saved: {e}"))
}

/// `ClinicSettings` read from the file's top-level object, skipping `schema_version`
/// (already checked) so that every other unknown key is still refused.
struct Envelope(ClinicSettings);

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the clinic settings object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Envelope, A::Error> {
        let inner = serde::de::value::MapAccessDeserializer::new(SkipVersion(map));
        ClinicSettings::deserialize(inner).map(Envelope)
    }
}

struct SkipVersion<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipVersion<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        loop {
            match self.0.next_key::<String>()? {
                None => return Ok(None),
                Some(key) if key == "schema_version" => {
                    self.0.next_value::<IgnoredAny>()?;
                }
                Some(key) => return seed.deserialize(key.into_deserializer()).map(Some),
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_defaults_are_the_domain_defaults() {
        assert_eq!(builtin(), ClinicSettings::default());
    }

    #[test]
    fn written_text_reads_back_and_starts_with_the_version() {
        let text = to_json(&ClinicSettings::default());
        assert!(text.starts_with("{\n  \"schema_version\": 1,"), "{text}");
        assert!(text.contains("\"open\": \"09:00\""), "{text}");
        assert_eq!(parse(&text), Ok(ClinicSettings::default()));
    }

    #[test]
    fn unknown_and_mistyped_fields_are_named_with_their_line() {
        let text = BUILTIN.replace("\"closed_dates\"", "\"closd_dates\"");
        let e = parse(&text).unwrap_err();
        assert!(e.contains("closd_dates") && e.contains("line 13"), "{e}");

        let text = BUILTIN.replace("\"09:00\", \"close\": \"13:00\"", "\"9am\", \"close\": \"13:00\"");
        let e = parse(&text).unwrap_err();
        assert!(e.contains("'9am' is not a time") && e.contains("line 10"), "{e}");
    }

    #[test]
    fn a_rule_broken_names_the_field() {
        let text = BUILTIN.replace("\"default_minutes\": 60", "\"default_minutes\": 2");
        assert!(parse(&text).unwrap_err().starts_with("default_minutes:"));
    }

    #[test]
    fn versions_are_checked_first() {
        let e = parse(&BUILTIN.replace("\"schema_version\": 1", "\"schema_version\": 7")).unwrap_err();
        assert!(e.contains("newer"), "{e}");
        let e = parse(&BUILTIN.replace("\"schema_version\": 1,", "")).unwrap_err();
        assert!(e.contains("schema_version is missing"), "{e}");
    }
}
