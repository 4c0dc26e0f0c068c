//! The passphrase on the command line: from `TESSERA_PASSPHRASE` when set (for scripts; like any variable it is
//! visible to your own user's processes), else typed on the terminal without echo. Every command but `status` and
//! `demo` unlocks with it when a passphrase is set.

use tessera_core::vault::passphrase::{Passphrase, Protection};
use tessera_core::{Error, ErrorCode};

/// The variable holding the passphrase set now.
pub const CURRENT: &str = "TESSERA_PASSPHRASE";
/// The variable holding a new passphrase for `passphrase set`.
pub const NEW: &str = "TESSERA_NEW_PASSPHRASE";

/// The passphrase set now, when `protection` says there is one: from [`CURRENT`], else asked on the terminal (none
/// when there is no terminal; unlocking then answers that it needs one).
pub fn current(protection: Protection) -> Option<Passphrase> {
    if protection != Protection::Passphrase {
        return None;
    }
    if let Ok(text) = std::env::var(CURRENT) {
        return Some(Passphrase::new(text));
    }
    rpassword::prompt_password("Tessera's passphrase: ").ok().map(Passphrase::new)
}

/// A new passphrase: from [`NEW`], else typed twice on the terminal (`input.invalid` when the two differ).
pub fn new_one() -> Result<Passphrase, Error> {
    if let Ok(text) = std::env::var(NEW) {
        return Ok(Passphrase::new(text));
    }
    let no_terminal = |e: std::io::Error| {
        Error::new(ErrorCode::InvalidInput)
            .with_message("Tessera could not ask for the new passphrase: there is no terminal.")
            .with_action(format!("Run it in a terminal, or set {NEW}."))
            .with_detail(e.to_string())
    };
    let first =
        Passphrase::new(rpassword::prompt_password("New passphrase (at least 8 characters): ").map_err(no_terminal)?);
    let again = Passphrase::new(rpassword::prompt_password("The same again: ").map_err(no_terminal)?);
    if !first.same_as(&again) {
        return Err(Error::new(ErrorCode::InvalidInput)
            .with_message("The two passphrases are not the same; nothing was changed.")
            .with_action("Run it again and type the same passphrase twice."));
    }
    Ok(first)
}
