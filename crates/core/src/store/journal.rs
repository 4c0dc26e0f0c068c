//! Writes to the index gathered during a run (a connect to 500 hospitals) and committed in one transaction at its
//! end ([`crate::store::Store::commit`]), instead of thousands of separate commits while the hospitals answer. Each
//! write is also what the store's own single-write methods execute, so there is one statement per kind of write.
//! Nothing here is a secret: keychain work goes through `Store::put_secret`, never through a journal.

use crate::store::rows::{outcome_text, ActivityEntry, ConnectionState};
use crate::ErrorCode;
use crate::Result;
use std::sync::Mutex;

/// One write to the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Write {
    /// An activity-log entry.
    Log(ActivityEntry),
    /// A SMART configuration cached until a time, or forgotten (`None`).
    Configuration { fhir_base_url: String, cached: Option<(String, i64)> },
    /// A hospital registration.
    Registration {
        fhir_base_url: String,
        client_id: String,
        token_endpoint: String,
        revocation_endpoint: Option<String>,
        at: i64,
    },
    /// A registration forgotten (after `invalid_client`).
    ForgetRegistration { fhir_base_url: String },
    /// A connection's state. A connection whose revocation is pending stays pending: only its revocation ends that.
    Connection {
        fhir_base_url: String,
        ticket_id: String,
        status: ConnectionState,
        error_code: Option<ErrorCode>,
        refresh_item: Option<String>,
        at: i64,
    },
    /// The scope a hospital granted for a ticket.
    GrantedScope { fhir_base_url: String, ticket_id: String, scope: String },
    /// A patient-portal connection's row (a new sign-in replaces the earlier one for the same hospital and person).
    Portal(crate::store::rows::PortalRow),
}

impl Write {
    /// Executes this write on `executor` (the pool, or a transaction).
    pub(crate) async fn execute<'c, E>(&self, executor: E) -> Result<()>
    where
        E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
    {
        let query = match self.clone() {
            Write::Log(entry) => sqlx::query(
                "INSERT INTO activity (at, kind, hospital, grant_id, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(entry.at)
            .bind(entry.kind)
            .bind(entry.hospital)
            .bind(entry.grant)
            .bind(outcome_text(&entry.outcome))
            .bind(entry.detail),
            Write::Configuration { fhir_base_url, cached: Some((json, expires_at)) } => sqlx::query(
                "INSERT OR REPLACE INTO discovery_cache (fhir_base_url, configuration, expires_at) VALUES (?, ?, ?)",
            )
            .bind(fhir_base_url)
            .bind(json)
            .bind(expires_at),
            Write::Configuration { fhir_base_url, cached: None } => {
                sqlx::query("DELETE FROM discovery_cache WHERE fhir_base_url = ?").bind(fhir_base_url)
            }
            Write::Registration { fhir_base_url, client_id, token_endpoint, revocation_endpoint, at } => sqlx::query(
                "INSERT OR REPLACE INTO registrations (fhir_base_url, client_id, token_endpoint, revocation_endpoint, \
                 registered_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(fhir_base_url)
            .bind(client_id)
            .bind(token_endpoint)
            .bind(revocation_endpoint)
            .bind(at),
            Write::ForgetRegistration { fhir_base_url } => {
                sqlx::query("DELETE FROM registrations WHERE fhir_base_url = ?").bind(fhir_base_url)
            }
            Write::Connection { fhir_base_url, ticket_id, status, error_code, refresh_item, at } => sqlx::query(
                "INSERT INTO connections (fhir_base_url, ticket_id, status, error_code, refresh_item, last_used) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fhir_base_url, ticket_id) DO UPDATE SET \
                 status = CASE WHEN connections.status = 'revocation_pending' THEN connections.status \
                 ELSE excluded.status END, \
                 error_code = CASE WHEN connections.status = 'revocation_pending' THEN connections.error_code \
                 ELSE excluded.error_code END, \
                 refresh_item = COALESCE(excluded.refresh_item, connections.refresh_item), \
                 last_used = excluded.last_used",
            )
            .bind(fhir_base_url)
            .bind(ticket_id)
            .bind(status)
            .bind(error_code.map(ErrorCode::as_str))
            .bind(refresh_item)
            .bind(at),
            Write::GrantedScope { fhir_base_url, ticket_id, scope } => {
                sqlx::query("UPDATE connections SET granted_scope = ? WHERE fhir_base_url = ? AND ticket_id = ?")
                    .bind(scope)
                    .bind(fhir_base_url)
                    .bind(ticket_id)
            }
            Write::Portal(row) => sqlx::query(
                "INSERT OR REPLACE INTO portal_connections (id, fhir_base_url, person_ref, vault_item, issuer, \
                 client_id, public_client, token_endpoint, revocation_endpoint, management_endpoint, status, \
                 error_code, granted_scope, created_at, last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(row.id)
            .bind(row.fhir_base_url)
            .bind(row.person_ref)
            .bind(row.vault_item)
            .bind(row.issuer)
            .bind(row.client_id)
            .bind(row.public_client)
            .bind(row.token_endpoint)
            .bind(row.revocation_endpoint)
            .bind(row.management_endpoint)
            .bind(row.status)
            .bind(row.error_code.map(ErrorCode::as_str))
            .bind(row.granted_scope)
            .bind(row.created_at)
            .bind(row.last_used),
        };
        query.execute(executor).await.map_err(crate::store::rows::db_error)?;
        Ok(())
    }
}

/// The writes of one run, in the order they were made. Shared by reference between the run's jobs; a job that
/// overruns its deadline keeps what it wrote before.
#[derive(Debug, Default)]
pub struct Journal {
    writes: Mutex<Vec<Write>>,
}

impl Journal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&self, write: Write) {
        self.writes.lock().unwrap_or_else(|p| p.into_inner()).push(write);
    }

    /// Takes every write made so far, leaving the journal empty.
    pub(crate) fn take(&self) -> Vec<Write> {
        std::mem::take(&mut *self.writes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// How many writes wait.
    pub fn len(&self) -> usize {
        self.writes.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends to the activity log.
    pub fn log(&self, entry: ActivityEntry) {
        self.push(Write::Log(entry));
    }

    /// Caches a SMART configuration until `expires_at`; `None` forgets it.
    pub fn cache_configuration(&self, fhir_base_url: &str, configuration: Option<(&serde_json::Value, i64)>) {
        let cached = configuration.map(|(json, expires_at)| (json.to_string(), expires_at));
        self.push(Write::Configuration { fhir_base_url: fhir_base_url.into(), cached });
    }

    /// Remembers a hospital registration.
    pub fn save_registration(
        &self,
        fhir_base_url: &str,
        client_id: &str,
        token_endpoint: &str,
        revocation_endpoint: Option<&str>,
        at: i64,
    ) {
        self.push(Write::Registration {
            fhir_base_url: fhir_base_url.into(),
            client_id: client_id.into(),
            token_endpoint: token_endpoint.into(),
            revocation_endpoint: revocation_endpoint.map(String::from),
            at,
        });
    }

    /// Forgets a registration.
    pub fn forget_registration(&self, fhir_base_url: &str) {
        self.push(Write::ForgetRegistration { fhir_base_url: fhir_base_url.into() });
    }

    /// Records a connection's state (see [`crate::store::Store::save_connection`]).
    pub fn save_connection(
        &self,
        fhir_base_url: &str,
        ticket_id: &str,
        status: ConnectionState,
        error_code: Option<ErrorCode>,
        refresh_item: Option<&str>,
        at: i64,
    ) {
        self.push(Write::Connection {
            fhir_base_url: fhir_base_url.into(),
            ticket_id: ticket_id.into(),
            status,
            error_code,
            refresh_item: refresh_item.map(String::from),
            at,
        });
    }

    /// Records the scope a hospital granted for a ticket.
    pub fn save_granted_scope(&self, fhir_base_url: &str, ticket_id: &str, scope: &str) {
        self.push(Write::GrantedScope {
            fhir_base_url: fhir_base_url.into(),
            ticket_id: ticket_id.into(),
            scope: scope.into(),
        });
    }
}
