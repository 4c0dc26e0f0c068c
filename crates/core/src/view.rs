//! The view models the wallet hands its front ends — tickets, people, hospitals, each hospital's outcome of a
//! connect, a sign-in's summary — and the ticket held behind them. None carries a secret; the record items they
//! hold are health data, kept in memory only.

use crate::base::error::ErrorView;
use crate::grants::status::GrantStatus;
use crate::hospitals::fan_out::ConnectionStatus;
use crate::records::{RecordItem, Via};
use crate::store::{HospitalRow, HospitalSource};
use crate::ticket::Ticket;
use crate::words::describe::TicketDescription;
use serde::Serialize;
use ts_rs::TS;

/// A ticket held, with its id.
#[derive(Debug, Clone)]
pub struct HeldTicket {
    /// Stable id (the same across re-mints of the same grant).
    pub id: String,
    /// The ticket.
    pub ticket: Ticket,
}

/// A ticket as shown to people.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TicketView {
    /// Stable id.
    pub id: String,
    /// The person it is about (their id at the issuer).
    pub person: String,
    /// Plain-words description.
    pub description: TicketDescription,
    /// Unix expiry of this ticket itself (new presentations); the broker re-mints it before then.
    #[ts(type = "number")]
    pub expires_at: i64,
    /// The grant's one status — the same as in the grants list (see `Wallet::ticket_state`).
    pub status: GrantStatus,
    /// When the grant behind it ends (`None`: until someone ends it).
    #[ts(type = "number | null")]
    pub ends_at: Option<i64>,
    /// What needs saying about it: revoked, not checked, or ending soon.
    pub warning: Option<String>,
}

/// How the user stands to a person whose records the wallet can open. Serialized as its code: `self`, `portal`,
/// or the authority's v3-RoleCode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relationship {
    /// The user's own records.
    Own,
    /// Known only through a hospital's patient portal, where the user signed in for them.
    PortalProxy,
    /// An authority a ticket says the user holds (a v3-RoleCode such as `HPOWATT`).
    Authority(String),
}

impl Relationship {
    /// Its code: `self`, `portal`, or the authority's RoleCode.
    pub fn code(&self) -> &str {
        match self {
            Relationship::Own => "self",
            Relationship::PortalProxy => "portal",
            Relationship::Authority(code) => code,
        }
    }
}

impl Serialize for Relationship {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// A person whose records the wallet can open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PersonView {
    /// Their id at the issuer (use with `--person`).
    pub id: String,
    /// Full name.
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// How the user stands to them (`self`, `portal`, or the v3-RoleCode authority held, e.g. `HPOWATT`).
    #[ts(type = "string")]
    pub relationship: Relationship,
    /// "14 Sep 1946".
    pub born: Option<String>,
    /// The authority in words ("healthcare power of attorney"); `None` for the user's own records.
    pub authority: Option<String>,
    /// Hospitals in the directory that a ticket about this person can be shown at.
    pub hospitals: u32,
    /// Of those, how many are connected (records were read there).
    pub connected: u32,
    /// When the access ends, "12 Nov 2027"; `None`: until someone ends it.
    pub access_ends: Option<String>,
}

/// A hospital in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HospitalView {
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Name.
    pub name: String,
    /// Where it came from.
    pub source: HospitalSource,
    /// How many held tickets point at it.
    pub tickets: u32,
    /// How the last connection there went (the best across tickets); `None` before the first.
    pub status: Option<ConnectionStatus>,
    /// When Tessera last reached it, "12 Nov 2026".
    pub last_contact: Option<String>,
    /// The people whose tickets can be shown there.
    pub people: Vec<String>,
    /// The people whose records Tessera reads there through the hospital's own patient portal.
    pub portal: Vec<String>,
}

/// One hospital's connection outcome for one ticket (the `connect --json` contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HospitalOutcome {
    /// The person the ticket is about (their id at the issuer).
    pub person: String,
    /// The ticket presented.
    pub ticket_id: String,
    /// FHIR base URL.
    pub fhir_base_url: String,
    /// Name.
    pub name: String,
    /// How it ended.
    pub status: ConnectionStatus,
    /// The coded failure, if any.
    pub error: Option<ErrorView>,
    /// Resources read.
    pub resources: u32,
    /// What the hospital granted this time, in words (one line per scope of its token); empty when it failed.
    pub granted: Vec<String>,
    /// Kinds of records the hospital would not let this grant read, in words ("Documents"); the rest was read.
    pub not_available: Vec<String>,
    /// How the hospital was reached: with the ticket, or through its own patient portal (then `ticket_id` is the
    /// portal connection's grant id).
    pub via: Via,
    /// The hospital takes no permission tickets but offers its own patient-portal sign-in, which the person may
    /// choose for this person ("Sign in at <hospital>'s patient portal"); it is never started on its own.
    pub portal_sign_in: bool,
}

/// What `connect` returns: every hospital's outcome and the merged record (PHI, memory only).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConnectReport {
    /// Per hospital.
    pub hospitals: Vec<HospitalOutcome>,
    /// The merged record.
    pub records: Vec<RecordItem>,
}

/// What a sign-in brought.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LoginSummary {
    /// The broker.
    pub broker: String,
    /// Tickets received, described.
    pub tickets: Vec<TicketView>,
    /// Hospitals suggested by the broker.
    pub hospitals: u32,
}

/// Whether `held` is the ticket to present at `row`: the broker's hints link tickets to hospitals; a hospital with
/// no hint (added by hand or from a Brands bundle) takes every ticket whose audience covers it.
pub(crate) fn serves(held: &HeldTicket, row: &HospitalRow, linked: &[String]) -> bool {
    if linked.is_empty() {
        held.ticket.usable_at(&row.fhir_base_url)
    } else {
        linked.contains(&held.id)
    }
}

/// A hospital's outcome for unit tests: ticket `t-1` for person `p1` at `url`, named "Hospital <url>".
#[cfg(test)]
pub(crate) fn test_outcome(url: &str, status: ConnectionStatus) -> HospitalOutcome {
    HospitalOutcome {
        person: "p1".into(),
        ticket_id: "t-1".into(),
        fhir_base_url: url.into(),
        name: format!("Hospital {url}"),
        status,
        error: None,
        resources: 0,
        granted: vec![],
        not_available: vec![],
        via: Default::default(),
        portal_sign_in: false,
    }
}
