//! The wallet profile: one folder on disk (the store) plus one namespace in the OS keychain (the vault).
//!
//! `tessera --home DIR` and the desktop app's `TESSERA_HOME` select the folder; otherwise it is the platform's
//! application-data folder (see [`Profile::open`]; on Linux `$XDG_DATA_HOME/tessera/default` or
//! `~/.local/share/tessera/default`). The keychain namespace is derived
//! from the folder's canonical path, so two profiles never see each other's secrets.
//!
//! On Unix the folder is created with mode 0700, and a folder another local user could change is refused
//! (`profile.unsafe`): one that user owns, one group or others can write, or one inside a folder like that (a
//! root-owned sticky folder such as `/tmp` is fine), or one holding a file another user owns. Such a user could swap
//! the database and have the wallet show a ticket — a patient's name and birth date — at a server of theirs.

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
        #[cfg(unix)]
        safety::check(&canonical, safety::current_user())?;
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

/// Creates the folder when it does not exist yet, private to this user (0700 on Unix); an existing folder is left
/// as it is (and checked).
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| {
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

/// Whether another local user could change a profile folder.
#[cfg(unix)]
mod safety {
    use crate::{Error, ErrorCode, Result};
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    /// The user this process runs as.
    pub fn current_user() -> u32 {
        // SAFETY: geteuid takes nothing, cannot fail and touches no memory of ours.
        unsafe { libc::geteuid() }
    }

    /// `profile.unsafe` naming `what`, when another user could change it.
    fn unsafe_folder(what: &Path, why: &str) -> Error {
        Error::new(ErrorCode::ProfileUnsafe).with_detail(format!("{}: {why}", what.display()))
    }

    /// Refuses `dir` (canonical) when another user owns it or anything in it, or can write it or a folder above it.
    pub fn check(dir: &Path, me: u32) -> Result<()> {
        let meta = std::fs::metadata(dir).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
        if meta.uid() != me {
            return Err(unsafe_folder(dir, "owned by another user"));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(unsafe_folder(dir, "group or others can write it"));
        }
        for ancestor in dir.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(ancestor) else { continue };
            let sticky = meta.mode() & 0o1000 != 0;
            let writable = meta.mode() & 0o022 != 0;
            let owner_ok = meta.uid() == me || meta.uid() == 0;
            if !owner_ok {
                return Err(unsafe_folder(ancestor, "a folder above it is owned by another user"));
            }
            if writable && !(sticky && meta.uid() == 0) {
                return Err(unsafe_folder(ancestor, "others can write a folder above it"));
            }
        }
        let entries = std::fs::read_dir(dir).map_err(|e| unsafe_folder(dir, &e.to_string()))?;
        for entry in entries.flatten() {
            if entry.metadata().is_ok_and(|m| m.uid() != me) {
                return Err(unsafe_folder(&entry.path(), "a file in it is owned by another user"));
            }
        }
        Ok(())
    }
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_profile_folder_another_user_could_change_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let root = std::env::temp_dir().join(format!("tessera-profile-safety-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        // A new folder is made private; opening it again is fine.
        let new = root.join("fresh/profile");
        let profile = Profile::open(Some(&new)).unwrap();
        let mode = std::fs::metadata(profile.dir()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        assert!(Profile::open(Some(&new)).is_ok());
        // A folder others can write (as another user would leave it), or one inside such a folder, is refused.
        let open = root.join("shared");
        std::fs::create_dir_all(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let refused = Profile::open(Some(&open)).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::ProfileUnsafe);
        assert!(refused.detail().unwrap().contains("group or others can write it"), "{refused:?}");
        let inside = Profile::open(Some(&open.join("mine"))).unwrap_err();
        assert_eq!(inside.code(), ErrorCode::ProfileUnsafe);
        assert!(inside.detail().unwrap().contains("above it"), "{inside:?}");
        // Owned by someone else (checked as a user who is not this one).
        let me = safety::current_user();
        let owner = safety::check(&new.canonicalize().unwrap(), me.wrapping_add(1)).unwrap_err();
        assert!(owner.detail().unwrap().contains("owned by another user"), "{owner:?}");
        // /tmp itself (root-owned, sticky, writable by all) is fine above a private folder.
        assert!(new.starts_with(std::env::temp_dir()));
        std::fs::remove_dir_all(&root).unwrap();
    }

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
