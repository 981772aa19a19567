//! The on-disk form of one patient: `{"schema_version": N, "patient": {...}}`. Older
//! versions are brought forward by explicit migration steps; newer ones are refused
//! so that an old release never overwrites data it does not understand.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::patient::Patient;

pub const SCHEMA_VERSION: u64 = 1;

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    schema_version: u64,
    patient: &'a Patient,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    patient: Patient,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON, truncated, or JSON of the wrong shape; the text has line and column.
    Corrupt(String),
    /// Written by a newer needleplan: shown, never overwritten.
    FutureVersion(u64),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Corrupt(why) => write!(f, "cannot be read: {why}"),
            DecodeError::FutureVersion(v) => write!(
                f,
                "was written by a newer needleplan (schema_version {v}, this one reads up to {SCHEMA_VERSION}); left untouched"
            ),
        }
    }
}

pub fn encode(patient: &Patient) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&EnvelopeOut {
        schema_version: SCHEMA_VERSION,
        patient,
    })
    .expect("a patient always serialises");
    bytes.push(b'\n');
    bytes
}

pub fn decode(bytes: &[u8]) -> Result<Patient, DecodeError> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(corrupt)?;
    let version = value
        .get("schema_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| DecodeError::Corrupt("missing schema_version".into()))?;
    if version > SCHEMA_VERSION {
        return Err(DecodeError::FutureVersion(version));
    }
    migrate(&mut value, version)?;
    let envelope: EnvelopeIn = serde_json::from_value(value).map_err(corrupt)?;
    Ok(envelope.patient)
}

/// Brings a document of `from` up to `SCHEMA_VERSION`, one step per version. Version 1
/// is the first release, so there is nothing to do yet; each future change of the
/// format adds a step here and a sample file under `tests/`.
fn migrate(_value: &mut Value, from: u64) -> Result<(), DecodeError> {
    if from == 0 {
        return Err(DecodeError::Corrupt("schema_version 0 is not valid".into()));
    }
    Ok(())
}

fn corrupt(e: serde_json::Error) -> DecodeError {
    DecodeError::Corrupt(e.to_string())
}
