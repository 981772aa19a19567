//! End to end: the real binary in a pseudo-terminal opens a patient file written by a
//! newer needleplan read-only: listed with a `read-only` badge, its plan saying why,
//! `e` answered with a message instead of a form, and the file left byte for byte.

mod common;

use std::fs;

use common::pty::*;
use needleplan::domain::patient::{Patient, PatientDetails, PatientId};
use needleplan::store::patient_file;

#[test]
fn a_newer_record_shows_the_badge_refuses_e_and_stays_unchanged() {
    let sandbox = Sandbox::new();
    fs::create_dir_all(sandbox.patients_dir()).unwrap();
    let patient = Patient::new(
        PatientId::new("p-00000099").unwrap(),
        PatientDetails {
            full_name: "Grace Newer".into(),
            phone: "+1 555 0199".into(),
            ..PatientDetails::default()
        },
        "2026-01-15".parse().unwrap(),
    );
    let mut doc: serde_json::Value = serde_json::from_slice(&patient_file::encode(&patient)).unwrap();
    doc["schema_version"] = serde_json::json!(99);
    doc["patient"]["preferred_name"] = serde_json::json!("Gracie");
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    let path = sandbox.patients_dir().join("p-00000099.json");
    fs::write(&path, &bytes).unwrap();

    let mut tui = Tui::spawn(&sandbox, &sandbox.args_with_data_dir(&[]), 100, 30);
    let screen = tui.wait_screen(&["Grace Newer", "read-only", "READ-ONLY"], &[], TIMEOUT);
    assert!(
        screen
            .rows
            .iter()
            .any(|r| r.contains("Grace Newer") && r.contains("read-only")),
        "no badge on the patient's row:\n{}",
        screen.dump()
    );

    tui.send("e");
    let screen = tui.wait_status("written by a newer needleplan (schema 99)", TIMEOUT);
    assert!(
        !screen.contains("Edit patient"),
        "a form opened:\n{}",
        screen.dump()
    );
    tui.quit();

    assert_eq!(fs::read(&path).unwrap(), bytes, "the newer file was changed");
    assert_eq!(sandbox.patient_files(), vec!["p-00000099.json".to_string()]);
    assert!(
        !sandbox.data_dir().join("audit.log").exists()
            || !fs::read_to_string(sandbox.data_dir().join("audit.log"))
                .unwrap()
                .contains("p-00000099"),
        "an audit line was written for it"
    );
    sandbox.assert_nothing_leaked_incl_tmp();
}
