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
use tessera_core::wallet::Wallet;
use tessera_core::ErrorView;

/// The event that carries each hospital's progress while a record is read.
pub const CONNECT_PROGRESS: &str = "connect-progress";
/// The event that says the wallet locked itself (idle): the window shows the lock screen.
pub const WALLET_LOCKED: &str = "wallet-locked";
/// The event that carries each step of `revoke_grant` as it completes.
pub const REVOCATION_PROGRESS: &str = "revocation-progress";

/// Declares every command once: the function, the type of its `args` (`()`: it takes none) and of its answer. From
/// this one list come the invoke handler and the IPC contract that `bindings.ts` is generated from.
macro_rules! commands {
    ($($module:ident::$name:ident($args:ty) -> $result:ty;)*) => {
        /// Every command, for the app's invoke handler (and the mock runtime in tests).
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($module::$name),*]
        }

        /// Every command's contract: its name, its argument object and its result.
        pub fn contract() -> Vec<crate::contract::CommandSpec> {
            vec![$(crate::contract::CommandSpec::of::<$args, $result>(stringify!($name))),*]
        }
    };
}

commands! {
    signin::wallet_status(()) -> WalletStatus;
    signin::first_screen(()) -> ();
    signin::known_brokers(()) -> Vec<String>;
    signin::sign_in(SignInArgs) -> LoginSummary;
    signin::cancel_sign_in(()) -> ();
    signin::start_demo_network(()) -> DemoNetwork;
    people::people(()) -> Vec<PersonView>;
    people::tickets(()) -> Vec<TicketView>;
    record::open_record(OpenRecordArgs) -> RecordView;
    record::retry_hospital(HospitalForPersonArgs) -> RecordView;
    record::confirm_patient(HospitalForPersonArgs) -> RecordView;
    record::export_record(ExportArgs) -> ExportResult;
    portal::sign_in_at_portal(HospitalForPersonArgs) -> PortalResult;
    portal::confirm_portal_person(PortalArgs) -> PortalResult;
    portal::cancel_portal_sign_in(PortalArgs) -> ();
    hospitals::hospitals(()) -> Vec<HospitalView>;
    hospitals::add_hospital(AddHospitalArgs) -> HospitalView;
    hospitals::import_brands(ImportBrandsArgs) -> Vec<HospitalView>;
    hospitals::remove_hospital(RemoveHospitalArgs) -> ();
    grants::list_grants(()) -> Vec<GrantView>;
    grants::grant_detail(GrantArgs) -> GrantDetail;
    grants::preview_revocation(GrantArgs) -> Vec<RevocationStep>;
    grants::revoke_grant(GrantArgs) -> Vec<RevocationStep>;
    grants::retry_revocations(()) -> u32;
    activity::activity(ActivityArgs) -> Vec<ActivityView>;
    activity::export_activity(ExportActivityArgs) -> ExportResult;
    lock::lock(()) -> ();
    lock::unlock(()) -> ();
    settings::settings(()) -> Settings;
    settings::save_settings(SettingsArgs) -> Settings;
    settings::sign_out(BrokerArgs) -> ();
    settings::about(()) -> AboutView;
}

/// The opened wallet, or the coded reason it could not be opened.
pub(crate) async fn wallet(state: &AppState) -> Result<&Wallet, ErrorView> {
    state.wallet().await.map_err(|e| e.view())
}

#[cfg(test)]
mod tests;
