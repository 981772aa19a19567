//! Choosing the data dir: `--data-dir`, then `NEEDLEPLAN_DATA_DIR`, then the platform's
//! data dir (on Linux `$XDG_DATA_HOME/needleplan`).

use std::path::{Path, PathBuf};

pub const ENV_VAR: &str = "NEEDLEPLAN_DATA_DIR";
pub const PATIENTS_DIR: &str = "patients";

/// Why no data dir could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataDirError {
    #[error("--data-dir needs a path")]
    EmptyFlag,
    #[error("cannot find a home directory; pass --data-dir PATH or set {ENV_VAR}")]
    NoHome,
}

pub fn choose_data_dir(flag: Option<PathBuf>, env: Option<String>) -> Result<PathBuf, DataDirError> {
    if let Some(dir) = flag {
        if dir.as_os_str().is_empty() {
            return Err(DataDirError::EmptyFlag);
        }
        return Ok(dir);
    }
    if let Some(dir) = env.filter(|s| !s.trim().is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "needleplan")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or(DataDirError::NoHome)
}

pub fn patients_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(PATIENTS_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_platform() {
        let flag = Some(PathBuf::from("/tmp/a"));
        assert_eq!(
            choose_data_dir(flag, Some("/tmp/b".into())).unwrap(),
            PathBuf::from("/tmp/a")
        );
        assert_eq!(
            choose_data_dir(None, Some("/tmp/b".into())).unwrap(),
            PathBuf::from("/tmp/b")
        );
        let platform = choose_data_dir(None, Some("  ".into())).unwrap();
        assert!(platform.ends_with("needleplan"), "{platform:?}");
        assert_eq!(
            choose_data_dir(Some(PathBuf::new()), None),
            Err(DataDirError::EmptyFlag)
        );
        assert_eq!(DataDirError::EmptyFlag.to_string(), "--data-dir needs a path");
    }
}
