//! Protocol templates: the defaults a new treatment series starts from. The numbers come
//! from `assets/protocols.json` (a clinic may override it), never from code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::chart::Depth;
use super::skin::Area;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolTemplate {
    pub id: String,
    pub name: String,
    pub sessions: u32,
    pub interval_days: u32,
    pub min_interval_days: u32,
    pub max_interval_days: u32,
    pub session_minutes: u32,
    /// Default needle depth (mm) per treated area, from the clinical reference. Areas
    /// without a default are entered by the clinician.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub depths: BTreeMap<Area, Depth>,
}

/// Why a protocol in `protocols.json` is refused: the field, and the protocol's id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("protocol: id must not be empty")]
    MissingId,
    /// `field` is the JSON name (`interval_days`, `depths.cheeks`); `why` finishes the
    /// sentence.
    #[error("protocol '{id}': {field} {why}")]
    Field {
        id: String,
        field: String,
        why: &'static str,
    },
}

impl ProtocolTemplate {
    /// Checks that a template read from a file is usable; the error names the field.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        let field = |field: &str, why| {
            Err(ProtocolError::Field {
                id: self.id.clone(),
                field: field.to_string(),
                why,
            })
        };
        if self.id.trim().is_empty() {
            return Err(ProtocolError::MissingId);
        }
        if self.name.trim().is_empty() {
            return field("name", "must not be empty");
        }
        if !(1..=20).contains(&self.sessions) {
            return field("sessions", "must be between 1 and 20");
        }
        if self.min_interval_days == 0 {
            return field("min_interval_days", "must be at least 1");
        }
        if self.interval_days < self.min_interval_days {
            return field("interval_days", "must not be below min_interval_days");
        }
        if self.max_interval_days < self.interval_days {
            return field("max_interval_days", "must not be below interval_days");
        }
        if !(5..=480).contains(&self.session_minutes) {
            return field("session_minutes", "must be between 5 and 480");
        }
        for (area, depth) in &self.depths {
            if depth.hundredths() == 0 {
                return field(&format!("depths.{}", area.key()), "must be above 0 mm");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depths_are_optional_and_must_be_above_zero() {
        let json = r#"{"id":"x","name":"X","sessions":3,"interval_days":28,"min_interval_days":14,"max_interval_days":42,"session_minutes":60}"#;
        let mut p: ProtocolTemplate = serde_json::from_str(json).unwrap();
        assert!(p.depths.is_empty());
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(serde_json::to_string(&p).unwrap(), json);
        p.depths.insert(Area::UnderEye, Depth::from_hundredths(0));
        let err = p.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "protocol 'x': depths.under_eye must be above 0 mm"
        );
    }
}
