//! Staff and roles: who may change what. The acting person is the OS account of the
//! process (resolved by the caller, never from an environment variable or a typed name),
//! looked up in the clinic's staff list. Pure rules: no files, no terminal.

use serde::{Deserialize, Serialize};

/// A role a staff member holds; one person may hold several (the first user of a new
/// data dir is admin and clinician).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    FrontDesk,
    Clinician,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::FrontDesk, Role::Clinician, Role::Admin];

    pub fn label(self) -> &'static str {
        match self {
            Role::FrontDesk => "front desk",
            Role::Clinician => "clinician",
            Role::Admin => "admin",
        }
    }

    /// "a clinician", "an admin".
    pub fn with_article(self) -> &'static str {
        match self {
            Role::FrontDesk => "a front desk member",
            Role::Clinician => "a clinician",
            Role::Admin => "an admin",
        }
    }

    /// Whether this role grants `p`.
    pub fn grants(self, p: Permission) -> bool {
        use Permission as P;
        let front_desk = matches!(p, P::Patients | P::Bookings | P::Aftercare);
        match self {
            Role::FrontDesk => front_desk,
            Role::Clinician => {
                front_desk
                    || matches!(
                        p,
                        P::Screening | P::SkinProfile | P::Charts | P::Signing | P::ClinicalOverride
                    )
            }
            Role::Admin => front_desk || matches!(p, P::Settings | P::Staff),
        }
    }
}

/// Something a key may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Patients,
    Bookings,
    Aftercare,
    Screening,
    SkinProfile,
    Charts,
    Signing,
    ClinicalOverride,
    Settings,
    Staff,
}

impl Permission {
    /// The role that grants it with the least else (named in a refusal).
    pub fn needs(self) -> Role {
        Role::ALL
            .into_iter()
            .find(|r| r.grants(self))
            .expect("every permission is granted by a role")
    }

    /// What it covers, in a refusal's words ("to answer screening").
    pub fn doing(self) -> &'static str {
        match self {
            Permission::Patients => "change patients",
            Permission::Bookings => "change bookings",
            Permission::Aftercare => "tick aftercare",
            Permission::Screening => "change screening",
            Permission::SkinProfile => "change the skin profile",
            Permission::Charts => "change charts",
            Permission::Signing => "sign charts",
            Permission::ClinicalOverride => "override a clinical rule",
            Permission::Settings => "change settings",
            Permission::Staff => "change the staff list",
        }
    }
}

/// One entry of `clinic.json`'s `staff`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    /// The OS login (account name) this person runs needleplan as.
    pub login: String,
    /// The name shown and put on signatures and overrides.
    pub name: String,
    pub roles: Vec<Role>,
    /// The bookable clinician (`clinicians[].id`) this person is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician: Option<String>,
}

impl StaffMember {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn may(&self, p: Permission) -> bool {
        self.roles.iter().any(|r| r.grants(p))
    }

    /// "front desk", "admin, clinician".
    pub fn roles_text(&self) -> String {
        let mut roles = self.roles.clone();
        roles.sort();
        roles.dedup();
        roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")
    }
}

/// Who is acting, as found in the staff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acting {
    /// Listed: their roles apply.
    Staff(StaffMember),
    /// The login is not on the (non-empty) staff list: read-only.
    NotListed(String),
    /// The clinic has no staff list yet (a clinic from before roles): anyone may do
    /// anything.
    NoStaffList(String),
}

impl Acting {
    /// Looks `login` up in `staff`.
    pub fn resolve(staff: &[StaffMember], login: &str) -> Acting {
        if staff.is_empty() {
            return Acting::NoStaffList(login.to_string());
        }
        match staff.iter().find(|s| s.login == login) {
            Some(m) => Acting::Staff(m.clone()),
            None => Acting::NotListed(login.to_string()),
        }
    }

    pub fn login(&self) -> &str {
        match self {
            Acting::Staff(m) => &m.login,
            Acting::NotListed(l) | Acting::NoStaffList(l) => l,
        }
    }

    /// The name put on signatures and overrides: the staff name, else the login.
    pub fn display_name(&self) -> &str {
        match self {
            Acting::Staff(m) => &m.name,
            Acting::NotListed(l) | Acting::NoStaffList(l) => l,
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        match self {
            Acting::Staff(m) => m.may(p),
            Acting::NotListed(_) => false,
            Acting::NoStaffList(_) => true,
        }
    }

    /// Why `p` is refused, or `None` when it is allowed. `staff` is the list, to name the
    /// admins who can add an unlisted login.
    pub fn refusal(&self, p: Permission, staff: &[StaffMember]) -> Option<String> {
        if self.may(p) {
            return None;
        }
        Some(match self {
            Acting::Staff(m) => format!(
                "needs {} to {}: you are {} ({})",
                p.needs().with_article(),
                p.doing(),
                m.name,
                m.roles_text()
            ),
            Acting::NotListed(login) => not_listed_message(login, staff),
            Acting::NoStaffList(_) => unreachable!("no staff list allows everything"),
        })
    }
}

/// "login 'bob' is not on the staff list: read-only; Amara Okafor (admin) can add it in
/// Settings (5)".
pub fn not_listed_message(login: &str, staff: &[StaffMember]) -> String {
    let admins: Vec<String> = staff
        .iter()
        .filter(|s| s.has(Role::Admin))
        .map(|s| format!("{} (admin)", s.name))
        .collect();
    let who = if admins.is_empty() {
        "an admin".to_string()
    } else {
        admins.join(" or ")
    };
    format!("login '{login}' is not on the staff list: read-only; {who} can add it in Settings (5)")
}

/// The first user of a new data dir: admin and clinician, linked to `clinician` if given.
pub fn first_user(login: &str, clinician: Option<&str>) -> StaffMember {
    StaffMember {
        login: login.to_string(),
        name: login.to_string(),
        roles: vec![Role::Admin, Role::Clinician],
        clinician: clinician.map(str::to_string),
    }
}

/// Why a staff list cannot be used: the field (`staff[1].login`) and the message.
pub fn validate(staff: &[StaffMember], clinician_ids: &[&str]) -> Result<(), (String, String)> {
    for (i, s) in staff.iter().enumerate() {
        let login = s.login.trim();
        if login.is_empty() || login != s.login || login.chars().any(char::is_whitespace) {
            return Err((
                format!("staff[{i}].login"),
                "must be an OS login: not empty, no spaces".into(),
            ));
        }
        if staff[..i].iter().any(|o| o.login == s.login) {
            return Err((
                format!("staff[{i}].login"),
                format!("'{}' is listed twice", s.login),
            ));
        }
        if s.name.trim().is_empty() {
            return Err((format!("staff[{i}].name"), "must not be empty".into()));
        }
        if s.roles.is_empty() {
            return Err((format!("staff[{i}].roles"), "at least one role is needed".into()));
        }
        if let Some(c) = &s.clinician
            && !clinician_ids.contains(&c.as_str())
        {
            return Err((
                format!("staff[{i}].clinician"),
                format!("'{c}' is not one of the clinicians"),
            ));
        }
    }
    if !staff.is_empty() && !staff.iter().any(|s| s.has(Role::Admin)) {
        return Err(("staff".into(), "at least one admin is needed".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(login: &str, name: &str, roles: &[Role]) -> StaffMember {
        StaffMember {
            login: login.into(),
            name: name.into(),
            roles: roles.to_vec(),
            clinician: None,
        }
    }

    #[test]
    fn front_desk_may_do_patients_bookings_and_aftercare_only() {
        let fd = member("fred", "Fred Reception", &[Role::FrontDesk]);
        assert!(fd.may(Permission::Patients));
        assert!(fd.may(Permission::Bookings));
        assert!(fd.may(Permission::Aftercare));
        for p in [
            Permission::Screening,
            Permission::SkinProfile,
            Permission::Charts,
            Permission::Signing,
            Permission::ClinicalOverride,
            Permission::Settings,
            Permission::Staff,
        ] {
            assert!(!fd.may(p), "{p:?}");
        }
    }

    #[test]
    fn clinician_and_admin_grants() {
        let c = member("amara", "Amara", &[Role::Clinician]);
        assert!(c.may(Permission::Signing) && c.may(Permission::Bookings));
        assert!(!c.may(Permission::Settings));
        let a = member("root", "Root", &[Role::Admin]);
        assert!(a.may(Permission::Staff) && a.may(Permission::Patients));
        assert!(!a.may(Permission::Screening));
    }

    #[test]
    fn refusal_names_the_role_and_the_person() {
        let staff = vec![
            member("amara", "Amara Okafor", &[Role::Admin, Role::Clinician]),
            member("fred", "Fred Reception", &[Role::FrontDesk]),
        ];
        let fred = Acting::resolve(&staff, "fred");
        assert_eq!(
            fred.refusal(Permission::Signing, &staff).unwrap(),
            "needs a clinician to sign charts: you are Fred Reception (front desk)"
        );
        assert_eq!(fred.refusal(Permission::Bookings, &staff), None);
        let bob = Acting::resolve(&staff, "bob");
        assert_eq!(
            bob.refusal(Permission::Patients, &staff).unwrap(),
            "login 'bob' is not on the staff list: read-only; Amara Okafor (admin) can add it in Settings (5)"
        );
        let anyone = Acting::resolve(&[], "bob");
        assert!(anyone.may(Permission::Staff));
    }

    #[test]
    fn validation() {
        let ok = vec![member("amara", "A", &[Role::Admin])];
        assert!(validate(&ok, &[]).is_ok());
        let twice = vec![ok[0].clone(), ok[0].clone()];
        assert_eq!(validate(&twice, &[]).unwrap_err().0, "staff[1].login");
        let no_name = vec![member("x", " ", &[Role::Admin])];
        assert_eq!(validate(&no_name, &[]).unwrap_err().0, "staff[0].name");
        let mut linked = ok.clone();
        linked[0].clinician = Some("zed".into());
        assert_eq!(validate(&linked, &["amara"]).unwrap_err().0, "staff[0].clinician");
        linked[0].clinician = Some("amara".into());
        assert!(validate(&linked, &["amara"]).is_ok());
        let no_admin = vec![member("f", "F", &[Role::FrontDesk])];
        assert_eq!(validate(&no_admin, &[]).unwrap_err().0, "staff");
    }
}
