//! Who may read the data dir. Patient files are health records: only their user, or a
//! staff group set up on purpose, may read them. Two layouts are right:
//!
//! - private: data dir and `patients/` `0700`, files `0600`;
//! - shared by a staff group: data dir and `patients/` `2770` (setgid, so new files get
//!   the dir's group), files `0660`, all in the dir's group.
//!
//! [`check`] names everything else, one warning per finding, naming files by their
//! path in the data dir (ids, never patient names). The app calls [`startup_warning`].

use std::path::Path;

use super::paths::PATIENTS_DIR;

/// The store's lock file: it holds no data, so others reading it is harmless.
const LOCK_FILE: &str = ".needleplan.lock";

/// Whether `dir` is set up for a staff group: setgid with full group access.
pub fn is_group_shared(dir: &Path) -> bool {
    mode_of(dir).is_some_and(|m| m & 0o2000 != 0 && m & 0o070 == 0o070)
}

/// The mode a new file in `dir` gets: `0660` in a group-shared dir, else `0600`.
pub fn file_mode_for(dir: &Path) -> u32 {
    if is_group_shared(dir) { 0o660 } else { 0o600 }
}

/// The mode a new dir in `dir` gets: `2770` in a group-shared dir, else `0700`.
pub fn dir_mode_for(dir: &Path) -> u32 {
    if is_group_shared(dir) { 0o2770 } else { 0o700 }
}

/// One line for the status line at start when anything is wrong, else `None`.
pub fn startup_warning(data_dir: &Path) -> Option<String> {
    let warnings = check(data_dir);
    let first = warnings.first()?;
    Some(match warnings.len() {
        1 => format!("{first}; `needleplan doctor` checks everything"),
        n => format!("{n} permission warnings, first: {first}; `needleplan doctor` lists them"),
    })
}

/// Every permission problem of the data dir, its `patients/` folder and their files.
/// A data dir that does not exist has none.
#[cfg(unix)]
pub fn check(data_dir: &Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;

    let mut warnings = Vec::new();
    let Ok(meta) = std::fs::metadata(data_dir) else {
        return warnings;
    };
    let shared = is_group_shared(data_dir);
    let group = meta.gid();
    check_dir(
        &data_dir.display().to_string(),
        data_dir,
        meta.mode(),
        &mut warnings,
    );

    let patients = data_dir.join(PATIENTS_DIR);
    let mut files = top_level_files(data_dir);
    if let Ok(pmeta) = std::fs::metadata(&patients) {
        let label = format!("{PATIENTS_DIR}/");
        let pmode = pmeta.mode();
        let before = warnings.len();
        check_dir(&label, &patients, pmode, &mut warnings);
        if shared && !is_group_shared(&patients) && warnings.len() == before {
            warnings.push(format!(
                "{label} has mode {} but the data dir is shared by a group: other staff cannot use it (chmod 2770 {})",
                octal(pmode),
                patients.display()
            ));
        }
        if shared && pmeta.gid() != group {
            warnings.push(format!(
                "{label} belongs to group {}, not the data dir's group {} (chgrp {} {})",
                group_name(pmeta.gid()),
                group_name(group),
                group_name(group),
                patients.display()
            ));
        }
        let mut names: Vec<String> = std::fs::read_dir(&patients)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{PATIENTS_DIR}/{n}")));
    }

    // The lock file holds no data, but in a shared dir every staff member must be able
    // to open it, or their saves cannot take the lock.
    if shared
        && let Ok(m) = std::fs::metadata(data_dir.join(LOCK_FILE))
        && m.mode() & 0o060 != 0o060
    {
        warnings.push(format!(
            "{LOCK_FILE} has mode {}: other staff in the group cannot take the lock to save (chmod 660 {})",
            octal(m.mode()),
            data_dir.join(LOCK_FILE).display()
        ));
    }

    for rel in files {
        let Ok(m) = std::fs::symlink_metadata(data_dir.join(&rel)) else {
            continue;
        };
        if !m.is_file() {
            continue;
        }
        let mode = m.mode();
        let expected = octal(file_mode(shared));
        if mode & 0o006 != 0 {
            let what = if mode & 0o002 != 0 {
                "read and change"
            } else {
                "read"
            };
            warnings.push(format!(
                "other users can {what} {rel} (mode {}; expected {expected}): chmod {} {}",
                octal(mode),
                &expected[1..],
                data_dir.join(&rel).display()
            ));
        } else if shared {
            if mode & 0o060 != 0o060 {
                warnings.push(format!(
                    "{rel} has mode {}: other staff in the group cannot read or save it (chmod 660 {})",
                    octal(mode),
                    data_dir.join(&rel).display()
                ));
            }
            if m.gid() != group {
                warnings.push(format!(
                    "{rel} belongs to group {}, not the data dir's group {} (chgrp {} {})",
                    group_name(m.gid()),
                    group_name(group),
                    group_name(group),
                    data_dir.join(&rel).display()
                ));
            }
        } else if mode & 0o070 != 0 {
            warnings.push(format!(
                "group {} can access {rel} (mode {}) although the data dir is private: chmod 600 {}",
                group_name(m.gid()),
                octal(mode),
                data_dir.join(&rel).display()
            ));
        }
    }
    warnings
}

#[cfg(not(unix))]
pub fn check(_data_dir: &Path) -> Vec<String> {
    Vec::new()
}

/// At most one warning about one dir's own mode.
#[cfg(unix)]
fn check_dir(label: &str, path: &Path, mode: u32, warnings: &mut Vec<String>) {
    let group = mode & 0o070;
    let setgid = mode & 0o2000 != 0;
    let fix = if group == 0o070 { "2770" } else { "700" };
    if mode & 0o007 != 0 {
        warnings.push(format!(
            "other users can open {label} and read patient files (mode {}; expected 0700, or 2770 for a staff group): chmod {fix} {}",
            octal(mode),
            path.display()
        ));
    } else if group == 0o070 && !setgid {
        warnings.push(format!(
            "{label} is group-writable (mode {}) without setgid, so new files may get another group: chmod 2770 {}",
            octal(mode),
            path.display()
        ));
    } else if group != 0 && group != 0o070 {
        warnings.push(format!(
            "{label} gives its group partial access (mode {}): use 0700 for one user or 2770 for a staff group (chmod 700 {})",
            octal(mode),
            path.display()
        ));
    }
}

#[cfg(unix)]
fn file_mode(shared: bool) -> u32 {
    if shared { 0o660 } else { 0o600 }
}

/// The regular files directly in the data dir that hold data (everything but the lock).
#[cfg(unix)]
fn top_level_files(data_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != LOCK_FILE)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[cfg(unix)]
fn group_name(gid: u32) -> String {
    use nix::unistd::{Gid, Group};
    match Group::from_gid(Gid::from_raw(gid)) {
        Ok(Some(g)) => g.name,
        _ => gid.to_string(),
    }
}

/// `0o2770` as `2770`, `0o600` as `0600`.
fn octal(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.mode())
}

#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_print_as_chmod_takes_them() {
        assert_eq!(octal(0o40700), "0700");
        assert_eq!(octal(0o2770), "2770");
        assert_eq!(octal(0o100644), "0644");
    }
}
