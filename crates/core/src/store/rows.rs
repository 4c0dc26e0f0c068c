//! The rows of the index, one type per table (no secret, no name), and how a database error becomes a coded one.

use crate::ticket::{HolderFacts, OrgIdentifier};
use crate::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a kept connection stands, ticket and portal connections alike (a portal connection is only ever
/// connected, failed, revocation pending or revoked). Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Records were read at the last connect.
    Connected,
    /// The last connect failed; retrying may help.
    Failed,
    /// The hospital takes no permission tickets.
    Unsupported,
    /// The hospital had nothing to share under the permission.
    NoRecords,
    /// The hospital asks the person to confirm who the patient is.
    NeedsConfirmation,
    /// The ticket was not shown there.
    NotShown,
    /// The ticket's own limits leave the hospital out: it was not shown there.
    NotCovered,
    /// Ended here; the hospital has not confirmed the revocation yet (retried).
    RevocationPending,
    /// Ended and revoked at the hospital.
    Revoked,
    /// Its continuation was dropped because the grant behind it ended.
    Closed,
}

impl ConnectionState {
    /// Whether records are still read through it (a failed connection is tried again at the next connect).
    pub fn is_live(self) -> bool {
        matches!(self, ConnectionState::Connected | ConnectionState::Failed)
    }
}

/// Where a hospital in the directory came from. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum HospitalSource {
    /// Named by a trust broker with a ticket.
    Hint,
    /// Imported from a SMART User-access Brands bundle.
    Brands,
    /// Added by the person, by address.
    Manual,
}

/// What an activity entry records. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A sign-in with a trust broker.
    SignIn,
    /// A sign-out from a trust broker.
    SignOut,
    /// A ticket received from a broker.
    TicketReceived,
    /// A ticket presented at a hospital.
    Redemption,
    /// A refresh: tickets re-minted, or a hospital connection continued.
    Refresh,
    /// Records read at a hospital (resource types and counts).
    RecordsRead,
    /// The patient confirmed at a hospital.
    Interaction,
    /// A revocation step.
    Revoke,
    /// A ticket's status checked at its issuer's public status list (in the background).
    StatusCheck,
    /// A ticket shown to a hospital: the patient's name and birth date went with it.
    Disclosure,
    /// A sign-in at a hospital's own patient portal.
    PortalSignIn,
    /// Anything else.
    Other,
}

/// What a keychain item holds. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "snake_case")]
pub enum SecretKind {
    /// A permission ticket.
    Ticket,
    /// A broker's refresh token.
    BrokerRefresh,
    /// A hospital connection's continuation refresh token.
    ConnectionRefresh,
    /// A patient-portal connection's refresh token and whom it is for.
    PortalRefresh,
}

impl SecretKind {
    /// Whether the other side has already rotated a secret of this kind when its new value is written: a refresh
    /// token presented once is spent (the hospital or the broker answered with the next one), so after a crash a
    /// fully written next generation is the only value worth keeping, and recovery rolls it forward.
    pub fn rolls_forward(self) -> bool {
        !matches!(self, SecretKind::Ticket)
    }
}

/// Where a keychain item's write stands in the index. Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "snake_case")]
pub enum ItemState {
    /// Intent recorded; the keychain write may not have happened.
    Pending,
    /// The keychain holds it and the index points at it.
    Committed,
    /// Being removed from the keychain.
    Deleting,
}

/// One secret as the store writes it: its id, what it holds, and the label a person sees in their keychain manager.
#[derive(Debug, Clone, Copy)]
pub struct VaultItem<'a> {
    /// The secret's id (`ticket/…`, `broker/…/refresh`, …).
    pub id: &'a str,
    /// What it holds.
    pub kind: SecretKind,
    /// Its keychain label ("Tessera — …"), which the person sees in their keychain manager.
    pub label: &'a str,
}

/// How something recorded in the activity log went: `Ok`, or the code of its failure. Stored as `ok` or the code.
pub type Outcome = std::result::Result<(), ErrorCode>;

/// An outcome as stored: `ok` or the error code.
pub(crate) fn outcome_text(outcome: &Outcome) -> &'static str {
    match outcome {
        Ok(()) => "ok",
        Err(code) => code.as_str(),
    }
}

/// A stored outcome read back; text that names no code this version knows reads as an internal failure.
pub(crate) fn outcome_of(text: &str) -> Outcome {
    match text {
        "ok" => Ok(()),
        code => Err(ErrorCode::parse(code).unwrap_or(ErrorCode::Internal)),
    }
}

/// A broker the wallet signed in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerRow {
    /// Base URL.
    pub url: String,
    /// Our client id there.
    pub client_id: String,
    /// Token endpoint.
    pub token_endpoint: String,
    /// RFC 7009 endpoint.
    pub revocation_endpoint: Option<String>,
    /// Grant-management endpoint.
    pub management_endpoint: Option<String>,
    /// The name its metadata gave (see [`crate::broker::names`]).
    pub name: Option<String>,
}

/// A hospital in the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HospitalRow {
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Display name.
    pub name: String,
    /// Where it came from.
    pub source: HospitalSource,
    /// What is known of its organisation (for a ticket's hospital limits).
    pub facts: HospitalFacts,
}

impl HospitalRow {
    /// A hospital of which nothing more than its address, name and source is known.
    pub fn new(fhir_base_url: String, name: String, source: HospitalSource) -> Self {
        HospitalRow { fhir_base_url, name, source, facts: HospitalFacts::default() }
    }

    /// What a ticket's `data_holder_filter` is matched against.
    pub fn holder_facts(&self) -> HolderFacts<'_> {
        HolderFacts {
            name: &self.name,
            identifiers: &self.facts.identifiers,
            state: self.facts.state.as_deref(),
            country: self.facts.country.as_deref(),
        }
    }
}

/// What the broker's hints or a Brands bundle say about a hospital's organisation: public directory facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HospitalFacts {
    /// Its identifiers (NPI, TIN, …).
    pub identifiers: Vec<OrgIdentifier>,
    /// Its state or region code.
    pub state: Option<String>,
    /// Its country code.
    pub country: Option<String>,
}

impl HospitalFacts {
    /// The facts of a FHIR Organization (`identifier`, the first `address` with a state or country).
    pub fn of_organization(organization: Option<&serde_json::Value>) -> Self {
        let Some(organization) = organization else { return HospitalFacts::default() };
        let addresses: Vec<&serde_json::Value> = match organization.get("address") {
            Some(serde_json::Value::Array(list)) => list.iter().collect(),
            Some(one @ serde_json::Value::Object(_)) => vec![one],
            _ => vec![],
        };
        let part = |name: &str| {
            addresses.iter().find_map(|a| {
                a.get(name)
                    .and_then(serde_json::Value::as_str)
                    .map(str::trim)
                    .filter(|t| !t.is_empty() && t.len() <= 64)
            })
        };
        HospitalFacts {
            identifiers: OrgIdentifier::all_in(organization.get("identifier")),
            state: part("state").map(String::from),
            country: part("country").map(String::from),
        }
    }

    /// The identifiers as stored: one `system|value` per line.
    pub(crate) fn identifiers_text(&self) -> String {
        let lines: Vec<String> = self
            .identifiers
            .iter()
            .map(|id| format!("{}|{}", id.system.as_deref().unwrap_or(""), id.value).replace('\n', " "))
            .collect();
        lines.join("\n")
    }

    /// The identifiers from their stored text.
    pub(crate) fn identifiers_from(text: &str) -> Vec<OrgIdentifier> {
        text.lines()
            .filter_map(|line| {
                let (system, value) = line.split_once('|')?;
                Some(OrgIdentifier {
                    system: Some(system.to_string()).filter(|s| !s.is_empty()),
                    value: value.to_string(),
                })
            })
            .filter(|id| !id.value.is_empty())
            .collect()
    }
}

/// One hospital connection made with a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRow {
    /// Hospital FHIR base URL.
    pub fhir_base_url: String,
    /// The ticket used.
    pub ticket_id: String,
    /// Where it stands.
    pub status: ConnectionState,
    /// Continuation refresh-token vault item, if any.
    pub refresh_item: Option<String>,
    /// Unix time of last use.
    pub last_used: i64,
}

/// A ticket's row in the index (no secret, no name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    /// Stable id.
    pub id: String,
    /// The issuing broker.
    pub broker_url: String,
    /// The secret's id (`ticket/{id}`).
    pub vault_item: String,
    /// A one-way hash of the issuer and the patient's identifier there.
    pub person_ref: String,
    /// Unix expiry.
    pub expires_at: i64,
    /// Unix time received.
    pub received_at: i64,
}

/// What may be known about a ticket without reading it from the keychain: all public facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFacts {
    /// The ticket's id.
    pub id: String,
    /// Its issuer (`iss`).
    pub issuer: String,
    /// Where its revocation status is published: the status list URL and the ticket's index in it.
    pub status_list: Option<(String, u64)>,
    /// When the grant behind it ends (`None`: until someone ends it).
    pub grant_ends_at: Option<i64>,
    /// When the issuer was first seen listing it as revoked.
    pub revoked_at: Option<i64>,
}

/// A connection made through a hospital's own patient portal (no secret, no name: the refresh token and whom it is
/// for are in its keychain item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalRow {
    /// Its grant id (`p-…`), for `tessera revoke ID`.
    pub id: String,
    /// The hospital's FHIR base URL.
    pub fhir_base_url: String,
    /// A one-way hash of the person's id in Tessera (see `portal::person_ref`).
    pub person_ref: String,
    /// The keychain secret's id.
    pub vault_item: String,
    /// The hospital's authorization server (its SMART configuration's `issuer`).
    pub issuer: String,
    /// Tessera's client id there.
    pub client_id: String,
    /// A public client (a configured client id without a key): no client assertion.
    pub public_client: bool,
    /// Its token endpoint.
    pub token_endpoint: String,
    /// Its RFC 7009 endpoint, if it offers one.
    pub revocation_endpoint: Option<String>,
    /// Its page for people to review the apps they allowed (`management_endpoint`), if it names one.
    pub management_endpoint: Option<String>,
    /// Where it stands: connected, failed, revocation pending or revoked.
    pub status: ConnectionState,
    /// The code of the last failure, if any.
    pub error_code: Option<ErrorCode>,
    /// The scope the hospital last granted (SMART scopes).
    pub granted_scope: Option<String>,
    /// Unix time of the sign-in.
    pub created_at: i64,
    /// Unix time of last use.
    pub last_used: i64,
}

/// One entry of the activity log. Never record contents, tokens or names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    /// Unix time.
    pub at: i64,
    /// What happened.
    pub kind: ActivityKind,
    /// Hospital FHIR base URL, if any.
    pub hospital: Option<String>,
    /// Grant (ticket id), if any.
    pub grant: Option<String>,
    /// How it went.
    pub outcome: Outcome,
    /// Resource types and counts, or other non-identifying detail.
    pub detail: Option<String>,
}

/// Column `name` of `row`; a value this version cannot read (a state it does not know) is `store.corrupt`, never a
/// panic.
pub(crate) fn column<'r, T>(row: &'r sqlx::sqlite::SqliteRow, name: &str) -> crate::Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    use sqlx::Row;
    row.try_get(name).map_err(|e| Error::new(ErrorCode::StoreCorrupt).with_detail(format!("{name}: {e}")))
}

/// A database error as a coded one: a damaged file, a full disk, or an internal failure.
pub(crate) fn db_error(error: sqlx::Error) -> Error {
    let text = error.to_string();
    let code = if text.contains("not a database") || text.contains("malformed") {
        ErrorCode::StoreCorrupt
    } else if text.contains("full") {
        ErrorCode::DiskFull
    } else {
        ErrorCode::Internal
    };
    Error::new(code).with_detail(text)
}
