//! The on-disk form of one patient: `{"schema_version": N, "patient": {...}}`. Older
//! versions are brought forward by explicit migration steps; newer ones are refused
//! so that an old release never overwrites data it does not understand. A newer file
//! whose `patient` this version can still read (`decode_lenient`) is shown read-only.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::patient::Patient;

/// 1: the first release. 2: `patient.revision` (see `v1_to_v2`). 3: the clinical record
/// (`patient.skin`, `patient.screening`, `session.prep`, `session.chart`; see `v2_to_v3`).
/// 4: the clinical history (`patient.history`, `session.interval_override_by`/`_at`,
/// `override.judged_on`; see `v3_to_v4`).
pub const SCHEMA_VERSION: u64 = 4;

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    schema_version: u64,
    patient: &'a Patient,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    patient: Patient,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, truncated, or JSON of the wrong shape; the text has line and column.
    #[error("cannot be read: {0}")]
    Corrupt(String),
    /// Written by a newer needleplan: shown, never overwritten.
    #[error(
        "was written by a newer needleplan (schema_version {0}, this one reads up to {SCHEMA_VERSION}); left untouched"
    )]
    FutureVersion(u64),
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

/// The `schema_version` a patient file says it has, without reading the patient (`None`
/// when the file is no JSON object with a whole number there).
pub fn schema_version(bytes: &[u8]) -> Option<u64> {
    #[derive(Deserialize)]
    struct Probe {
        schema_version: u64,
    }
    serde_json::from_slice::<Probe>(bytes)
        .ok()
        .map(|p| p.schema_version)
}

/// What `decode_lenient` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A file of this version or an older one (migrated): editable.
    Current(Patient),
    /// A file of a newer version whose `patient` reads with the fields this version
    /// knows (the others are ignored). It may be shown, never saved: a save would drop
    /// what this version does not understand.
    ReadOnly { patient: Patient, schema_version: u64 },
}

/// Like `decode`, but a newer file is read as far as this version understands it.
/// When even that fails it stays `FutureVersion`, so the message still names the
/// version that wrote it.
pub fn decode_lenient(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    match decode(bytes) {
        Ok(patient) => Ok(Decoded::Current(patient)),
        Err(DecodeError::FutureVersion(v)) => {
            let mut value: Value = serde_json::from_slice(bytes).map_err(corrupt)?;
            let patient = value
                .get_mut("patient")
                .map(Value::take)
                .ok_or(DecodeError::FutureVersion(v))?;
            serde_json::from_value(patient)
                .map(|patient| Decoded::ReadOnly {
                    patient,
                    schema_version: v,
                })
                .map_err(|_| DecodeError::FutureVersion(v))
        }
        Err(e) => Err(e),
    }
}

/// One migration step: turns a document of version `N` into one of version `N + 1`.
type Step = fn(&mut Value) -> Result<(), DecodeError>;

/// `STEPS[i]` brings version `i + 1` to version `i + 2`. A change of the format bumps
/// `SCHEMA_VERSION`, adds one step here and a sample file under `tests/samples/`.
const STEPS: [Step; (SCHEMA_VERSION - 1) as usize] = [v1_to_v2, v2_to_v3, v3_to_v4];

/// Brings a document of `from` up to `SCHEMA_VERSION`, one step per version, and
/// stamps the result with the version it now has.
fn migrate(value: &mut Value, from: u64) -> Result<(), DecodeError> {
    if from == 0 {
        return Err(DecodeError::Corrupt("schema_version 0 is not valid".into()));
    }
    for (i, step) in STEPS.iter().enumerate().skip((from - 1) as usize) {
        step(value)?;
        value["schema_version"] = Value::from(i as u64 + 2);
    }
    Ok(())
}

/// v2 adds `patient.revision`, the count of saves the record has had. A v1 file on disk
/// was saved at least once, so it starts at 1 (a record never saved is revision 0).
fn v1_to_v2(value: &mut Value) -> Result<(), DecodeError> {
    // A missing or malformed `patient` is left for deserialisation to name.
    if let Some(patient) = value.get_mut("patient").and_then(Value::as_object_mut) {
        patient.entry("revision").or_insert(Value::from(1u64));
    }
    Ok(())
}

/// v3 adds the clinical record: `patient.skin`, `patient.screening`, and per session
/// `prep` and `chart`. All are optional and default to empty, so a v2 document needs no
/// change but its version. The bump exists so that a v2 release, which would drop these
/// fields when it saves, refuses a v3 file instead (see `DecodeError::FutureVersion`).
fn v2_to_v3(_value: &mut Value) -> Result<(), DecodeError> {
    Ok(())
}

/// v4 adds the clinical history (who changed what, when, old -> new, why), who set an
/// interval override and when, and the exposure date a washout override was judged on.
/// All are optional, so a v3 document needs no change but its version; the bump makes a
/// v3 release, which would drop the history when it saves, refuse a v4 file.
fn v3_to_v4(_value: &mut Value) -> Result<(), DecodeError> {
    Ok(())
}

fn corrupt(e: serde_json::Error) -> DecodeError {
    DecodeError::Corrupt(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_before_the_current_one_has_a_step() {
        assert_eq!(STEPS.len() as u64, SCHEMA_VERSION - 1);
    }

    #[test]
    fn v1_gets_revision_1_and_is_stamped_with_the_current_version() {
        let mut doc = serde_json::json!({"schema_version": 1, "patient": {"id": "p-1"}});
        migrate(&mut doc, 1).unwrap();
        assert_eq!(doc["schema_version"], serde_json::json!(SCHEMA_VERSION));
        assert_eq!(doc["patient"]["revision"], serde_json::json!(1));
    }

    #[test]
    fn v2_changes_nothing_but_the_version() {
        let original = serde_json::json!({"schema_version": 2, "patient": {"id": "p-1", "revision": 4}});
        let mut doc = original.clone();
        migrate(&mut doc, 2).unwrap();
        assert_eq!(doc["schema_version"], serde_json::json!(SCHEMA_VERSION));
        doc["schema_version"] = serde_json::json!(2);
        assert_eq!(doc, original);
    }

    #[test]
    fn a_current_document_is_left_as_it_is() {
        let original = serde_json::json!({"schema_version": 2, "patient": {"revision": 9}});
        let mut doc = original.clone();
        migrate(&mut doc, SCHEMA_VERSION).unwrap();
        assert_eq!(doc, original);
    }

    #[test]
    fn a_newer_document_of_a_known_shape_reads_leniently_and_an_unknown_one_does_not() {
        let known = serde_json::json!({"schema_version": 99, "patient": {
            "id": "p-1", "full_name": "A", "created": "2026-01-01", "revision": 7, "new_field": [1]}});
        let bytes = serde_json::to_vec(&known).unwrap();
        assert_eq!(decode(&bytes), Err(DecodeError::FutureVersion(99)));
        match decode_lenient(&bytes) {
            Ok(Decoded::ReadOnly {
                patient,
                schema_version: 99,
            }) => assert_eq!(patient.revision, 7),
            other => panic!("{other:?}"),
        }
        for doc in [
            r#"{"schema_version": 99, "patient": {"name": "renamed"}}"#,
            r#"{"schema_version": 99}"#,
        ] {
            assert_eq!(
                decode_lenient(doc.as_bytes()),
                Err(DecodeError::FutureVersion(99)),
                "{doc}"
            );
        }
    }

    #[test]
    fn a_v1_document_without_a_patient_object_is_still_an_error_not_a_panic() {
        for doc in [
            r#"{"schema_version": 1}"#,
            r#"{"schema_version": 1, "patient": null}"#,
            r#"{"schema_version": 1, "patient": [1]}"#,
        ] {
            assert!(
                matches!(decode(doc.as_bytes()), Err(DecodeError::Corrupt(_))),
                "{doc}"
            );
        }
    }
}
