//! The IPC contract's own types: the arguments of every command and the small results that exist only for the
//! window. Everything else a command returns is a tessera-core view model. All of them generate TypeScript
//! (`bindings.rs`), so the window and Rust cannot drift apart unseen.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `sign_in`: the trust broker's address.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SignInArgs {
    /// The broker's base URL, as typed or picked.
    pub broker: String,
}

/// `open_record`: whose record, and whether to read it again even when the one in memory is recent.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct OpenRecordArgs {
    /// The person's id (from `people`).
    pub person: String,
    /// Read every hospital again.
    pub refresh: bool,
}

/// `retry_hospital` and `confirm_patient`: one hospital for one person.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct HospitalForPersonArgs {
    /// The person's id.
    pub person: String,
    /// The hospital's FHIR base URL.
    pub hospital: String,
}

/// `confirm_portal_person` and `cancel_portal_sign_in`: the portal sign-in waiting for the person's answer.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct PortalArgs {
    /// Its id (from `sign_in_at_portal`'s `needs_confirmation` answer).
    pub id: String,
}

/// What a portal sign-in did: the sign-in (connected, or waiting for the person to confirm a new person) and, once
/// connected, the record of the person it was filed under, with the hospital read.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PortalResult {
    /// The sign-in, in words (no secret).
    pub sign_in: tessera_core::portal::PortalSignIn,
    /// The record of the person it was filed under, once connected.
    pub record: Option<tessera_core::records::shelf::RecordView>,
}

/// `export_record`: the items shown, to be saved as a FHIR Bundle.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ExportArgs {
    /// The person's id.
    pub person: String,
    /// The ids of the items on screen, in their order.
    pub items: Vec<String>,
}

/// `add_hospital`: its address.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct AddHospitalArgs {
    /// The hospital's FHIR base URL.
    pub address: String,
}

/// `import_brands`: a bundle's web address, or `null` to pick a file.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ImportBrandsArgs {
    /// An https URL of a SMART User-access Brands bundle; `null` opens a file picker.
    pub url: Option<String>,
}

/// `remove_hospital`: which one.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct RemoveHospitalArgs {
    /// The hospital's FHIR base URL.
    pub hospital: String,
}

/// `preview_revocation` and `revoke_grant`: which grant.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct GrantArgs {
    /// The grant's id (from `list_grants`).
    pub id: String,
}

/// What `start_demo_network` started.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DemoNetwork {
    /// The demo trust broker's address, to sign in with.
    pub broker: String,
    /// How many hospitals it runs.
    pub hospitals: u32,
}

/// What `export_record` did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportResult {
    /// Whether a file was written (`false` when the person closed the save dialog).
    pub saved: bool,
    /// The file's name (not its folder).
    pub file_name: Option<String>,
    /// FHIR resources written.
    pub resources: u32,
}

/// `activity` and `export_activity`: which entries.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ActivityArgs {
    /// The filters (all optional).
    pub filter: tessera_core::grants::activity::ActivityFilter,
}

/// The format of an activity export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Comma-separated values, one row per entry.
    Csv,
    /// A JSON document.
    Json,
}

/// `export_activity`: which entries, in which format.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ExportActivityArgs {
    /// The filters (all optional).
    pub filter: tessera_core::grants::activity::ActivityFilter,
    /// CSV or JSON.
    pub format: ExportFormat,
}

/// `save_settings`: the settings to keep.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SettingsArgs {
    /// The new settings.
    pub settings: tessera_core::base::settings::Settings,
}

/// `sign_out`: which broker.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct BrokerArgs {
    /// The broker's address (from `known_brokers`).
    pub broker: String,
}

/// What the About section shows.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AboutView {
    /// Tessera's version.
    pub version: String,
    /// The profile folder (the database and settings live there).
    pub profile_folder: String,
    /// Where the secrets live.
    pub keychain: String,
    /// Tessera's licence and those of the parts it is built from.
    pub licences: Vec<String>,
}

/// `unlock_wallet`: the passphrase as typed (`null` when none is set).
#[derive(Debug, Deserialize, TS)]
pub struct UnlockArgs {
    /// What the person typed; it stays in Rust only as long as the check takes.
    #[ts(type = "string | null")]
    pub passphrase: Option<tessera_core::vault::passphrase::Passphrase>,
}

/// `set_passphrase`: the new passphrase, and the current one when one is set.
#[derive(Debug, Deserialize, TS)]
pub struct SetPassphraseArgs {
    /// The passphrase set now (`null` when none was set yet).
    #[ts(type = "string | null")]
    pub current: Option<tessera_core::vault::passphrase::Passphrase>,
    /// The new passphrase (at least 8 characters).
    #[ts(type = "string")]
    pub new: tessera_core::vault::passphrase::Passphrase,
}

/// `turn_passphrase_off`: the passphrase set now (`null` when none was ever chosen: "not now").
#[derive(Debug, Deserialize, TS)]
pub struct PassphraseOffArgs {
    /// The passphrase set now.
    #[ts(type = "string | null")]
    pub current: Option<tessera_core::vault::passphrase::Passphrase>,
}
