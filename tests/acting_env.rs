//! The acting person cannot be set by the environment (issue 10): whatever `USER`,
//! `LOGNAME` or a `NEEDLEPLAN_*` variable says, the login is the one of the process's
//! effective uid. One test in its own binary, since it changes the process environment.

use std::fs;

use needleplan::domain::staff::Acting;
use needleplan::runtime;
use serde_json::json;

const FORGED: &str = "forged-admin";

#[test]
fn user_logname_and_needleplan_variables_do_not_change_the_acting_login() {
    let dir = tempfile::tempdir().unwrap();
    let mut clinic = serde_json::to_value(needleplan::store::demo::demo_settings()).unwrap();
    clinic["schema_version"] = json!(2);
    clinic["revision"] = json!(1);
    clinic["staff"] = json!([
        {"login": FORGED, "name": "Forged Admin", "roles": ["admin", "clinician"]}
    ]);
    fs::write(dir.path().join("clinic.json"), clinic.to_string()).unwrap();
    let real = needleplan::store::audit::os_user();
    assert_ne!(real, FORGED, "the test needs a login other than {FORGED}");
    for var in [
        "USER",
        "LOGNAME",
        "USERNAME",
        "NEEDLEPLAN_USER",
        "NEEDLEPLAN_LOGIN",
        "NEEDLEPLAN_ACTING",
        "NEEDLEPLAN_STAFF",
    ] {
        // SAFETY: this binary holds this one test, so no other thread reads the
        // environment while it is changed.
        unsafe { std::env::set_var(var, FORGED) };
    }
    assert_eq!(needleplan::store::audit::os_user(), real);
    let (m, _store) = runtime::load(dir.path(), None).unwrap();
    assert_eq!(m.acting_login(), real);
    assert_eq!(m.acting(), Acting::NotListed(real.clone()));
    assert!(!m.acting().may(needleplan::domain::staff::Permission::Patients));
}
