//! The wallet profile: one folder on disk (the store) plus one namespace in the OS keychain (the vault).
//!
//! `tessera --home DIR` and the desktop app's `TESSERA_HOME` select the folder; otherwise it is the platform's
//! application-data folder (see [`Profile::open`]; on Linux `$XDG_DATA_HOME/tessera/default` or
//! `~/.local/share/tessera/default`). The keychain namespace is derived
//! from the folder's canonical path, so two profiles never see each other's secrets.
//!
//! On Unix the folder is created with mode 0700.

use crate::{Error, ErrorCode, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The environment variable that selects the profile folder when no `--home` is given.
pub const HOME_ENV: &str = "TESSERA_HOME";

/// A wallet profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    dir: PathBuf,
    namespace: String,
}

impl Profile {
    /// Resolves the profile folder (explicit, then `TESSERA_HOME`, then the default) and creates it (mode 0700).
    pub fn open(explicit: Option<&Path>) -> Result<Self> {
        let dir = match explicit {
            Some(dir) => dir.to_path_buf(),
            None => match std::env::var_os(HOME_ENV) {
                Some(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => default_dir()?,
            },
        };
        create_private_dir(&dir)?;
        let canonical = dir.canonicalize().map_err(|e| {
            Error::new(ErrorCode::InvalidInput)
                .with_message("Tessera cannot use that profile folder.")
                .with_detail(e.to_string())
        })?;
        let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
        let namespace = format!("tessera:{}", hex(&digest[..8]));
        Ok(Self { dir: canonical, namespace })
    }

    /// The profile folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The profile's short name (the folder's last component), safe to show and log.
    pub fn name(&self) -> String {
        self.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "default".into())
    }

    /// The keychain namespace (the "service" of every keychain item of this profile).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
}

/// The platform's folder for application data, then `default`: `$XDG_DATA_HOME/tessera/default` (or
/// `~/.local/share/tessera/default`) on Linux and the BSDs — where existing profiles already live —,
/// `~/Library/Application Support/org.Tessera.Tessera/default` on macOS, `%APPDATA%\Tessera\Tessera\data\default` on
/// Windows.
fn default_dir() -> Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("org", "Tessera", "Tessera").ok_or_else(|| {
        Error::new(ErrorCode::InvalidInput)
            .with_message("Tessera cannot find a folder for its profile.")
            .with_action("Pass --home DIR or set TESSERA_HOME.")
    })?;
    Ok(dirs.data_dir().join("default"))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::new(ErrorCode::InvalidInput)
            .with_message("Tessera cannot create its profile folder.")
            .with_action("Choose another folder with --home DIR.")
            .with_detail(e.to_string())
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_differ_per_folder_and_are_stable() {
        let base = std::env::temp_dir().join(format!("tessera-profile-test-{}", std::process::id()));
        let a = Profile::open(Some(&base.join("alice"))).unwrap();
        let b = Profile::open(Some(&base.join("bob"))).unwrap();
        let a_again = Profile::open(Some(&base.join("alice"))).unwrap();
        assert_ne!(a.namespace(), b.namespace());
        assert_eq!(a.namespace(), a_again.namespace());
        assert_eq!(a.name(), "alice");
        assert!(a.dir().is_dir());
        std::fs::remove_dir_all(base).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_default_folder_on_linux_is_where_existing_profiles_live() {
        let dir = default_dir().unwrap();
        let base = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".local/share"));
        assert_eq!(dir, base.join("tessera").join("default"));
    }
}
