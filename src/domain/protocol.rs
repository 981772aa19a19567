//! Protocol templates: the defaults a new treatment series starts from. The numbers come
//! from `assets/protocols.json` (a clinic may override it), never from code.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolTemplate {
    pub id: String,
    pub name: String,
    pub sessions: u32,
    pub interval_days: u32,
    pub min_interval_days: u32,
    pub max_interval_days: u32,
    pub session_minutes: u32,
}

impl ProtocolTemplate {
    /// Checks that a template read from a file is usable; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let field = |name: &str, why: &str| Err(format!("protocol '{}': {name} {why}", self.id));
        if self.id.trim().is_empty() {
            return Err("protocol: id must not be empty".into());
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
        Ok(())
    }
}
