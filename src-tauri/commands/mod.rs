//! IPC commands, one module per capability. Each command is a thin adapter over tessera-core and returns a view
//! model or an [`ErrorView`](tessera_core::ErrorView); none of them returns a secret, and records cross only as the
//! normalised items a screen draws. Every command is declared once, in the `commands!` list below, from which the
//! invoke handler and the UI's TypeScript types are generated.

pub mod activity;
pub mod grants;
pub mod hospitals;
pub mod lock;
pub mod people;
pub mod portal;
pub mod record;
pub mod settings;
pub mod signin;

use crate::ipc::*;
use crate::AppState;
use tessera_core::base::settings::Settings;
use tessera_core::grants::activity::ActivityView;
use tessera_core::grants::{GrantDetail, GrantView, RevocationStep};
use tessera_core::records::shelf::RecordView;
use tessera_core::status::WalletStatus;
use tessera_core::view::{HospitalView, LoginSummary, PersonView, TicketView};
use tessera_core::wallet::{Unlocked, Wallet};
use tessera_core::ErrorView;

/// The event that carries each hospital's progress while a record is read.
pub const CONNECT_PROGRESS: &str = "connect-progress";
/// The event that says the wallet locked itself (idle): the window shows the lock screen.
pub const WALLET_LOCKED: &str = "wallet-locked";
/// The event that carries each step of `revoke_grant` as it completes.
pub const REVOCATION_PROGRESS: &str = "revocation-progress";

/// Declares every command once: its doc comment, the function, the type of its `args` (`()`: it takes none) and of
/// its answer, and `answers_while_locked` for the few that do (status, unlocking, reading settings, and those that
/// touch no one's data); every other command takes the wallet through [`unlocked`]. From this one list come the invoke handler, the IPC contract that `bindings.ts` is generated from and
/// the typed functions of `commands.ts` that the window calls.
macro_rules! commands {
    ($($(#[doc = $doc:literal])+ $module:ident::$name:ident($args:ty) -> $result:ty $(, $open:ident)?;)*) => {
        /// Every command, for the app's invoke handler (and the mock runtime in tests).
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name),*]
        }

        /// Every command's contract: its name, what it does, its argument object and its result.
        pub fn contract() -> Vec<crate::contract::CommandSpec> {
            vec![$(crate::contract::CommandSpec::of::<$args, $result>(
                stringify!($name),
                concat!($($doc, "\n"),+),
                [$(stringify!($open)),*].contains(&"answers_while_locked"),
            )),*]
        }
    };
}

commands! {
    /// The wallet's status for the first screen.
    signin::wallet_status(()) -> WalletStatus, answers_while_locked;
    /// Tells Rust the first screen is drawn (only the startup benchmark listens).
    signin::first_screen(()) -> (), answers_while_locked;
    /// The addresses of the trust brokers signed in with before.
    signin::known_brokers(()) -> Vec<String>;
    /// Signs in with a trust broker through the browser; rejects with `signin.cancelled` after `cancelSignIn`.
    signin::sign_in(SignInArgs) -> LoginSummary;
    /// Cancels the sign-in under way (its pending `signIn` then rejects with `signin.cancelled`).
    signin::cancel_sign_in(()) -> (), answers_while_locked;
    /// Starts the demo network inside the app (once) and gives its broker's address.
    signin::start_demo_network(()) -> DemoNetwork, answers_while_locked;
    /// Every person whose records the tickets open.
    people::list_people(()) -> Vec<PersonView>;
    /// Every ticket, described in plain words.
    people::list_tickets(()) -> Vec<TicketView>;
    /// A person's merged record; progress arrives through `onEvent("connect-progress", …)`.
    record::open_record(OpenRecordArgs) -> RecordView;
    /// Tries one hospital again for a person; resolves to the whole record.
    record::retry_hospital(HospitalForPersonArgs) -> RecordView;
    /// Opens the hospital's page in the browser to confirm who the patient is, then reads it.
    record::confirm_patient(HospitalForPersonArgs) -> RecordView;
    /// Saves the shown items (ids, in order) through a save dialog.
    record::export_record(ExportArgs) -> ExportResult;
    /// Signs in at the hospital's own patient portal for the person, in the browser (cancel with `cancelSignIn`);
    /// resolves to the sign-in and, once connected, the record with that hospital read.
    portal::sign_in_at_portal(HospitalForPersonArgs) -> PortalResult;
    /// Adds the portal's patient of a sign-in waiting for an answer as a new person, and reads them.
    portal::confirm_portal_person(PortalArgs) -> PortalResult;
    /// Gives up a portal sign-in waiting for an answer: nothing is kept.
    portal::cancel_portal_sign_in(PortalArgs) -> ();
    /// The hospital directory.
    hospitals::list_hospitals(()) -> Vec<HospitalView>;
    /// Adds a hospital by its FHIR address.
    hospitals::add_hospital(AddHospitalArgs) -> HospitalView;
    /// Imports a hospital list from a web address, or from a file picked in a dialog when `url` is null.
    hospitals::import_brands(ImportBrandsArgs) -> Vec<HospitalView>;
    /// Removes a hospital from the directory.
    hospitals::remove_hospital(RemoveHospitalArgs) -> ();
    /// Every grant: tickets held, connections made with them, and grants about the signed-in person.
    grants::list_grants(()) -> Vec<GrantView>;
    /// One grant in full, for its detail page.
    grants::grant_detail(GrantArgs) -> GrantDetail;
    /// The steps revoking a grant would take, without doing anything.
    grants::preview_revocation(GrantArgs) -> Vec<RevocationStep>;
    /// Revokes a grant everywhere (or what is left of it); steps arrive through `onEvent("revocation-progress", …)`.
    grants::revoke_grant(GrantArgs) -> Vec<RevocationStep>;
    /// Tries every hospital revocation still pending again; resolves to how many are still pending.
    grants::retry_revocations(()) -> u32;
    /// The activity log, newest first, filtered.
    activity::list_activity(ActivityArgs) -> Vec<ActivityView>;
    /// Saves the filtered activity log as CSV or JSON through a save dialog.
    activity::export_activity(ExportActivityArgs) -> ExportResult;
    /// Locks the wallet now: secrets and records leave memory.
    lock::lock_wallet(()) -> (), answers_while_locked;
    /// Unlocks the wallet with the passphrase when one is set (`wallet.passphrase_wrong`, `wallet.unlock_wait`), then
    /// reads the keychain again (a locked keychain is `vault.locked`).
    lock::unlock_wallet(UnlockArgs) -> (), answers_while_locked;
    /// Sets or changes the passphrase that unlocking needs (`passphrase.too_short`; changing needs the current one).
    lock::set_passphrase(SetPassphraseArgs) -> ();
    /// Turns the passphrase off (needs the current one), or chooses none at first run: the lock is a privacy screen.
    lock::turn_passphrase_off(PassphraseOffArgs) -> ();
    /// The settings of this profile.
    settings::load_settings(()) -> Settings, answers_while_locked;
    /// Keeps new settings; resolves to them as kept.
    settings::save_settings(SettingsArgs) -> Settings;
    /// Signs out of a trust broker (its refresh token is revoked there).
    settings::sign_out(BrokerArgs) -> ();
    /// Version, where data lives, licences.
    settings::about_tessera(()) -> AboutView, answers_while_locked;
}

/// The opened wallet, unlocked: what every command reading or changing anyone's data takes (`wallet.locked`
/// while locked, or the coded reason it could not be opened).
pub(crate) async fn unlocked(state: &AppState) -> Result<Unlocked<'_>, ErrorView> {
    let wallet = state.wallet().await.map_err(|e| e.view())?;
    wallet.unlocked().await.map_err(|e| e.view())
}

/// The opened wallet, locked or not: only for the commands marked `answers_while_locked` in the list (a test calls
/// every command while locked and holds each to its mark).
pub(crate) async fn opened(state: &AppState) -> Result<&Wallet, ErrorView> {
    state.wallet().await.map_err(|e| e.view())
}

#[cfg(test)]
mod tests;
