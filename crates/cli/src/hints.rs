//! The command line's own words for what to do next: the wallet's actions name no front end's controls, so the CLI
//! adds the command that does it, by error code.

use tessera_core::ErrorView;

/// Sign-in comes first: the CLI's way to it.
pub const SIGN_IN_FIRST: &str =
    "Sign in first: `tessera login --broker https://your-broker.example` (or try `tessera demo`).";

/// The next step for `error` at the command line: the wallet's own action, with the command that takes it.
pub fn action(error: &ErrorView) -> String {
    let command = match error.code.as_str() {
        "wallet.empty" => return SIGN_IN_FIRST.to_string(),
        "grant.not_found" => "`tessera grants` lists them.",
        "hospital.not_chosen" => "Here: `tessera connect --person ID --hospital URL`.",
        "portal.still_connected" => "`tessera grants` lists it; `tessera revoke ID` ends it.",
        _ => return error.action.clone(),
    };
    format!("{} {command}", error.action)
}

/// `error` as the command line shows it: the wallet's words with the CLI's next step.
pub fn view(error: &ErrorView) -> ErrorView {
    ErrorView { action: action(error), ..error.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_core::{Error, ErrorCode};

    #[test]
    fn every_next_step_the_wallet_leaves_to_the_front_end_gets_its_command() {
        for code in ErrorCode::ALL {
            let words = action(&Error::new(*code).view());
            let completed = [
                ErrorCode::WalletEmpty,
                ErrorCode::GrantNotFound,
                ErrorCode::HospitalNotChosen,
                ErrorCode::PortalStillConnected,
            ];
            if completed.contains(code) {
                assert!(words.contains("`tessera "), "{code}: {words}");
            } else {
                assert_eq!(words, code.default_action(), "{code}: the wallet's words are kept as they are");
            }
        }
    }
}
