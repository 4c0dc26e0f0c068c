//! The rows of the index, one type per table (no secret, no name), and how a database error becomes a coded one.

use crate::{Error, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

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
}

/// A hospital in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HospitalRow {
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Display name.
    pub name: String,
    /// Where it came from: `hint`, `brands` or `manual`.
    pub source: String,
}

/// One hospital connection made with a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRow {
    /// Hospital FHIR base URL.
    pub fhir_base_url: String,
    /// The ticket used.
    pub ticket_id: String,
    /// `connected`, `failed`, `unsupported`, `no_records`, `revocation_pending`, `revoked`, `closed`.
    pub status: String,
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
    /// `connected`, `failed`, `revocation_pending`, `revoked`.
    pub status: String,
    /// The code of the last failure, if any.
    pub error_code: Option<String>,
    /// The scope the hospital last granted (SMART scopes).
    pub granted_scope: Option<String>,
    /// Unix time of the sign-in.
    pub created_at: i64,
    /// Unix time of last use.
    pub last_used: i64,
}

/// One entry of the activity log. Never record contents, tokens or names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ActivityEntry {
    /// Unix time.
    #[ts(type = "number")]
    pub at: i64,
    /// `sign_in`, `ticket_received`, `redemption`, `refresh`, `records_read`, `revoke`, `failure`.
    pub kind: String,
    /// Hospital FHIR base URL, if any.
    pub hospital: Option<String>,
    /// Grant (ticket id), if any.
    pub grant: Option<String>,
    /// `ok` or an error code.
    pub outcome: String,
    /// Resource types and counts, or other non-identifying detail.
    pub detail: Option<String>,
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
