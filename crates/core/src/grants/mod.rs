//! Grants: every grant a person can see — tickets held, connections made with them, and grants about me (from the
//! broker's grant management) — with their status, and revocation end to end with a preview of each step.
//!
//! Statuses: `active`, `expiring` (ends within 30 days), `expired`, `revoked` (seen in the issuer's status list),
//! `revocation_pending` (revoked here, some hospital not reached yet; retried on every connect and on demand).
//!
//! A grant is also `unchecked` when its issuer's status list cannot be read (never shown as `active`), and a
//! patient-portal connection is a grant of its own kind (`portal::grants`). `ticket_state` is the one status of a
//! held ticket's grant, used by `grants`, `tickets`, the sign-in summary and so by the window and the CLI alike;
//! `grants` and `tickets` re-mint due tickets first. Revoking a held ticket asks its broker to revoke the grant
//! (when the broker lists it), confirms the status-list bit — so every hospital refuses it — and signs out of the
//! broker when no other ticket comes from it; alongside, every hospital connection is ended at once
//! (`revoke_connections`), each within the per-hospital deadline. Steps come back in the order they ended
//! (`revoke_with_progress` reports each as it happens); the forgotten refresh tokens leave the keychain in one
//! sweep after the hospitals answered. `retry_pending_revocations` runs every pending one at once, each with its
//! deadline.

pub mod activity;
pub mod background;
pub mod reminders;
pub mod status;

use crate::base::http::Party;
use crate::base::ids::{connection_refresh_item, host_of, short_hash};
use crate::broker::names;
use crate::broker::status_list::{is_revoked, revoke_token};
use crate::grants::status::{GrantKind, GrantStatus, StepState};
use crate::store::{ActivityKind, BrokerRow, ConnectionRow, ConnectionState, TicketFacts};
use crate::view::HeldTicket;
use crate::wallet::Wallet;
use crate::words::describe::{date_words, describe, describe_issued};
use crate::{Error, ErrorCode, Result};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// One grant as people see it (the `tessera grants --json` contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GrantView {
    /// Stable id, for `tessera revoke ID`.
    pub id: String,
    /// What kind of grant.
    pub kind: GrantKind,
    /// Where it stands.
    pub status: GrantStatus,
    /// Whose records.
    pub person: String,
    /// The issuer's host.
    pub issuer: String,
    /// The hospital, for a connection.
    pub hospital: Option<String>,
    /// Unix time it ends (new connections for a ticket; the grant's end for about-me grants).
    #[ts(type = "number | null")]
    pub expiry: Option<i64>,
    /// One line for people.
    pub summary: String,
    /// An expiry warning at 30 days, 7 days and at expiry.
    pub warning: Option<String>,
}

/// A boxed future that can cross threads (what the fan-outs over connections run).
type SendFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A held ticket's grant as every view shows it (see [`Wallet::ticket_state`]).
#[derive(Debug, Clone)]
pub(crate) struct TicketState {
    /// The grant's status.
    pub status: GrantStatus,
    /// The status from the issuer and the end date alone (what its live connections share).
    pub by_issuer_and_time: GrantStatus,
    /// When the grant ends (`None`: until someone ends it).
    pub ends: Option<i64>,
    /// What needs saying: revoked, not checked, or ending soon.
    pub warning: Option<String>,
    /// Connections still waiting for a hospital to confirm a revocation.
    pub pending: usize,
}

/// What a ticket's issuer says about it in its status list.
#[derive(Debug)]
pub(crate) enum IssuerSays {
    /// The ticket names no status list: it cannot be revoked there.
    NoList,
    /// Listed, not revoked.
    Valid,
    /// Listed as revoked.
    Revoked,
    /// The list could not be read or trusted.
    Unknown(Error),
}

/// A revocation step and whether it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RevocationStep {
    /// What the step does, in words.
    pub what: String,
    /// Where the step stands.
    pub state: StepState,
    /// The coded failure of a pending step.
    pub error: Option<crate::ErrorView>,
}

/// Where a grant was used: one hospital.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GrantUse {
    /// The hospital's name.
    pub hospital: String,
    /// How it stands there, in words ("Connected", "Could not connect", "Revocation pending"…).
    pub state: String,
    /// When it was last used there, "12 Nov 2026".
    pub last_used: String,
    /// What the hospital last granted there, in words (the token's scope, one line each); empty before any grant.
    pub granted: Vec<String>,
}

/// One grant in full, for its detail page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct GrantDetail {
    /// The grant as listed.
    pub grant: GrantView,
    /// The ticket behind it in plain words (tickets and connections).
    pub description: Option<crate::words::describe::TicketDescription>,
    /// Where and when it was used.
    pub used: Vec<GrantUse>,
    /// When it ends and what happens then.
    pub ends: String,
    /// What it does not share.
    pub not_shared: Vec<String>,
    /// The destructive action, named for what it does ("End Margaret Washington-Clarke's access").
    pub end_action: String,
}

/// The expiry warning for something ending at `exp`, seen at `now`.
pub fn expiry_warning(exp: i64, now: i64) -> Option<String> {
    let left = exp - now;
    if left <= 0 {
        Some(format!("Ended on {}", date_words(exp)))
    } else if left <= 7 * DAY {
        Some(format!("Ends within a week, on {}", date_words(exp)))
    } else if left <= 30 * DAY {
        Some(format!("Ends within 30 days, on {}", date_words(exp)))
    } else {
        None
    }
}

fn time_status(exp: i64, now: i64) -> GrantStatus {
    if exp <= now {
        GrantStatus::Expired
    } else if exp - now <= 30 * DAY {
        GrantStatus::Expiring
    } else {
        GrantStatus::Active
    }
}

/// A grant's status by time, unless its issuer could not be asked: then it is not known to be in force (an ended
/// grant stays ended).
fn checked_status(by_time: GrantStatus, unchecked: bool) -> GrantStatus {
    if unchecked && by_time != GrantStatus::Expired {
        GrantStatus::Unchecked
    } else {
        by_time
    }
}

/// The last second of the day `YYYY-MM-DD` (UTC): a grant that ends "on" a day is valid all of it, and shows
/// that day (not the next) as its end.
fn date_to_unix(date: &str) -> Option<i64> {
    Some(crate::words::describe::parse_day(date.get(..10)?)?.next_day()?.midnight().assume_utc().unix_timestamp() - 1)
}

/// A connection's stored status in words.
fn connection_words(status: ConnectionState) -> &'static str {
    match status {
        ConnectionState::Connected => "Connected",
        ConnectionState::Failed => "Could not connect",
        ConnectionState::Unsupported => "Does not accept permission tickets",
        ConnectionState::NoRecords => "Nothing shared there under this permission",
        ConnectionState::NeedsConfirmation => "Waiting for you to confirm the patient",
        ConnectionState::NotShown => "Not shown there (not in the network; you can choose it)",
        ConnectionState::NotCovered => "Not covered by this permission (not shown there)",
        ConnectionState::RevocationPending => "Ending — waiting for the hospital to answer",
        ConnectionState::Revoked => "Ended",
        ConnectionState::Closed => "Closed",
    }
}

/// The id of a connection grant.
fn connection_id(connection: &ConnectionRow) -> String {
    format!("c-{}", short_hash(&[&connection.fhir_base_url, &connection.ticket_id]))
}

impl Wallet {
    /// What a held ticket's issuer says about it, read from its status list now.
    pub(crate) async fn issuer_says(&self, held: &HeldTicket) -> IssuerSays {
        let Some((url, index)) = held.ticket.claims.revocation.as_ref() else { return IssuerSays::NoList };
        match is_revoked(&self.deps.http, &held.ticket.claims.iss, url, *index).await {
            Ok(true) => IssuerSays::Revoked,
            Ok(false) => IssuerSays::Valid,
            Err(error) => IssuerSays::Unknown(error),
        }
    }

    /// When the grant behind a ticket ends (Unix time; `None`: until it is revoked): the continuation's end
    /// (unbounded = until revoked), else the authority's recorded end; a ticket the broker re-mints has no other
    /// known end; otherwise its own `exp`.
    pub(crate) async fn grant_end(&self, held: &HeldTicket) -> Result<Option<i64>> {
        let c = &held.ticket.claims;
        let renewable =
            self.deps.store.has_secret(&crate::base::ids::broker_refresh_item(c.iss.trim_end_matches('/'))).await?;
        Ok(match (c.continuation, c.authority_until.as_deref().and_then(date_to_unix)) {
            (Some(Some(refresh_until)), _) => Some(refresh_until.max(c.exp)),
            (Some(None), _) => None,
            (None, Some(authority_end)) => Some(authority_end),
            (None, None) if renewable => None,
            (None, None) => Some(c.exp),
        })
    }

    /// The one status of a held ticket's grant, used by every view (grants, tickets, the window, the CLI): asks the
    /// issuer's status list (a ticket once seen revoked stays revoked), closes the connections of a revoked ticket,
    /// and records the ticket's public facts for the background check. `own` are the ticket's connections.
    pub(crate) async fn ticket_state(
        &self,
        held: &HeldTicket,
        own: &[&ConnectionRow],
        now: i64,
    ) -> Result<TicketState> {
        let seen_revoked = self.deps.store.ticket_seen_revoked(&held.id).await?;
        let says = if seen_revoked { IssuerSays::Revoked } else { self.issuer_says(held).await };
        let revoked = matches!(says, IssuerSays::Revoked);
        if revoked {
            // Connections still being revoked keep their refresh token until the hospital confirms (RFC 7009):
            // forgetting it here would leave a live token at a hospital that was never told.
            for connection in
                own.iter().filter(|k| k.refresh_item.is_some() && k.status != ConnectionState::RevocationPending)
            {
                self.forget_connection(connection, ConnectionState::Closed).await?;
            }
        }
        let pending = own.iter().filter(|k| k.status == ConnectionState::RevocationPending).count();
        let ends = self.grant_end(held).await?;
        self.note_ticket_facts(held, ends, revoked.then_some(now)).await?;
        let unchecked = match &says {
            IssuerSays::Unknown(error) => Some(format!(
                "Tessera could not check with {} whether this grant has been ended ({}). It shows as not checked \
                 until the issuer answers.",
                self.deps.store.issuer_names().await?.of(&held.ticket.claims.iss),
                error.message().trim_end_matches('.')
            )),
            _ => None,
        };
        let by_issuer_and_time = if revoked {
            GrantStatus::Revoked
        } else {
            checked_status(time_status(ends.unwrap_or(i64::MAX), now), unchecked.is_some())
        };
        // Something still being revoked somewhere says so, even once the issuer lists the ticket as revoked.
        let status = if pending > 0 { GrantStatus::RevocationPending } else { by_issuer_and_time };
        let warning = if revoked {
            Some("Revoked at the issuer: its connections were closed".into())
        } else {
            unchecked.or_else(|| ends.and_then(|u| expiry_warning(u, now)))
        };
        Ok(TicketState { status, by_issuer_and_time, ends, warning, pending })
    }

    /// Records a ticket's public facts (issuer, status list, when its grant ends, revoked or not) so that the
    /// background check can work without reading the ticket from the keychain.
    pub(crate) async fn note_ticket_facts(
        &self,
        held: &HeldTicket,
        grant_ends_at: Option<i64>,
        revoked_at: Option<i64>,
    ) -> Result<()> {
        let c = &held.ticket.claims;
        let facts = TicketFacts {
            id: held.id.clone(),
            issuer: c.iss.clone(),
            status_list: c.revocation.clone(),
            grant_ends_at,
            revoked_at,
        };
        self.deps.store.set_ticket_facts(&facts).await
    }

    /// Every grant: tickets held, their connections, and (when signed in with a broker that offers grant management)
    /// the grants about the signed-in person. A ticket found revoked at its issuer has its connections closed.
    pub async fn grants(&self) -> Result<Vec<GrantView>> {
        if let Err(error) = self.remint_due_tickets().await {
            tracing::warn!(code = %error.code(), "tickets not re-minted before listing grants");
        }
        let now = self.deps.clock.unix_now();
        let held = self.held_tickets().await?;
        let connections = self.deps.store.connections().await?;
        let names = self.deps.store.hospital_names().await?;
        let issuers = self.deps.store.issuer_names().await?;
        let mut out = Vec::new();
        for ticket in &held {
            let c = &ticket.ticket.claims;
            let own: Vec<&ConnectionRow> = connections.iter().filter(|k| k.ticket_id == ticket.id).collect();
            let state = self.ticket_state(ticket, &own, now).await?;
            out.push(GrantView {
                id: ticket.id.clone(),
                kind: GrantKind::Ticket,
                status: state.status,
                person: c.patient.full_name(),
                issuer: issuers.of(&c.iss),
                hospital: None,
                expiry: state.ends,
                summary: if state.pending > 0 {
                    format!(
                        "{} (revocation pending at {})",
                        describe(&ticket.ticket).headline,
                        crate::status::plural(
                            u32::try_from(state.pending).unwrap_or(u32::MAX),
                            "hospital",
                            "hospitals"
                        )
                    )
                } else {
                    describe(&ticket.ticket).headline
                },
                warning: state.warning.clone(),
            });
            for connection in own
                .iter()
                .filter(|k| matches!(k.status, ConnectionState::Connected | ConnectionState::RevocationPending))
            {
                out.push(GrantView {
                    id: connection_id(connection),
                    kind: GrantKind::Connection,
                    status: if connection.status == ConnectionState::RevocationPending {
                        GrantStatus::RevocationPending
                    } else {
                        state.by_issuer_and_time
                    },
                    person: c.patient.full_name(),
                    issuer: issuers.of(&c.iss),
                    hospital: Some(
                        names
                            .get(&connection.fhir_base_url)
                            .cloned()
                            .unwrap_or_else(|| host_of(&connection.fhir_base_url)),
                    ),
                    expiry: state.ends,
                    summary: format!("Last used on {}", date_words(connection.last_used)),
                    warning: None,
                });
            }
        }
        out.extend(self.portal_grants().await?);
        for broker in self.deps.store.brokers().await? {
            out.extend(self.grants_about_me(&broker).await.unwrap_or_default());
        }
        Ok(out)
    }

    /// One grant in full: the grant, the ticket in words, where and when it was used, when it ends and what happens
    /// then, what it does not share, and what ending it is called.
    pub async fn grant_detail(&self, id: &str) -> Result<GrantDetail> {
        if let Some(portal) = self.portal_grant_detail(id).await? {
            return Ok(portal);
        }
        let grants = self.grants().await?;
        let grant = grants.iter().find(|g| g.id == id).cloned().ok_or_else(|| Error::new(ErrorCode::GrantNotFound))?;
        let connections = self.deps.store.connections().await?;
        let ticket_id = match grant.kind {
            GrantKind::Ticket => Some(grant.id.clone()),
            GrantKind::Connection => connections.iter().find(|k| connection_id(k) == id).map(|k| k.ticket_id.clone()),
            GrantKind::AboutMe | GrantKind::Portal => None,
        };
        let held = self.held_tickets().await?;
        let ticket = ticket_id.as_ref().and_then(|tid| held.iter().find(|t| &t.id == tid));
        let names = self.deps.store.hospital_names().await?;
        let granted = self.deps.store.granted_scopes().await?;
        let used = connections
            .iter()
            .filter(|k| Some(&k.ticket_id) == ticket_id.as_ref())
            .filter(|k| grant.kind != GrantKind::Connection || connection_id(k) == id)
            .map(|k| GrantUse {
                hospital: names.get(&k.fhir_base_url).cloned().unwrap_or_else(|| host_of(&k.fhir_base_url)),
                state: connection_words(k.status).to_string(),
                last_used: date_words(k.last_used),
                granted: granted
                    .get(&(k.fhir_base_url.clone(), k.ticket_id.clone()))
                    .map(|scope| crate::words::describe::granted_words(scope))
                    .unwrap_or_default(),
            })
            .collect();
        let issuers = self.deps.store.issuer_names().await?;
        let description = ticket.map(|t| describe_issued(&t.ticket, &issuers));
        let not_shared = description
            .iter()
            .flat_map(|d| d.not_shared.iter().chain(&d.limits))
            .cloned()
            .chain(ticket.map(|t| crate::records::missing::missing_notes(&[t], &[])).unwrap_or_default())
            .collect();
        let until = match ticket {
            Some(t) => self.grant_end(t).await?,
            None => grant.expiry,
        };
        let ends = match (grant.status, until) {
            (GrantStatus::Revoked, _) => "It has been ended; hospitals refuse it.".to_string(),
            (_, None) => "It lasts until someone ends it.".to_string(),
            (GrantStatus::Expired, Some(end)) => format!("It ended on {}.", date_words(end)),
            (_, Some(end)) => format!(
                "It ends on {}. After that, hospitals refuse it; continuing takes one new sign-in with the trust broker.",
                date_words(end)
            ),
        };
        let end_action = match grant.kind {
            GrantKind::Portal => format!("End the portal connection to {}", grant.hospital.clone().unwrap_or_default()),
            GrantKind::Connection => format!("End the connection to {}", grant.hospital.clone().unwrap_or_default()),
            GrantKind::AboutMe => match grant.summary.split_once(" may access") {
                Some((who, _)) => format!("End {who}'s access"),
                None => "End this permission".to_string(),
            },
            GrantKind::Ticket => match ticket.and_then(|t| t.ticket.claims.requester.as_ref()) {
                Some(_) => "End your access".to_string(),
                None => "End this permission".to_string(),
            },
        };
        Ok(GrantDetail { grant, description, used, ends, not_shared, end_action })
    }

    /// Signs out of a broker: its refresh token is revoked there (RFC 7009) and removed from the keychain, and the
    /// broker is forgotten. Tickets already held stay until they end, but are no longer renewed.
    pub async fn sign_out(&self, broker_url: &str) -> Result<()> {
        let broker = self
            .deps
            .store
            .brokers()
            .await?
            .into_iter()
            .find(|b| b.url == broker_url.trim_end_matches('/'))
            .ok_or_else(|| {
            Error::new(ErrorCode::InvalidInput).with_message("You are not signed in with that broker.")
        })?;
        self.revoke_broker_refresh(&broker).await?;
        self.session.broker_access.lock().unwrap_or_else(|p| p.into_inner()).remove(&broker.url);
        self.deps.store.forget_broker(&broker.url).await?;
        self.log(ActivityKind::SignOut, None, None, Ok(()), Some(host_of(&broker.url))).await;
        Ok(())
    }

    /// The broker's id of the grant behind a held ticket (matched by its status-list entry), from the broker's
    /// grant management; `None` when the broker offers none or does not list it.
    async fn broker_grant_of(&self, broker: &BrokerRow, held: &HeldTicket) -> Option<String> {
        let (url, index) = held.ticket.claims.revocation.as_ref()?;
        let endpoint = broker.management_endpoint.as_deref()?;
        let access = self.broker_access_token(broker).await.ok()??;
        let answer = self.deps.http.get(Party::Broker, endpoint, Some(access.expose())).await.ok()?;
        // A ticket held for someone else is among the grants the signed-in person holds; one about themself (their
        // own records, a research consent) among the grants about them.
        let lists = ["held", "about_me"].into_iter().filter_map(|list| answer.json.get(list)?.as_array());
        let listed = lists.flatten().find(|g| {
            g.pointer("/revocation/url").and_then(Value::as_str) == Some(url.as_str())
                && g.pointer("/revocation/index").and_then(Value::as_u64) == Some(*index)
        })?;
        listed.get("id")?.as_str().map(String::from)
    }

    /// The broker's grant list about the signed-in person (testbed grant management; brokers without it give none).
    async fn grants_about_me(&self, broker: &BrokerRow) -> Result<Vec<GrantView>> {
        let Some(endpoint) = &broker.management_endpoint else { return Ok(vec![]) };
        let Some(access) = self.broker_access_token(broker).await? else { return Ok(vec![]) };
        let answer = self.deps.http.get(Party::Broker, endpoint, Some(access.expose())).await?;
        let now = self.deps.clock.unix_now();
        let grants = answer.json.get("about_me").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(grants
            .iter()
            .filter_map(|g| {
                let id = g.get("id")?.as_str()?;
                let requester = g.pointer("/requester/name").and_then(Value::as_str);
                let study = g.get("study").and_then(Value::as_str);
                let relationship = g
                    .get("relationship")
                    .and_then(Value::as_str)
                    .map(|code| crate::words::describe::relationship_words(code, "your"));
                let summary = match (requester, study, relationship) {
                    (Some(name), _, Some(authority)) => format!("{name} may access your records as {authority}"),
                    (_, Some(study), _) => format!("Your consent to the study \"{study}\""),
                    _ => "Access to your own records".to_string(),
                };
                // Each sign-in may leave a grant of its own: the day it was given tells them apart.
                let summary = match g.get("issued_at").and_then(Value::as_i64) {
                    Some(issued) => format!("{summary}, given on {}", date_words(issued)),
                    None => summary,
                };
                let expiry = g
                    .get("refresh_until")
                    .and_then(Value::as_i64)
                    .or_else(|| g.get("expires_at").and_then(Value::as_i64));
                let status = match g.get("status").and_then(Value::as_str) {
                    Some("revoked") => GrantStatus::Revoked,
                    _ => expiry.map(|e| time_status(e, now)).unwrap_or(GrantStatus::Active),
                };
                Some(GrantView {
                    id: format!("{id}@{}", host_of(&broker.url)),
                    kind: GrantKind::AboutMe,
                    status,
                    person: g.pointer("/patient/name").and_then(Value::as_str).unwrap_or_default().into(),
                    issuer: names::called(broker),
                    hospital: None,
                    expiry,
                    summary,
                    warning: expiry.filter(|_| status != GrantStatus::Revoked).and_then(|e| expiry_warning(e, now)),
                })
            })
            .collect())
    }

    /// The steps revoking `id` will take, without doing anything.
    pub async fn revoke_preview(&self, id: &str) -> Result<Vec<RevocationStep>> {
        self.revoke_inner(id, false, &|_| {}).await
    }

    /// Revokes `id` everywhere it lives and reports each step. A hospital that cannot be reached leaves the grant
    /// `revocation_pending`; the next `connect` or `revoke` retries it.
    pub async fn revoke(&self, id: &str) -> Result<Vec<RevocationStep>> {
        self.revoke_with_progress(id, &|_| {}).await
    }

    /// [`Wallet::revoke`], calling `report` with each step as soon as it is done or known to be pending (the desktop
    /// app forwards them to the window as `revocation-progress` events). Every hospital is asked at once, each within
    /// its own deadline, alongside the broker; the steps come back in the order they were reported.
    pub async fn revoke_with_progress(
        &self,
        id: &str,
        report: &(dyn Fn(&RevocationStep) + Sync),
    ) -> Result<Vec<RevocationStep>> {
        // The hospitals answer at once: the steps come back in the order they ended, the order they were reported.
        let ended = std::sync::Mutex::new(Vec::new());
        let record = |step: &RevocationStep| {
            ended.lock().unwrap_or_else(|p| p.into_inner()).push(step.clone());
            report(step);
        };
        let steps = self.revoke_inner(id, true, &record).await?;
        let ended = ended.into_inner().unwrap_or_else(|p| p.into_inner());
        let steps = if ended.len() == steps.len() { ended } else { steps };
        let outcome =
            if steps.iter().all(|s| s.state == StepState::Done) { Ok(()) } else { Err(ErrorCode::RevocationPending) };
        self.log(ActivityKind::Revoke, None, Some(id), outcome, Some(format!("{} steps", steps.len()))).await;
        Ok(steps)
    }

    async fn revoke_inner(
        &self,
        id: &str,
        act: bool,
        report: &(dyn Fn(&RevocationStep) + Sync),
    ) -> Result<Vec<RevocationStep>> {
        if let Some(steps) = self.revoke_portal(id, act, report).await? {
            return Ok(steps);
        }
        let connections = self.deps.store.connections().await?;
        if let Some(connection) = connections.iter().find(|k| connection_id(k) == id) {
            return Ok(self.revoke_connections(&[connection], act, report).await);
        }
        let held_tickets = self.held_tickets().await?;
        if let Some(held) = held_tickets.iter().find(|t| t.id == id) {
            let own: Vec<&ConnectionRow> =
                connections.iter().filter(|k| k.ticket_id == id && k.refresh_item.is_some()).collect();
            let others_from_same_broker =
                held_tickets.iter().filter(|t| t.id != id && t.ticket.claims.iss == held.ticket.claims.iss).count();
            let broker = self
                .deps
                .store
                .brokers()
                .await?
                .into_iter()
                .find(|b| b.url == held.ticket.claims.iss.trim_end_matches('/'));
            // Every hospital at once, each with its own deadline, and the broker alongside them.
            let (mut steps, at_broker) = futures_util::future::join(
                self.revoke_connections(&own, act, report),
                self.revoke_at_issuer(held, broker, others_from_same_broker, act, report),
            )
            .await;
            steps.extend(at_broker);
            let all_done = steps.iter().all(|s| s.state == StepState::Done);
            let what = format!("Delete the ticket for {} from the keychain", held.ticket.claims.patient.full_name());
            steps.push(if !act || all_done {
                let delete = async {
                    self.deps.store.delete_secret(&self.deps.vault, &format!("ticket/{id}")).await?;
                    self.deps.store.delete_ticket(id).await
                };
                self.step(what, act, delete, report).await
            } else {
                let waiting = RevocationStep { what, state: StepState::Pending, error: None };
                report(&waiting);
                waiting
            });
            return Ok(steps);
        }
        if let Some((grant, host)) = id.split_once('@') {
            if let Some(broker) = self.deps.store.brokers().await?.into_iter().find(|b| host_of(&b.url) == host) {
                let ask = self
                    .step(format!("Ask {host} to revoke the grant"), act, self.revoke_at_broker(&broker, grant), report)
                    .await;
                let mut steps = vec![ask];
                if act && steps[0].state == StepState::Done {
                    steps.push(
                        self.step(
                            "Confirm the revocation in the broker's status list".into(),
                            true,
                            self.confirm_revoked(&broker, grant),
                            report,
                        )
                        .await,
                    );
                } else {
                    steps.push(RevocationStep {
                        what: "Confirm the revocation in the broker's status list".into(),
                        state: StepState::Planned,
                        error: None,
                    });
                }
                return Ok(steps);
            }
        }
        Err(Error::new(ErrorCode::GrantNotFound))
    }

    /// The issuer's steps of revoking a held ticket: ask its broker to revoke the grant, confirm the status-list
    /// bit, and sign out of the broker when no other ticket comes from it.
    async fn revoke_at_issuer(
        &self,
        held: &HeldTicket,
        broker: Option<BrokerRow>,
        others_from_same_broker: usize,
        act: bool,
        report: &(dyn Fn(&RevocationStep) + Sync),
    ) -> Vec<RevocationStep> {
        let mut steps = Vec::new();
        // The grant is revoked in the issuer's status list, so every hospital refuses the ticket from now on,
        // wherever a copy of it may be.
        let at_broker = match &broker {
            Some(broker) => self.broker_grant_of(broker, held).await.map(|grant| (broker.clone(), grant)),
            None => None,
        };
        if let Some((broker, grant)) = &at_broker {
            let host = names::called(broker);
            let ask = self
                .step(
                    format!("Ask {host} to revoke this permission, so every hospital refuses it"),
                    act,
                    self.revoke_at_broker(broker, grant),
                    report,
                )
                .await;
            let asked = ask.state == StepState::Done;
            steps.push(ask);
            let (url, index) = held.ticket.claims.revocation.clone().unwrap_or_default();
            let what = format!("Confirm that {host}'s status list shows it revoked");
            let confirm = async {
                if is_revoked(&self.deps.http, &broker.url, &url, index).await? {
                    Ok(())
                } else {
                    Err(Error::new(ErrorCode::RevocationPending).with_detail("status bit not set yet"))
                }
            };
            steps.push(if !act || asked {
                self.step(what, act, confirm, report).await
            } else {
                let waiting = RevocationStep { what, state: StepState::Pending, error: None };
                report(&waiting);
                waiting
            });
        }
        if let (0, Some(broker)) = (others_from_same_broker, broker) {
            steps.push(
                self.step(
                    format!("Sign out of {} (revoke its refresh token)", names::called(&broker)),
                    act,
                    self.revoke_broker_refresh(&broker),
                    report,
                )
                .await,
            );
        }
        steps
    }

    /// Runs `work` when `act`, turning its outcome into a step; otherwise describes the planned step.
    pub(crate) async fn step(
        &self,
        what: String,
        act: bool,
        work: impl std::future::Future<Output = Result<()>>,
        report: &(dyn Fn(&RevocationStep) + Sync),
    ) -> RevocationStep {
        if !act {
            return RevocationStep { what, state: StepState::Planned, error: None };
        }
        let step = self.run_step(what, work).await;
        report(&step);
        step
    }

    async fn run_step(&self, what: String, work: impl std::future::Future<Output = Result<()>>) -> RevocationStep {
        match work.await {
            Ok(()) => RevocationStep { what, state: StepState::Done, error: None },
            Err(error) => RevocationStep { what, state: StepState::Pending, error: Some(error.view()) },
        }
    }

    /// Ends `connections` at their hospitals all at once (up to the fan-out's concurrency), each within the
    /// per-hospital deadline, reporting each step the moment it ends; the steps come back in `connections` order.
    /// The keychain items of what was ended are removed once every hospital has answered.
    async fn revoke_connections(
        &self,
        connections: &[&ConnectionRow],
        act: bool,
        report: &(dyn Fn(&RevocationStep) + Sync),
    ) -> Vec<RevocationStep> {
        let names = self.deps.store.hospital_names().await.unwrap_or_default();
        // Boxed as `Send` futures first: a stream of futures borrowing from a closure's argument is not provably
        // `Send` for every lifetime, which the desktop app's commands require.
        let mut jobs: Vec<SendFuture<'_, RevocationStep>> = Vec::with_capacity(connections.len());
        for connection in connections {
            let name =
                names.get(&connection.fhir_base_url).cloned().unwrap_or_else(|| host_of(&connection.fhir_base_url));
            jobs.push(Box::pin(self.revoke_connection(connection, name, act, report)));
        }
        let steps: Vec<RevocationStep> =
            futures_util::stream::iter(jobs).buffered(self.deps.fan_out.concurrency.max(1)).collect().await;
        if act {
            self.sweep_keychain().await;
        }
        steps
    }

    async fn revoke_connection(
        &self,
        connection: &ConnectionRow,
        name: String,
        act: bool,
        report: &(dyn Fn(&RevocationStep) + Sync),
    ) -> RevocationStep {
        let what = format!("End the connection to {name} (revoke its tokens there, forget them here)");
        let step = self.step(what, act, self.revoke_at_hospital(connection), report).await;
        if act && step.state == StepState::Pending {
            let _ = self
                .deps
                .store
                .set_connection_status(
                    &connection.fhir_base_url,
                    &connection.ticket_id,
                    ConnectionState::RevocationPending,
                    false,
                )
                .await;
        }
        step
    }

    /// Revokes a connection's refresh token at its hospital (RFC 7009) within the per-hospital deadline, then
    /// forgets it here: the index says so at once, the keychain item goes at the next [`Wallet::sweep_keychain`].
    async fn revoke_at_hospital(&self, connection: &ConnectionRow) -> Result<()> {
        match tokio::time::timeout(self.deps.fan_out.per_hospital, self.revoke_there(connection)).await {
            Ok(revoked) => revoked?,
            Err(_) => return Err(Error::new(ErrorCode::HospitalTimeout).with_detail("hospital deadline passed")),
        }
        let item = connection
            .refresh_item
            .clone()
            .unwrap_or_else(|| connection_refresh_item(&connection.fhir_base_url, &connection.ticket_id));
        self.deps.store.forget_secret(&item).await?;
        self.deps
            .store
            .set_connection_status(&connection.fhir_base_url, &connection.ticket_id, ConnectionState::Revoked, true)
            .await
    }

    /// The hospital's part of ending a connection: its refresh token revoked there.
    async fn revoke_there(&self, connection: &ConnectionRow) -> Result<()> {
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        if let (Some(item), Some((client_id, Some(endpoint)))) =
            (&connection.refresh_item, self.deps.store.registration_details(&connection.fhir_base_url).await?)
        {
            match self.deps.store.get_secret(&self.deps.vault, item).await {
                Ok(token) => {
                    let auth = identity.as_client(&client_id, self.deps.clock.as_ref(), self.deps.random.as_ref());
                    revoke_token(&self.deps.http, Party::Hospital, &endpoint, &token, "refresh_token", &auth).await?;
                }
                Err(e) if e.code() == ErrorCode::VaultItemMissing => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Removes from the keychain what was forgotten here (a failure is left for the next sweep, or for recovery at
    /// the next start).
    pub(crate) async fn sweep_keychain(&self) {
        if let Err(error) = self.deps.store.sweep(&self.deps.vault).await {
            tracing::warn!(code = %error.code(), "forgotten keychain items not removed yet");
        }
    }

    async fn forget_connection(&self, connection: &ConnectionRow, status: ConnectionState) -> Result<()> {
        let item = connection
            .refresh_item
            .clone()
            .unwrap_or_else(|| connection_refresh_item(&connection.fhir_base_url, &connection.ticket_id));
        self.deps.store.delete_secret(&self.deps.vault, &item).await?;
        self.deps.store.set_connection_status(&connection.fhir_base_url, &connection.ticket_id, status, true).await
    }

    async fn revoke_broker_refresh(&self, broker: &BrokerRow) -> Result<()> {
        let item = crate::base::ids::broker_refresh_item(&broker.url);
        if let (Ok(token), Some(endpoint)) =
            (self.deps.store.get_secret(&self.deps.vault, &item).await, &broker.revocation_endpoint)
        {
            let identity = self.identity().await?;
            let identity = identity.as_ref();
            let auth = identity.as_client(&broker.client_id, self.deps.clock.as_ref(), self.deps.random.as_ref());
            revoke_token(&self.deps.http, Party::Broker, endpoint, &token, "refresh_token", &auth).await?;
        }
        self.deps.store.delete_secret(&self.deps.vault, &item).await
    }

    async fn revoke_at_broker(&self, broker: &BrokerRow, grant: &str) -> Result<()> {
        let endpoint = broker.management_endpoint.as_deref().ok_or_else(|| Error::new(ErrorCode::GrantNotFound))?;
        let access = self.broker_access_token(broker).await?.ok_or_else(|| Error::new(ErrorCode::BrokerDenied))?;
        let answer =
            self.deps.http.post_bearer(Party::Broker, &format!("{endpoint}/{grant}/revoke"), access.expose()).await?;
        if answer.status == 200 {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::GrantNotFound).with_detail(format!("broker answered HTTP {}", answer.status)))
        }
    }

    async fn confirm_revoked(&self, broker: &BrokerRow, grant: &str) -> Result<()> {
        let endpoint = broker.management_endpoint.as_deref().ok_or_else(|| Error::new(ErrorCode::GrantNotFound))?;
        let access = self.broker_access_token(broker).await?.ok_or_else(|| Error::new(ErrorCode::BrokerDenied))?;
        let answer = self.deps.http.get(Party::Broker, endpoint, Some(access.expose())).await?;
        let entry = answer
            .json
            .get("about_me")
            .and_then(Value::as_array)
            .and_then(|list| list.iter().find(|g| g.get("id").and_then(Value::as_str) == Some(grant)).cloned());
        let revocation = entry.as_ref().and_then(|g| {
            Some((g.pointer("/revocation/url")?.as_str()?.to_string(), g.pointer("/revocation/index")?.as_u64()?))
        });
        let (url, index) =
            revocation.ok_or_else(|| Error::new(ErrorCode::RevocationPending).with_detail("no status-list entry"))?;
        if is_revoked(&self.deps.http, &broker.url, &url, index).await? {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::RevocationPending).with_detail("status bit not set yet"))
        }
    }

    /// Retries every pending hospital revocation, all at once (up to the fan-out's concurrency), each within the
    /// per-hospital deadline. Returns how many are still pending.
    pub async fn retry_pending_revocations(&self) -> Result<usize> {
        let portals_waiting = self.retry_pending_portal_revocations().await?;
        let connections = self.deps.store.connections().await?;
        let pending: Vec<&ConnectionRow> =
            connections.iter().filter(|k| k.status == ConnectionState::RevocationPending).collect();
        if pending.is_empty() {
            return Ok(portals_waiting);
        }
        let mut jobs: Vec<SendFuture<'_, Result<()>>> = Vec::with_capacity(pending.len());
        for connection in pending {
            jobs.push(Box::pin(self.revoke_at_hospital(connection)));
        }
        let mut outcomes = futures_util::stream::iter(jobs).buffer_unordered(self.deps.fan_out.concurrency.max(1));
        let mut failed = 0;
        while let Some(outcome) = outcomes.next().await {
            failed += usize::from(outcome.is_err());
        }
        self.sweep_keychain().await;
        Ok(failed + portals_waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_fire_at_30_and_7_days_and_at_expiry() {
        let exp = 1_900_000_000;
        assert_eq!(expiry_warning(exp, exp - 31 * DAY), None);
        assert!(expiry_warning(exp, exp - 30 * DAY).unwrap().starts_with("Ends within 30 days"));
        assert!(expiry_warning(exp, exp - 7 * DAY).unwrap().starts_with("Ends within a week"));
        assert!(expiry_warning(exp, exp).unwrap().starts_with("Ended on"));
        assert_eq!(time_status(exp, exp - 40 * DAY), GrantStatus::Active);
        assert_eq!(time_status(exp, exp - 3 * DAY), GrantStatus::Expiring);
        assert_eq!(time_status(exp, exp + 1), GrantStatus::Expired);
    }
}
