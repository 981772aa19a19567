//! Templates (protocols, aftercare, screening, devices, depth ranges per area, the
//! patient handout): compiled
//! in from `assets/`, and overridden by a file of the same name in the data dir. A
//! broken override is reported (file and field) and the built-in defaults are used, so
//! the app always starts.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::aftercare::{AftercareError, AftercareItem};
use crate::domain::chart::{DeviceError, DeviceTemplate};
use crate::domain::depth_ranges::{DepthRangeError, DepthRanges};
use crate::domain::handout::{HandoutError, HandoutTemplate};
use crate::domain::protocol::{ProtocolError, ProtocolTemplate};
use crate::domain::screening::{ScreeningTemplate, ScreeningTemplateError};

pub const PROTOCOLS_FILE: &str = "protocols.json";
pub const AFTERCARE_FILE: &str = "aftercare.json";
pub const SCREENING_FILE: &str = "screening.json";
pub const DEVICES_FILE: &str = "devices.json";
pub const HANDOUT_FILE: &str = "handout.json";
pub const DEPTH_RANGES_FILE: &str = "depth_ranges.json";
const BUILTIN_PROTOCOLS: &str = include_str!("../../assets/protocols.json");
const BUILTIN_AFTERCARE: &str = include_str!("../../assets/aftercare.json");
const BUILTIN_SCREENING: &str = include_str!("../../assets/screening.json");
const BUILTIN_DEVICES: &str = include_str!("../../assets/devices.json");
const BUILTIN_HANDOUT: &str = include_str!("../../assets/handout.json");
const BUILTIN_DEPTH_RANGES: &str = include_str!("../../assets/depth_ranges.json");
const TEMPLATE_SCHEMA: u64 = 1;

/// Why a template file cannot be used. The file's name is added by the caller (`load`
/// reports "protocols.json: ...; using the built-in defaults").
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{0}")]
    Read(#[from] std::io::Error),
    /// Not JSON; serde's words carry the line and column.
    #[error("{0}")]
    Syntax(#[from] serde_json::Error),
    /// JSON of the wrong shape (a wrong type, an unknown variant), with the offending
    /// line quoted when it is short enough to read.
    #[error("{error}{}", quoted_line(.line.as_deref()))]
    Shape {
        error: serde_json::Error,
        line: Option<String>,
    },
    #[error("schema_version is missing")]
    MissingVersion,
    #[error("schema_version {0} is not supported (expected {TEMPLATE_SCHEMA})")]
    UnsupportedVersion(u64),
    #[error("protocols: at least one protocol is needed")]
    NoProtocols,
    #[error("devices: at least one device is needed")]
    NoDevices,
    #[error("devices[{index}].id '{id}' is used twice")]
    DuplicateDevice { index: usize, id: String },
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error(transparent)]
    Aftercare(#[from] AftercareError),
    #[error(transparent)]
    Screening(#[from] ScreeningTemplateError),
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Handout(#[from] HandoutError),
    #[error(transparent)]
    DepthRange(#[from] DepthRangeError),
}

fn quoted_line(line: Option<&str>) -> String {
    line.map(|l| format!(" (`{l}`)")).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    pub protocols: Vec<ProtocolTemplate>,
    pub aftercare: Vec<AftercareItem>,
    pub screening: ScreeningTemplate,
    pub devices: Vec<DeviceTemplate>,
    pub handout: HandoutTemplate,
    /// The usual depth of each area: outside it a chart needs a reason.
    pub depth_ranges: DepthRanges,
}

#[derive(Deserialize)]
struct ProtocolsDoc {
    protocols: Vec<ProtocolTemplate>,
}

#[derive(Deserialize)]
struct AftercareDoc {
    items: Vec<AftercareItem>,
}

#[derive(Deserialize)]
struct DevicesDoc {
    devices: Vec<DeviceTemplate>,
}

#[derive(Deserialize)]
struct DepthRangesDoc {
    areas: DepthRanges,
}

impl Templates {
    /// The defaults shipped in `assets/`.
    pub fn builtin() -> Self {
        Self {
            protocols: parse_protocols(BUILTIN_PROTOCOLS).expect("assets/protocols.json is valid"),
            aftercare: parse_aftercare(BUILTIN_AFTERCARE).expect("assets/aftercare.json is valid"),
            screening: parse_screening(BUILTIN_SCREENING).expect("assets/screening.json is valid"),
            devices: parse_devices(BUILTIN_DEVICES).expect("assets/devices.json is valid"),
            handout: parse_handout(BUILTIN_HANDOUT).expect("assets/handout.json is valid"),
            depth_ranges: parse_depth_ranges(BUILTIN_DEPTH_RANGES)
                .expect("assets/depth_ranges.json is valid"),
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
        if let Some(s) = read_override(data_dir, SCREENING_FILE, parse_screening, &mut problems) {
            t.screening = s;
        }
        if let Some(d) = read_override(data_dir, DEVICES_FILE, parse_devices, &mut problems) {
            t.devices = d;
        }
        if let Some(h) = read_override(data_dir, HANDOUT_FILE, parse_handout, &mut problems) {
            t.handout = h;
        }
        if let Some(r) = read_override(data_dir, DEPTH_RANGES_FILE, parse_depth_ranges, &mut problems) {
            t.depth_ranges = r;
        }
        problems.extend(t.depth_mismatches());
        (t, problems)
    }

    pub fn device(&self, id: &str) -> Option<&DeviceTemplate> {
        self.devices.iter().find(|d| d.id == id)
    }

    /// Protocol default depths that no device allows (a chart started from one could
    /// never be signed), or that lie outside their area's usual range (every chart
    /// started from one would need a reason): each file is valid on its own, but they
    /// disagree. Reported, not fatal.
    pub fn depth_mismatches(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.protocols {
            for (area, depth) in &p.depths {
                if !self.devices.iter().any(|d| d.allows(*depth)) {
                    out.push(format!(
                        "{PROTOCOLS_FILE}: protocol '{}': depths.{} {depth} mm is outside the range of every device in {DEVICES_FILE}",
                        p.id,
                        area.key()
                    ));
                } else if let Some(range) = self.depth_ranges.get(*area)
                    && !range.contains(*depth)
                {
                    out.push(format!(
                        "{PROTOCOLS_FILE}: protocol '{}': depths.{} {depth} mm is outside the usual {range} of {DEPTH_RANGES_FILE}: every chart started from it needs a reason",
                        p.id,
                        area.key()
                    ));
                }
            }
        }
        out
    }
}

fn read_override<T>(
    dir: &Path,
    name: &str,
    parse: fn(&str) -> Result<T, TemplateError>,
    problems: &mut Vec<String>,
) -> Option<T> {
    let path = dir.join(name);
    if !path.exists() {
        return None;
    }
    let result = std::fs::read_to_string(&path)
        .map_err(TemplateError::from)
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
fn parse_doc<T: DeserializeOwned>(text: &str) -> Result<T, TemplateError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    match value.get("schema_version").and_then(serde_json::Value::as_u64) {
        Some(v) => check_version(v)?,
        None => return Err(TemplateError::MissingVersion),
    }
    serde_json::from_value(value).map_err(|e| located::<T>(text, e))
}

/// A shape error (wrong type, unknown variant, bad value) from `from_value` has no
/// position; parsing the text again finds it, and the offending line is quoted so the
/// field can be seen ("months": "six").
fn located<T: DeserializeOwned>(text: &str, first: serde_json::Error) -> TemplateError {
    let Err(error) = serde_json::from_str::<T>(text) else {
        return TemplateError::Shape {
            error: first,
            line: None,
        };
    };
    let line = match error.line() {
        0 => None,
        n => text
            .lines()
            .nth(n - 1)
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.chars().count() <= 120)
            .map(str::to_string),
    };
    TemplateError::Shape { error, line }
}

fn check_version(v: u64) -> Result<(), TemplateError> {
    if v == TEMPLATE_SCHEMA {
        Ok(())
    } else {
        Err(TemplateError::UnsupportedVersion(v))
    }
}

pub fn parse_protocols(text: &str) -> Result<Vec<ProtocolTemplate>, TemplateError> {
    let doc: ProtocolsDoc = parse_doc(text)?;
    if doc.protocols.is_empty() {
        return Err(TemplateError::NoProtocols);
    }
    for p in &doc.protocols {
        p.validate()?;
    }
    Ok(doc.protocols)
}

pub fn parse_aftercare(text: &str) -> Result<Vec<AftercareItem>, TemplateError> {
    let doc: AftercareDoc = parse_doc(text)?;
    for item in &doc.items {
        item.validate()?;
    }
    let mut items = doc.items;
    items.sort_by_key(|i| i.day);
    Ok(items)
}

pub fn parse_screening(text: &str) -> Result<ScreeningTemplate, TemplateError> {
    // The document is the template itself (plus `schema_version`, ignored by serde).
    let mut screening: ScreeningTemplate = parse_doc(text)?;
    // A clinic's file from before skin rules existed keeps the built-in ones (those
    // whose rule it still has): the skin profile should not stop counting because the
    // clinic once changed a label. `"skin_rules": []` turns them off.
    let has_skin_rules = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .is_some_and(|v| v.get("skin_rules").is_some());
    if !has_skin_rules {
        let builtin: ScreeningTemplate = parse_doc(BUILTIN_SCREENING)?;
        screening.skin_rules = builtin
            .skin_rules
            .into_iter()
            .filter(|r| screening.is_rule(&r.rule))
            .collect();
    }
    screening.validate()?;
    Ok(screening)
}

pub fn parse_devices(text: &str) -> Result<Vec<DeviceTemplate>, TemplateError> {
    let doc: DevicesDoc = parse_doc(text)?;
    if doc.devices.is_empty() {
        return Err(TemplateError::NoDevices);
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, d) in doc.devices.iter().enumerate() {
        d.validate()?;
        if !ids.insert(d.id.as_str()) {
            return Err(TemplateError::DuplicateDevice {
                index: i,
                id: d.id.clone(),
            });
        }
    }
    Ok(doc.devices)
}

pub fn parse_handout(text: &str) -> Result<HandoutTemplate, TemplateError> {
    let handout: HandoutTemplate = parse_doc(text)?;
    handout.validate()?;
    Ok(handout)
}

pub fn parse_depth_ranges(text: &str) -> Result<DepthRanges, TemplateError> {
    let doc: DepthRangesDoc = parse_doc(text)?;
    doc.areas.validate()?;
    Ok(doc.areas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::skin::Area;

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
    fn parse_errors_say_what_is_wrong_as_data() {
        assert!(matches!(
            parse_aftercare("{ not json"),
            Err(TemplateError::Syntax(_))
        ));
        let e = parse_aftercare(r#"{"items":[]}"#).unwrap_err();
        assert!(matches!(e, TemplateError::MissingVersion), "{e:?}");
        let e = parse_aftercare(r#"{"schema_version":2,"items":[]}"#).unwrap_err();
        assert!(matches!(e, TemplateError::UnsupportedVersion(2)), "{e:?}");
        assert_eq!(e.to_string(), "schema_version 2 is not supported (expected 1)");
        let e = parse_devices(r#"{"schema_version":1,"devices":[]}"#).unwrap_err();
        assert_eq!(e.to_string(), "devices: at least one device is needed");
        let e =
            parse_aftercare(r#"{"schema_version":1,"items":[{"id":"x","day":400,"text":"t"}]}"#).unwrap_err();
        assert!(
            matches!(&e, TemplateError::Aftercare(AftercareError::DayOutOfRange(id)) if id == "x"),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "aftercare item 'x': day must be 0..=365");
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

    #[test]
    fn new_builtins_follow_the_clinical_reference() {
        let t = Templates::builtin();
        assert_eq!(t.screening.rescreen_after_days, 30);
        assert_eq!(t.screening.absolute.len(), 8);
        assert_eq!(t.screening.relative.len(), 7);
        assert_eq!(t.screening.washouts.len(), 5);
        assert_eq!(t.device("pen-2.5").unwrap().max_depth_mm.to_string(), "2.5");
        assert!(t.handout.lines.iter().any(|l| l.from_day == 0));
        assert!(t.depth_mismatches().is_empty());
    }

    fn load_with(file: &str, text: &str) -> (Templates, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(file), text).unwrap();
        Templates::load(dir.path())
    }

    #[test]
    fn broken_screening_devices_and_handout_overrides_name_file_and_field() {
        let bad_screening = BUILTIN_SCREENING.replace(r#""months": 6"#, r#""months": "six""#);
        let bad_devices = BUILTIN_DEVICES.replace(r#""max_depth_mm": 2.5"#, r#""max_depth_mm": 0.05"#);
        let bad_handout =
            BUILTIN_HANDOUT.replace(r#""from_day": 5, "to_day": 7"#, r#""from_day": 8, "to_day": 7"#);
        for (file, text, words) in [
            (
                SCREENING_FILE,
                bad_screening,
                &["screening.json", "\"months\": \"six\"", "line"][..],
            ),
            (
                DEVICES_FILE,
                bad_devices,
                &["devices.json", "'pen-2.5'", "max_depth_mm"][..],
            ),
            (
                HANDOUT_FILE,
                bad_handout,
                &["handout.json", "lines[5].to_day"][..],
            ),
        ] {
            let (t, problems) = load_with(file, &text);
            assert_eq!(t, Templates::builtin(), "{file}");
            assert_eq!(problems.len(), 1, "{problems:?}");
            for w in words {
                assert!(problems[0].contains(w), "'{w}' missing in {problems:?}");
            }
            assert!(problems[0].contains("built-in defaults"), "{problems:?}");
        }
    }

    #[test]
    fn builtin_depth_ranges_follow_the_clinical_reference() {
        let t = Templates::builtin();
        let range = |a: Area| t.depth_ranges.get(a).unwrap().to_string();
        assert_eq!(range(Area::UnderEye), "0.2-0.3 mm");
        assert_eq!(range(Area::Cheeks), "0.5-2.0 mm");
        assert_eq!(range(Area::Forehead), "0.25-0.5 mm");
        assert_eq!(range(Area::Nose), "0.25-0.75 mm");
        assert!(Area::ALL.iter().all(|a| t.depth_ranges.get(*a).is_some()));
        // Every protocol default lies inside its area's usual range.
        assert!(t.depth_mismatches().is_empty(), "{:?}", t.depth_mismatches());
    }

    #[test]
    fn a_bad_depth_ranges_override_is_named_and_the_defaults_are_kept() {
        for (text, words) in [
            (
                BUILTIN_DEPTH_RANGES.replace(
                    r#""under_eye": { "min_mm": 0.2, "max_mm": 0.3 }"#,
                    r#""under_eye": { "min_mm": 0.3, "max_mm": 0.2 }"#,
                ),
                &["depth_ranges.json", "areas.under_eye.max_mm", "below min_mm"][..],
            ),
            (
                BUILTIN_DEPTH_RANGES.replace(r#""nose""#, r#""neck""#),
                &["depth_ranges.json", "unknown variant `neck`", "\"neck\""][..],
            ),
            (
                BUILTIN_DEPTH_RANGES.replace(r#""max_mm": 0.75"#, r#""max_mm": "0.75""#),
                &["depth_ranges.json", "line", "\"max_mm\": \"0.75\""][..],
            ),
            (
                BUILTIN_DEPTH_RANGES.replace(
                    r#""min_mm": 0.25, "max_mm": 0.75"#,
                    r#""min": 0.25, "max_mm": 0.75"#,
                ),
                &["depth_ranges.json", "unknown field `min`"][..],
            ),
        ] {
            let (t, problems) = load_with(DEPTH_RANGES_FILE, &text);
            assert_eq!(t, Templates::builtin());
            assert_eq!(problems.len(), 1, "{problems:?}");
            for w in words {
                assert!(problems[0].contains(w), "'{w}' missing in {problems:?}");
            }
            assert!(problems[0].contains("built-in defaults"), "{problems:?}");
        }
    }

    #[test]
    fn a_valid_depth_ranges_override_replaces_the_defaults_and_is_checked_against_the_protocols() {
        let (t, problems) = load_with(
            DEPTH_RANGES_FILE,
            r#"{"schema_version":1,"areas":{"cheeks":{"min_mm":0.5,"max_mm":1.0}}}"#,
        );
        assert_eq!(
            t.depth_ranges.get(Area::Cheeks).unwrap().to_string(),
            "0.5-1.0 mm"
        );
        assert_eq!(
            t.depth_ranges.get(Area::UnderEye),
            None,
            "an area left out has no range"
        );
        // The built-in cheeks default (1.5 mm) is beyond this clinic's usual range.
        assert!(!problems.is_empty());
        assert!(
            problems.iter().all(|p| p.contains("depths.cheeks 1.5 mm")
                && p.contains("usual 0.5-1.0 mm")
                && p.contains("needs a reason")),
            "{problems:?}"
        );
    }

    #[test]
    fn the_builtin_skin_rules_follow_the_clinical_reference() {
        use crate::domain::skin::{Iga, ScarType};
        let t = Templates::builtin().screening;
        let acne = t.skin_rules.iter().find(|r| r.rule == "active_acne").unwrap();
        assert_eq!(acne.min_iga, Some(Iga::Moderate));
        let keloid = t.skin_rules.iter().find(|r| r.rule == "keloid_tendency").unwrap();
        assert!(keloid.scars.contains(&ScarType::Hypertrophic));
        assert!(t.absolute.iter().any(|r| r.id == "active_acne"));
        assert!(t.absolute.iter().any(|r| r.id == "keloid_tendency"));
    }

    #[test]
    fn a_screening_override_without_skin_rules_keeps_the_builtin_ones_it_can() {
        let cut = BUILTIN_SCREENING
            .find(
                r#",
  "skin_rules""#,
            )
            .unwrap();
        let without = format!("{}\n}}\n", &BUILTIN_SCREENING[..cut]);
        let (t, problems) = load_with(SCREENING_FILE, &without);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(t.screening.skin_rules, Templates::builtin().screening.skin_rules);
        // Without the keloid question, only the acne rule is kept.
        let no_keloid = without.replace(
            r#"{ "id": "keloid_tendency", "label": "Tendency to keloid scarring" },"#,
            "",
        );
        let (t, problems) = load_with(SCREENING_FILE, &no_keloid);
        assert!(problems.is_empty(), "{problems:?}");
        let rules: Vec<&str> = t.screening.skin_rules.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(rules, ["active_acne"]);
        // An explicit empty list turns them off.
        let off = BUILTIN_SCREENING.replace(
            r#"{ "rule": "active_acne", "min_iga": 3 },
    { "rule": "keloid_tendency", "scars": ["hypertrophic"] }"#,
            "",
        );
        let (t, problems) = load_with(SCREENING_FILE, &off);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(t.screening.skin_rules.is_empty());
    }

    #[test]
    fn a_bad_skin_rule_is_named_and_the_defaults_are_kept() {
        for (from, to, words) in [
            (
                r#""rule": "active_acne""#,
                r#""rule": "acne""#,
                &["screening.json", "skin_rules[0].rule 'acne'"][..],
            ),
            (
                r#""min_iga": 3"#,
                r#""min_iga": 7"#,
                &["screening.json", "IGA 7 does not exist"][..],
            ),
            (
                r#", "scars": ["hypertrophic"]"#,
                "",
                &["screening.json", "skin_rules[1]: give min_iga or scars"][..],
            ),
            (
                r#""scars": ["hypertrophic"]"#,
                r#""scars": ["keloid"]"#,
                &["screening.json", "unknown variant `keloid`"][..],
            ),
        ] {
            assert_eq!(BUILTIN_SCREENING.matches(from).count(), 1, "{from}");
            let (t, problems) = load_with(SCREENING_FILE, &BUILTIN_SCREENING.replace(from, to));
            assert_eq!(t, Templates::builtin(), "{to}");
            assert_eq!(problems.len(), 1, "{problems:?}");
            for w in words {
                assert!(problems[0].contains(w), "'{w}' missing in {problems:?}");
            }
        }
    }

    #[test]
    fn valid_screening_and_devices_overrides_replace_the_defaults() {
        let screening =
            BUILTIN_SCREENING.replace(r#""rescreen_after_days": 30"#, r#""rescreen_after_days": 60"#);
        let (t, problems) = load_with(SCREENING_FILE, &screening);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(t.screening.rescreen_after_days, 60);
        let (t, problems) = load_with(
            DEVICES_FILE,
            r#"{"schema_version":1,"devices":[{"id":"d","name":"D","min_depth_mm":0.2,"max_depth_mm":1}]}"#,
        );
        assert_eq!(t.devices.len(), 1);
        // The built-in cheeks default (1.5 mm) is beyond this clinic's only device.
        assert!(
            problems
                .iter()
                .any(|p| p.contains("protocols.json") && p.contains("depths.cheeks")),
            "{problems:?}"
        );
    }
}
