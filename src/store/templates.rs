//! Protocol and aftercare templates: compiled in from `assets/`, and overridden by a
//! file of the same name in the data dir. A broken override is reported (file and
//! field) and the built-in defaults are used, so the app always starts.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::aftercare::AftercareItem;
use crate::domain::protocol::ProtocolTemplate;

pub const PROTOCOLS_FILE: &str = "protocols.json";
pub const AFTERCARE_FILE: &str = "aftercare.json";
const BUILTIN_PROTOCOLS: &str = include_str!("../../assets/protocols.json");
const BUILTIN_AFTERCARE: &str = include_str!("../../assets/aftercare.json");
const TEMPLATE_SCHEMA: u64 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    pub protocols: Vec<ProtocolTemplate>,
    pub aftercare: Vec<AftercareItem>,
}

#[derive(Deserialize)]
struct ProtocolsDoc {
    protocols: Vec<ProtocolTemplate>,
}

#[derive(Deserialize)]
struct AftercareDoc {
    items: Vec<AftercareItem>,
}

impl Templates {
    /// The defaults shipped in `assets/`.
    pub fn builtin() -> Self {
        Self {
            protocols: parse_protocols(BUILTIN_PROTOCOLS).expect("assets/protocols.json is valid"),
            aftercare: parse_aftercare(BUILTIN_AFTERCARE).expect("assets/aftercare.json is valid"),
        }
    }

    /// Built-ins, replaced by the data dir's own files where those are valid. Returns the
    /// problems found, each naming the file.
    pub fn load(data_dir: &Path) -> (Self, Vec<String>) {
        let mut t = Self::builtin();
        let mut problems = Vec::new();
        if let Some(p) = read_override(data_dir, PROTOCOLS_FILE, parse_protocols, &mut problems) {
            t.protocols = p;
        }
        if let Some(a) = read_override(data_dir, AFTERCARE_FILE, parse_aftercare, &mut problems) {
            t.aftercare = a;
        }
        (t, problems)
    }
}

fn read_override<T>(
    dir: &Path,
    name: &str,
    parse: fn(&str) -> Result<T, String>,
    problems: &mut Vec<String>,
) -> Option<T> {
    let path = dir.join(name);
    if !path.exists() {
        return None;
    }
    let result = std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|text| parse(&text));
    match result {
        Ok(v) => Some(v),
        Err(why) => {
            problems.push(format!("{name}: {why}; using the built-in defaults"));
            None
        }
    }
}

/// Reads the version first, so a file from a newer release is named as such instead of
/// being reported as broken.
fn parse_doc<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    match value.get("schema_version").and_then(serde_json::Value::as_u64) {
        Some(v) => check_version(v)?,
        None => return Err("schema_version is missing".into()),
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn check_version(v: u64) -> Result<(), String> {
    if v == TEMPLATE_SCHEMA {
        Ok(())
    } else {
        Err(format!(
            "schema_version {v} is not supported (expected {TEMPLATE_SCHEMA})"
        ))
    }
}

pub fn parse_protocols(text: &str) -> Result<Vec<ProtocolTemplate>, String> {
    let doc: ProtocolsDoc = parse_doc(text)?;
    if doc.protocols.is_empty() {
        return Err("protocols: at least one protocol is needed".into());
    }
    for p in &doc.protocols {
        p.validate()?;
    }
    Ok(doc.protocols)
}

pub fn parse_aftercare(text: &str) -> Result<Vec<AftercareItem>, String> {
    let doc: AftercareDoc = parse_doc(text)?;
    for item in &doc.items {
        item.validate()?;
    }
    let mut items = doc.items;
    items.sort_by_key(|i| i.day);
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_follow_the_clinical_reference() {
        let t = Templates::builtin();
        let standard = &t.protocols[0];
        assert_eq!(
            (
                standard.sessions,
                standard.interval_days,
                standard.min_interval_days
            ),
            (3, 28, 14)
        );
        let days: Vec<u32> = t.aftercare.iter().map(|i| i.day).collect();
        assert!(days.contains(&0) && days.contains(&1) && days.contains(&3));
    }

    #[test]
    fn a_broken_override_is_named_and_the_defaults_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(PROTOCOLS_FILE),
            r#"{"schema_version":1,"protocols":[{"id":"x","name":"X","sessions":3,"interval_days":10,"min_interval_days":14,"max_interval_days":42,"session_minutes":60}]}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join(AFTERCARE_FILE), "{ not json").unwrap();
        let (t, problems) = Templates::load(dir.path());
        assert_eq!(t, Templates::builtin());
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].contains("protocols.json") && problems[0].contains("interval_days"),
            "{problems:?}"
        );
        assert!(problems[1].contains("aftercare.json"), "{problems:?}");
    }

    #[test]
    fn a_valid_override_replaces_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(AFTERCARE_FILE),
            r#"{"schema_version":1,"items":[{"id":"call","day":2,"text":"Call"}]}"#,
        )
        .unwrap();
        let (t, problems) = Templates::load(dir.path());
        assert!(problems.is_empty());
        assert_eq!(t.aftercare.len(), 1);
    }
}
