//! Signing in with a trust broker and keeping what it issues: the Proposal 003 round trip, verification of every
//! ticket before anything is kept, and re-minting through the broker's refresh token.
//!
//! The sign-in adds `prompt=consent`: an OpenID Provider honours `offline_access` only then. Before anything is
//! kept, every ticket must come from the broker's issuer, verify against its JWK Set (cached in the session;
//! fetched again once for an unknown `kid`) and, when key-bound, name this install's thumbprint. A ticket is
//! re-minted at 80 % of its life; a continuation ticket only once it has expired and some hospital it is meant for
//! holds no continuation refresh token yet. A re-mint keeps the rotated refresh token before it checks the new
//! tickets: the broker has spent the old one. The broker's access token, for its grant management, is kept in
//! memory until shortly before it expires (at most a day) and cleared by `lock`, so listing and revoking grants do not
//! re-mint tickets each time.

use crate::base::http::Party;
use crate::base::ids::{broker_refresh_item, connection_refresh_item, host_of, short_hash};
use crate::broker::{self, SignIn};
use crate::oauth::{self, Browser, Grant};
use crate::store::{
    ActivityKind, BrokerRow, HospitalFacts, HospitalRow, HospitalSource, SecretKind, TicketRow, VaultItem,
};
use crate::ticket::Ticket;
use crate::view::{serves, HeldTicket, LoginSummary};
use crate::wallet::Wallet;
use crate::{Error, ErrorCode, Result, Sensitive};
use serde_json::Value;

impl Wallet {
    /// Signs in with a trust broker: discovery, registration, the browser round trip, then tickets and hints are
    /// verified and kept (tickets and the refresh token in the keychain, the rest in the store).
    pub async fn login(&self, broker_url: &str, browser: &Browser, login_hint: Option<&str>) -> Result<LoginSummary> {
        // The address as the person typed it: `broker.example.org` means https.
        let broker_url = &crate::base::http::typed_address(broker_url)?;
        let result = self.login_inner(broker_url, browser, login_hint).await;
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.code());
        self.log(ActivityKind::SignIn, None, None, outcome, Some(host_of(broker_url))).await;
        result
    }

    async fn login_inner(&self, broker_url: &str, browser: &Browser, login_hint: Option<&str>) -> Result<LoginSummary> {
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        let endpoints = broker::discover(&self.deps.http, broker_url).await?;
        let client_id = oauth::register(&self.deps.http, &endpoints.register, identity, Party::Broker).await?;
        // OpenID Connect Core §11: an OpenID Provider honours `offline_access` (the refresh token that re-mints
        // tickets) only when the request prompts for consent.
        let mut extra = vec![("prompt", "consent")];
        extra.extend(login_hint.map(|hint| ("login_hint", hint)));
        let server = oauth::AuthorizationServer { issuer: &endpoints.issuer, iss_required: endpoints.iss_required };
        let grant = oauth::authorize(
            &endpoints.authorize,
            server,
            &client_id,
            broker::LOGIN_SCOPE,
            &endpoints.issuer,
            &extra,
            browser,
            self.deps.random.as_ref(),
        )
        .await?;
        let auth = identity.as_client(&client_id, self.deps.clock.as_ref(), self.deps.random.as_ref());
        let sign_in = broker::token_request(&self.deps.http, &endpoints.token, &auth, &grant).await?;
        self.remember_broker_access(&endpoints.issuer, &sign_in);
        let row = BrokerRow {
            url: endpoints.issuer.clone(),
            client_id,
            token_endpoint: endpoints.token.clone(),
            revocation_endpoint: endpoints.revoke.clone(),
            management_endpoint: endpoints.management.clone(),
            name: endpoints.name.clone(),
        };
        let held = self.keep(&endpoints.issuer, sign_in).await?;
        self.deps.store.save_broker(&row, self.deps.clock.unix_now()).await?;
        let hospitals = self.deps.store.hospitals().await?.len() as u32;
        let connections = self.deps.store.connections().await?;
        let mut tickets = Vec::new();
        for ticket in &held {
            tickets.push(self.view(ticket, &connections).await?);
        }
        Ok(LoginSummary { broker: endpoints.issuer, tickets, hospitals })
    }

    /// Verifies and stores what a broker's token endpoint returned: the tickets are checked first, so a bad answer
    /// at sign-in leaves no trace (a re-mint keeps the rotated refresh token before this, see
    /// [`Wallet::broker_session`]).
    pub(crate) async fn keep(&self, issuer: &str, sign_in: SignIn) -> Result<Vec<HeldTicket>> {
        let now = self.deps.clock.unix_now();
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        // Everything is checked before anything is kept: a bad answer leaves no trace.
        let mut checked = Vec::new();
        for raw in sign_in.tickets {
            let ticket = Ticket::parse(raw)?;
            if ticket.claims.iss.trim_end_matches('/') != issuer {
                return Err(Error::new(ErrorCode::BrokerInvalid).with_detail("ticket from another issuer"));
            }
            self.verify(&ticket).await?;
            if ticket.claims.jkt.as_deref().is_some_and(|jkt| jkt != identity.thumbprint()) {
                return Err(Error::new(ErrorCode::TicketUnsupported)
                    .with_message("A ticket was bound to another device.")
                    .with_detail("jkt mismatch"));
            }
            checked.push(ticket);
        }
        let broker_host = host_of(issuer);
        if let Some(refresh) = &sign_in.refresh_token {
            self.keep_broker_refresh(issuer, refresh).await?;
        }
        let mut held = Vec::new();
        for ticket in checked {
            let c = &ticket.claims;
            // One id per grant, kept across re-mints; an issuer's "one ticket per hospital" gives each its own.
            let requester = c.requester.as_ref().map(|r| r.full_name()).unwrap_or_default();
            let reach = c.reach();
            let mut parts =
                vec![&c.iss[..], &c.patient_key, &c.ticket_type, c.authority.as_deref().unwrap_or(""), &requester];
            if !reach.is_empty() {
                parts.push(&reach);
            }
            let id = format!("t-{}", short_hash(&parts));
            let label = format!("Tessera — ticket for {} from {broker_host}", c.patient.full_name());
            let row = TicketRow {
                id: id.clone(),
                broker_url: issuer.to_string(),
                vault_item: format!("ticket/{id}"),
                person_ref: short_hash(&[&c.iss, &c.patient_key]),
                expires_at: c.exp,
                received_at: now,
            };
            self.deps
                .store
                .put_ticket(&self.deps.vault, &row, &label, &Sensitive::new(ticket.raw().expose().clone()))
                .await?;
            self.log(ActivityKind::TicketReceived, None, Some(&id), Ok(()), None).await;
            let ticket = HeldTicket { id, ticket };
            let ends = self.grant_end(&ticket).await?;
            self.note_ticket_facts(&ticket, ends, None).await?;
            held.push(ticket);
        }
        for hint in &sign_in.hints {
            let Some(url) = hint
                .get("fhir_base_url")
                .and_then(Value::as_str)
                .and_then(|u| crate::base::http::normalise_base(u).ok())
            else {
                continue;
            };
            let name = hint
                .pointer("/organization/name")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| host_of(&url));
            let row = HospitalRow {
                fhir_base_url: url,
                name,
                source: HospitalSource::Hint,
                facts: HospitalFacts::of_organization(hint.get("organization")),
            };
            let indices: Vec<usize> = match hint.get("ticket_indices").and_then(Value::as_array) {
                Some(list) => list.iter().filter_map(Value::as_u64).filter_map(|i| usize::try_from(i).ok()).collect(),
                None => (0..held.len()).filter(|i| held[*i].ticket.usable_at(&row.fhir_base_url)).collect(),
            };
            let ids: Vec<String> = indices.iter().filter_map(|i| held.get(*i)).map(|h| h.id.clone()).collect();
            self.deps.store.save_hospital(&row, &ids, now).await?;
        }
        Ok(held)
    }

    /// Keeps a broker's refresh token in the keychain (replacing the one before it).
    async fn keep_broker_refresh(&self, issuer: &str, refresh: &Sensitive<String>) -> Result<()> {
        let item = broker_refresh_item(issuer);
        let label = format!("Tessera — sign-in with {} (refresh token)", host_of(issuer));
        let item = VaultItem { id: &item, kind: SecretKind::BrokerRefresh, label: &label };
        self.deps.store.put_secret(&self.deps.vault, item, refresh, self.deps.clock.unix_now()).await
    }

    /// Verifies a ticket's signature against its issuer's JWKS (cached; re-fetched once for an unknown `kid`).
    async fn verify(&self, ticket: &Ticket) -> Result<()> {
        let issuer = ticket.claims.iss.trim_end_matches('/').to_string();
        let cached = self.session.jwks.lock().unwrap_or_else(|p| p.into_inner()).get(&issuer).cloned();
        if let Some(jwks) = cached {
            match ticket.verify(&jwks) {
                Err(e) if e.code() == ErrorCode::TicketUnknownKey => {}
                other => return other,
            }
        }
        let answer = self.deps.http.get(Party::Broker, &format!("{issuer}/.well-known/jwks.json"), None).await?;
        let keys = answer.json.get("keys").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
        if answer.status != 200 || keys == 0 || keys > 100 {
            return Err(
                Error::new(ErrorCode::BrokerInvalid).with_detail(format!("JWKS: HTTP {}, {keys} keys", answer.status))
            );
        }
        self.session.jwks.lock().unwrap_or_else(|p| p.into_inner()).insert(issuer, answer.json.clone());
        ticket.verify(&answer.json)
    }

    /// Whether a ticket should be re-minted now: at 80 % of its life; for a ticket with `continuation`, only once it
    /// has expired and some hospital it is meant for holds no continuation refresh token (a hospital not reached
    /// yet can only be reached with a fresh ticket).
    async fn remint_due(&self, held: &HeldTicket, links: &[(HospitalRow, Vec<String>)]) -> Result<bool> {
        let claims = &held.ticket.claims;
        let now = self.deps.clock.unix_now();
        if claims.continuation.is_none() {
            return Ok(now >= remint_at(claims.iat, claims.exp));
        }
        if held.ticket.check_times(now).is_ok() {
            return Ok(false);
        }
        for (row, _) in links.iter().filter(|(row, linked)| serves(held, row, linked)) {
            if !self.deps.store.has_secret(&connection_refresh_item(&row.fhir_base_url, &held.id)).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Re-mints tickets through each broker's refresh token (rotating it) when any of its tickets is due.
    /// Returns how many tickets were received. A broker that refuses is logged; the old tickets stay.
    pub async fn remint_due_tickets(&self) -> Result<usize> {
        let held = self.held_tickets().await?;
        let links = self.deps.store.hospitals().await?;
        let mut received = 0;
        for broker in self.deps.store.brokers().await? {
            let mut due = false;
            for ticket in held.iter().filter(|t| t.ticket.claims.iss.trim_end_matches('/') == broker.url) {
                due |= self.remint_due(ticket, &links).await?;
            }
            if !due {
                continue;
            }
            match self.broker_session(&broker).await {
                Ok(Some((_, tickets))) => received += tickets.len(),
                Ok(None) => {}
                Err(error) => {
                    self.log(ActivityKind::Refresh, None, None, Err(error.code()), Some(host_of(&broker.url))).await
                }
            }
        }
        Ok(received)
    }

    /// Keeps a broker's access token in memory until shortly before it expires.
    fn remember_broker_access(&self, issuer: &str, sign_in: &SignIn) {
        let expires_at = expires_at(self.deps.clock.unix_now(), sign_in.expires_in);
        let mut tokens = self.session.broker_access.lock().unwrap_or_else(|p| p.into_inner());
        tokens.insert(issuer.to_string(), (sign_in.access_token.clone(), expires_at));
    }

    /// A live access token for the broker's grant management: the one in memory while it lasts a minute more, else
    /// a fresh one through [`Wallet::broker_session`]. `None` when there is no refresh token.
    pub(crate) async fn broker_access_token(&self, broker: &BrokerRow) -> Result<Option<Sensitive<String>>> {
        let now = self.deps.clock.unix_now();
        let cached = self.session.broker_access.lock().unwrap_or_else(|p| p.into_inner()).get(&broker.url).cloned();
        if let Some((token, _)) = cached.filter(|(_, expires_at)| *expires_at > now + 60) {
            return Ok(Some(token));
        }
        Ok(self.broker_session(broker).await?.map(|(token, _)| token))
    }

    /// Uses the broker's refresh token (rotating it): fresh tickets are verified and kept, and the broker's access
    /// token (for its grant management) is returned and remembered, in memory only. `None` when there is no refresh
    /// token.
    pub(crate) async fn broker_session(
        &self,
        broker: &BrokerRow,
    ) -> Result<Option<(Sensitive<String>, Vec<HeldTicket>)>> {
        let refresh = match self.deps.store.get_secret(&self.deps.vault, &broker_refresh_item(&broker.url)).await {
            Ok(refresh) => refresh,
            Err(e) if e.code() == ErrorCode::VaultItemMissing => return Ok(None),
            Err(e) => return Err(e),
        };
        let grant = Grant::RefreshToken(refresh);
        let identity = self.identity().await?;
        let identity = identity.as_ref();
        let auth = identity.as_client(&broker.client_id, self.deps.clock.as_ref(), self.deps.random.as_ref());
        let mut sign_in = broker::token_request(&self.deps.http, &broker.token_endpoint, &auth, &grant).await?;
        self.remember_broker_access(&broker.url, &sign_in);
        // The broker has spent the old refresh token: its successor is kept before anything else can fail (fetching
        // keys, checking tickets), so a failure or a crash there costs the tickets of this round, not the sign-in.
        if let Some(refresh) = sign_in.refresh_token.take() {
            self.keep_broker_refresh(&broker.url, &refresh).await?;
        }
        let access = sign_in.access_token.clone();
        let tickets = self.keep(&broker.url, sign_in).await?;
        let detail = match tickets.len() {
            0 => format!("{} renewed the sign-in but sent no ticket", host_of(&broker.url)),
            n => format!(
                "{} re-minted by {}",
                crate::status::plural(u32::try_from(n).unwrap_or(u32::MAX), "ticket", "tickets"),
                host_of(&broker.url)
            ),
        };
        self.log(ActivityKind::Refresh, None, None, Ok(()), Some(detail)).await;
        Ok(Some((access, tickets)))
    }
}

/// When a ticket issued at `iat` (its `exp` when absent) and ending at `exp` is re-minted: at 80 % of its life.
/// Both come from the network: any values, even absurd ones, give an answer without overflow.
fn remint_at(iat: Option<i64>, exp: i64) -> i64 {
    let issued = iat.unwrap_or(exp).min(exp);
    let life = exp.saturating_sub(issued);
    issued.saturating_add(life - life / 5)
}

/// The longest a broker access token is kept in memory, whatever `expires_in` says.
const MAX_BROKER_ACCESS_SECS: i64 = 24 * 3600;

/// When an access token that `expires_in` seconds from `now` expires, bounded to a day and never in the past of
/// `now` for a negative value (it is then already expired).
fn expires_at(now: i64, expires_in: i64) -> i64 {
    now.saturating_add(expires_in.clamp(0, MAX_BROKER_ACCESS_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_times_at_their_extremes_neither_overflow_nor_panic() {
        assert_eq!(remint_at(Some(1_000), 2_000), 1_800);
        assert_eq!(remint_at(None, 2_000), 2_000);
        for (iat, exp) in
            [(Some(i64::MIN), i64::MAX), (Some(i64::MAX), i64::MIN), (Some(0), i64::MAX), (None, i64::MIN)]
        {
            let at = remint_at(iat, exp);
            assert!(at <= exp.max(iat.unwrap_or(exp)), "{iat:?} {exp}: {at}");
        }
        assert_eq!(expires_at(100, 3_600), 3_700);
        assert_eq!(expires_at(100, i64::MAX), 100 + MAX_BROKER_ACCESS_SECS);
        assert_eq!(expires_at(100, i64::MIN), 100);
        assert_eq!(expires_at(i64::MAX, 3_600), i64::MAX);
    }
}
