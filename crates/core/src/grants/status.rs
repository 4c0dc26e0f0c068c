//! The states of a grant, of its kind and of a revocation step, as enums: every view names a grant's state from
//! here, and the CLI prints each as its snake_case name.

use serde::Serialize;
use ts_rs::TS;

/// What kind of grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// A ticket held in the wallet.
    Ticket,
    /// A connection made at a hospital with a ticket (a continuation refresh token).
    Connection,
    /// A grant the broker knows about the signed-in person (someone may see my records).
    AboutMe,
    /// A connection made through a hospital's own patient portal (a refresh token of its own).
    Portal,
}

/// Where a grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// In force.
    Active,
    /// Ends within 30 days.
    Expiring,
    /// Ended.
    Expired,
    /// Revoked (seen in the issuer's status list, or revoked here).
    Revoked,
    /// Revoked here; some hospital has not confirmed yet (retried).
    RevocationPending,
    /// Its issuer's status list could not be read, so whether it was ended is not known (never shown as active).
    Unchecked,
}

/// Where a revocation step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Shown before anything happens (the preview).
    Planned,
    /// Done.
    Done,
    /// Could not finish yet (the place was unreachable); retried automatically.
    Pending,
}

macro_rules! words {
    ($ty:ty { $($variant:ident => $word:literal),* $(,)? }) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(match self { $(Self::$variant => $word),* })
            }
        }
    };
}
words!(GrantKind { Ticket => "ticket", Connection => "connection", AboutMe => "about_me", Portal => "portal" });
words!(GrantStatus {
    Active => "active", Expiring => "expiring", Expired => "expired", Revoked => "revoked",
    RevocationPending => "revocation_pending", Unchecked => "unchecked",
});
words!(StepState { Planned => "planned", Done => "done", Pending => "pending" });
