//! Errors people can act on.
//!
//! Every failure a user can meet is an [`Error`]: a stable dotted [`ErrorCode`] (scripts and the UI match on it),
//! a plain-language message, and a suggested next step. Errors cross to the UI and to `--json` output as
//! [`ErrorView`] — `{code, message, action}` — and never as a bare string. Messages never contain secrets or
//! record contents: build them from codes, hospital names and counts only.

use serde::Serialize;
use std::fmt;
use ts_rs::TS;

macro_rules! error_codes {
    ($( $variant:ident => $code:literal, $message:literal, $action:literal; )*) => {
        /// A stable error code. The string form (e.g. `hospital.unreachable`) never changes once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(
                #[doc = $message]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code, for documentation and exhaustive tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The stable dotted form, e.g. `ticket.expired`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The code whose dotted form is `code`, if there is one.
            pub fn parse(code: &str) -> Option<ErrorCode> {
                match code { $($code => Some(ErrorCode::$variant),)* _ => None }
            }

            /// The default message for people.
            pub fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $message,)* }
            }

            /// The default suggested next step.
            pub fn default_action(self) -> &'static str {
                match self { $(ErrorCode::$variant => $action,)* }
            }
        }
    };
}

error_codes! {
    Internal => "internal", "Something went wrong inside Tessera.", "Try again; if it keeps happening, report it with the activity log.";
    InvalidInput => "input.invalid", "That input is not valid.", "Check what you typed and try again.";
    DisplayMissing => "app.no_display", "No graphical display is available.", "Run the headless demo with `tessera demo`, or start Tessera from a desktop session.";
    VaultUnavailable => "vault.unavailable", "The system keychain (Secret Service) is not running.", "Start your desktop's keyring (e.g. gnome-keyring) and try again; nothing was lost.";
    VaultLocked => "vault.locked", "The system keychain is locked.", "Unlock your keychain and try again; nothing was lost.";
    WalletLocked => "wallet.locked", "Tessera is locked.", "Unlock Tessera to continue.";
    PassphraseWrong => "wallet.passphrase_wrong", "That is not Tessera's passphrase.", "Type it again, checking Caps Lock; wrong tries make the next one wait.";
    UnlockWait => "wallet.unlock_wait", "Too many wrong passphrases in a row.", "Wait a little, then type the passphrase again.";
    PassphraseTooShort => "passphrase.too_short", "A passphrase needs at least 8 characters.", "Choose a longer one: a few words you will remember work well.";
    WalletEmpty => "wallet.empty", "Tessera holds no permissions yet.", "Sign in with your trust broker first, or try the demo network.";
    VaultItemMissing => "vault.item_missing", "A secret Tessera stored in the keychain is gone.", "Sign in with your trust broker again to re-issue it.";
    StoreCorrupt => "store.corrupt", "Tessera's database file is damaged.", "Restore the profile folder from a backup or move it aside; Tessera did not overwrite it.";
    StoreTooNew => "store.too_new", "Tessera's database was written by a newer version of Tessera.", "Update Tessera; your data was left untouched.";
    ProfileUnsafe => "profile.unsafe", "Another user on this computer could change this profile folder, so Tessera will not use it.", "Use a folder only you can write (the default one is), or make this one yours alone: chmod 700 on it and on the folders above it that others can write.";
    DiskFull => "store.disk_full", "The disk is full.", "Free some disk space and try again; nothing was lost.";
    BrowserUnavailable => "browser.unavailable", "Tessera could not open a web browser.", "Set a default web browser, or pass --browser CMD on the command line (login, connect and records take it), then try again.";
    BrokerUnreachable => "broker.unreachable", "The trust broker is not answering.", "Check your connection and try again.";
    BrokerInvalid => "broker.invalid", "The trust broker answered in a way Tessera cannot trust.", "Check the broker address; if it is right, contact the broker.";
    BrokerDenied => "broker.denied", "The trust broker did not approve the request.", "Sign in again and approve the access you need.";
    SigninStateMismatch => "signin.state_mismatch", "The sign-in answer did not match the request Tessera sent.", "Start the sign-in again from Tessera.";
    SigninIssuerMismatch => "signin.issuer_mismatch", "The sign-in answer came from a different server than the one you chose.", "Start the sign-in again; if it repeats, do not continue.";
    SigninTimeout => "signin.timeout", "The sign-in was not finished in time.", "Start the sign-in again.";
    SigninCancelled => "signin.cancelled", "The sign-in was cancelled.", "Start it again whenever you are ready; nothing was kept.";
    TicketMalformed => "ticket.malformed", "A permission ticket could not be read.", "Ask your trust broker to re-issue it.";
    TicketSignatureInvalid => "ticket.signature_invalid", "A permission ticket's signature is not valid.", "Do not use it; sign in with your trust broker again.";
    TicketUnknownKey => "ticket.unknown_key", "A permission ticket was signed with a key its issuer does not publish.", "Sign in with your trust broker again to re-issue it.";
    TicketExpired => "ticket.expired", "The permission ticket has expired.", "Renew it by signing in with your trust broker.";
    TicketNotYetValid => "ticket.not_yet_valid", "The permission ticket is not valid yet.", "Check your computer's clock.";
    TicketRevoked => "ticket.revoked", "The permission ticket has been revoked.", "Ask the person who granted access to grant it again.";
    TicketUnsupported => "ticket.unsupported", "This kind of permission ticket is not supported here.", "Use a ticket of another kind, or ask the hospital.";
    HospitalUnreachable => "hospital.unreachable", "The hospital is not answering.", "Tessera will retry; nothing is lost. You can also retry now.";
    HospitalTimeout => "hospital.timeout", "The hospital took too long to answer.", "Tessera will retry; nothing is lost. You can also retry now.";
    HospitalBusy => "hospital.busy", "The hospital asked Tessera to slow down.", "Tessera will retry later; nothing is lost.";
    HospitalError => "hospital.server_error", "The hospital had an internal problem.", "Tessera will retry; nothing is lost. You can also retry now.";
    HospitalInvalidResponse => "hospital.invalid_response", "The hospital sent an answer Tessera cannot read.", "Retry later; if it repeats, contact the hospital.";
    HospitalUnsupported => "hospital.unsupported", "This hospital does not accept permission tickets.", "Use the hospital's own patient portal.";
    HospitalRejected => "hospital.rejected", "The hospital did not accept the permission ticket.", "Check the grant's details; you may need a new ticket from your trust broker.";
    HospitalNotChosen => "hospital.not_chosen", "Tessera has not shown the permission here: this hospital is not one your trust broker named, and it does not say it belongs to the permission's network.", "Showing it tells the hospital the patient's name and birth date. If you know and trust this hospital, choose to show the permission there for that person.";
    HospitalNotCovered => "hospital.not_covered", "This permission does not cover this hospital: its own limits name other hospitals or places, so Tessera did not show it here.", "Nothing to do: the hospital was not contacted. If you expected it to be covered, ask the person who granted access.";
    HospitalNothingShared => "hospital.nothing_shared", "This hospital shared nothing under this permission.", "It may hold no records for this person, or not take this permission here. Nothing to do unless you expected records; the hospital's own reason is in Activity.";
    HospitalInteractionRequired => "hospital.interaction_required", "This hospital needs you to confirm who the patient is, once.", "Open the hospital's page and confirm the patient.";
    HospitalClientRejected => "hospital.client_rejected", "The hospital did not recognise this app.", "Reconnect to register Tessera with the hospital again.";
    HospitalScopeDenied => "hospital.scope_denied", "The hospital allows none of the record types this grant covers.", "Nothing to read here under this grant.";
    RecordsInvalid => "records.invalid", "Some records from the hospital could not be read.", "Retry later; if it repeats, contact the hospital.";
    RecordsTooLarge => "records.too_large", "The hospital sent more data than Tessera accepts at once.", "Retry later; if it repeats, contact the hospital.";
    RecordsWrongPatient => "records.wrong_patient", "The hospital sent records about a different person; Tessera discarded them.", "Contact the hospital; do not rely on its records for now.";
    GrantNotFound => "grant.not_found", "There is no grant with that id.", "Choose one of the grants Tessera lists.";
    ExportFailed => "export.failed", "The record could not be saved there.", "Choose another place to save it; nothing was lost.";
    RevocationPending => "grant.revocation_pending", "The grant is revoked here, but some places have not confirmed yet.", "Tessera will retry automatically; you can also retry now.";
    PortalUnavailable => "portal.unavailable", "This hospital offers no patient portal sign-in that Tessera can use.", "Use the hospital's own patient portal website or app to see the records kept there.";
    PortalNoClient => "portal.no_client", "Tessera is not registered with this hospital's patient portal.", "Ask the hospital (or its EHR vendor) for a client id for Tessera, add it to portal-clients.json in your profile folder (see the README), then sign in again.";
    PortalConfigInvalid => "portal.config_invalid", "Tessera cannot read portal-clients.json in your profile folder.", "Fix the file (its format is in the README) or move it aside, then try again; nothing was lost.";
    PortalDenied => "portal.denied", "The patient portal sign-in was not approved.", "Sign in at the hospital's patient portal again and allow Tessera to read the records.";
    PortalOfflineRefused => "portal.offline_refused", "The hospital's portal did not let Tessera keep reading (no refresh token); nothing was kept.", "Sign in again and allow Tessera to keep access, or read the records at the portal itself.";
    PortalOtherPatient => "portal.other_patient", "The patient chosen at the portal is not the person you started from; nothing was kept.", "Sign in again and choose that person in the portal's list of patients.";
    PortalNewPerson => "portal.new_person", "The portal's patient is not someone Tessera knows yet.", "Confirm to add them as a new person (the window asks; on the command line add --add-person).";
    PortalExpired => "portal.expired", "That portal sign-in is no longer waiting (Tessera was locked or closed meanwhile); nothing was kept.", "Sign in at the hospital's patient portal again.";
    PortalAmbiguousPerson => "portal.ambiguous_person", "Two people Tessera knows have the portal patient's name and birth date; nothing was kept.", "Start the sign-in from that person's page (on the command line add --person ID), then sign in again.";
    PortalStillConnected => "portal.still_connected", "Tessera still reads this hospital through its patient portal.", "End the portal connection first (in Grants), then remove the hospital.";
    PortalPatientNotShared => "portal.patient_not_shared", "The portal did not share who the patient is, so Tessera cannot tell whose records these are.", "Sign in again and allow Tessera to see the patient's name and birth date.";
    PortalEnded => "portal.ended", "The hospital ended Tessera's access through its patient portal.", "Sign in at the hospital's patient portal again to keep reading records there.";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure with a code, a message for people and a suggested next step.
///
/// Build one with [`Error::new`] (defaults from the code) and refine it with [`Error::with_message`] and
/// [`Error::with_action`]. Technical detail for developers goes in [`Error::with_detail`]; it is logged and
/// never shown as a fact about the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    action: String,
    detail: Option<String>,
}

/// The shape every error takes in IPC payloads and `--json` output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ErrorView {
    /// Stable dotted code, e.g. `hospital.unreachable` (in TypeScript, the union of every code in the table).
    #[ts(type = "ErrorCode")]
    pub code: String,
    /// What happened, in plain words.
    pub message: String,
    /// What the person can do next.
    pub action: String,
}

/// Result with Tessera's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with the code's default message and action.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_string(),
            action: code.default_action().to_string(),
            detail: None,
        }
    }

    /// Replaces the message for people.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Replaces the suggested next step.
    pub fn with_action(mut self, action: impl Into<String>) -> Self {
        self.action = action.into();
        self
    }

    /// Attaches technical detail for logs (never secrets, never record contents).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The message for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The suggested next step.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// Technical detail, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The `{code, message, action}` view sent to the UI and printed by `--json`.
    pub fn view(&self) -> ErrorView {
        ErrorView { code: self.code.as_str().to_string(), message: self.message.clone(), action: self.action.clone() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}", self.message, self.code, self.action)
    }
}

impl std::error::Error for Error {}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Error::new(code)
    }
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.view().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_dotted_and_documented() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(text == "internal" || text.contains('.'), "{text} is not dotted");
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'), "{text}");
            assert!(!code.default_message().is_empty() && !code.default_action().is_empty());
        }
    }

    #[test]
    fn serializes_as_code_message_action() {
        let error = Error::new(ErrorCode::HospitalUnreachable)
            .with_message("Emory Decatur ED isn't answering.")
            .with_detail("connect refused 127.0.0.9:443");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "hospital.unreachable",
                "message": "Emory Decatur ED isn't answering.",
                "action": "Tessera will retry; nothing is lost. You can also retry now."
            })
        );
        assert_eq!(error.detail(), Some("connect refused 127.0.0.9:443"));
    }
}
