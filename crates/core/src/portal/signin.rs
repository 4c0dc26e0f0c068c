//! Signing in at a hospital's patient portal: the SMART standalone launch in the person's browser (through
//! [`crate::oauth`]: PKCE S256, `state`, RFC 9207 `iss` where promised, the one-time loopback redirect, `aud` = the
//! hospital's FHIR base), the code exchanged for tokens, the token's patient read from the hospital and filed under
//! the person Tessera knows by that name and birth date — or, once the user confirms, a new person. A sign-in that
//! cannot be kept (another patient than the one asked for, no refresh token, declined) leaves nothing live: its
//! refresh token is revoked at the hospital (RFC 7009, where offered) and nothing is stored.
//!
//! Tessera's client at a portal: one configured in `portal-clients.json`, else an earlier registration (unless a
//! read found it refused, `hospital.client_rejected`), else RFC 7591; `portal.no_client` when none is possible. A
//! token that may not read its own Patient (withheld at the consent screen) is `portal.patient_not_shared`. A
//! person known only through portals gets a random `pp-` id, so neither the index nor the log says anything about
//! them. A patient nobody matches waits in memory for the user's answer for ten minutes (`CONFIRM_WITHIN`); a
//! sign-in cancelled, found past that time (at the next confirm or cancel), or waiting when the wallet locks is
//! revoked at the hospital. Cancel races only the browser wait: once a code is back, the sign-in is finished or
//! revoked. A connection replacing an earlier one for the same hospital and person sets the earlier token aside as
//! a pending revocation, keeps the new one, then revokes the earlier.

use crate::base::http::Party;
use crate::base::ids::host_of;
use crate::hospitals::exchange::{self, Exchange, HospitalEndpoints, Redemption};
use crate::oauth::{self, Browser};
use crate::portal::clients::{PortalClient, PortalClients};
use crate::portal::matching::{self, Match};
use crate::portal::secret::PortalSecret;
use crate::portal::waiting::Pending;
use crate::portal::{self as portal, PortalOffer};
use crate::store::{ActivityKind, ConnectionState, HospitalRow, HospitalSource, PortalRow};
use crate::ticket::NamedPerson;
use crate::vault::identity::Identity;
use crate::wallet::Wallet;
use crate::{Error, ErrorCode, Random, Result, Sensitive};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// How long a sign-in waits for the user to confirm a new person (seconds).
const CONFIRM_WITHIN: i64 = 600;

/// What a portal sign-in is for.
#[derive(Debug, Clone, Copy, Default)]
pub struct PortalRequest<'a> {
    /// The person it is for (their id): a portal patient who is someone else Tessera knows is refused; one nobody
    /// matches is a new person once confirmed. `None`: whoever the portal's patient is, matched by name and birth
    /// date.
    pub person: Option<&'a str>,
    /// Add the portal's patient as a new person when nobody Tessera knows matches (the user said so beforehand).
    pub add_new_person: bool,
    /// An account to suggest on the portal's login page (`login_hint`).
    pub login_hint: Option<&'a str>,
}

/// How a portal sign-in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PortalSignInStatus {
    /// Kept: the connection is filed under its person and read with every connect.
    Connected,
    /// The portal's patient is someone Tessera does not know: confirm to add them (or cancel).
    NeedsConfirmation,
}

/// A portal sign-in's outcome, as people see it (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PortalSignIn {
    /// Where it stands.
    pub status: PortalSignInStatus,
    /// The connection's grant id (`p-…`, for `tessera revoke`); while waiting for confirmation, the id to confirm or
    /// cancel.
    pub id: String,
    /// The hospital's name.
    pub hospital: String,
    /// Its FHIR base URL.
    pub fhir_base_url: String,
    /// The person it is filed under (their id), once connected.
    pub person: Option<String>,
    /// The portal's patient, "Harold Washington".
    pub patient: String,
    /// Their birth date in words, "14 Sep 1946".
    pub born: Option<String>,
    /// Whether the sign-in added a new person.
    pub new_person: bool,
}

/// The hospital's endpoints for a portal's token requests (a sign-in's offer, or a kept connection's row, says them).
pub(crate) fn token_endpoints(fhir_base_url: &str, token: &str, revoke: Option<&str>) -> HospitalEndpoints {
    HospitalEndpoints {
        fhir_base_url: fhir_base_url.to_string(),
        token: token.to_string(),
        register: None,
        revoke: revoke.map(String::from),
        authorize: None,
        ticket_types: Vec::new(),
        trust_frameworks: Vec::new(),
    }
}

/// What the portal's redirect or token endpoint refused, in the portal's words (the shared OAuth client speaks of
/// a broker's sign-in).
fn as_portal(error: Error) -> Error {
    let detail = error.detail().unwrap_or_default().to_string();
    match error.code() {
        ErrorCode::BrokerDenied | ErrorCode::HospitalNothingShared | ErrorCode::HospitalRejected => {
            Error::new(ErrorCode::PortalDenied).with_detail(detail)
        }
        ErrorCode::BrokerInvalid => Error::new(ErrorCode::HospitalInvalidResponse).with_detail(detail),
        _ => error,
    }
}

/// "Harold Washington" and "14 Sep 1946".
fn in_words(named: &NamedPerson) -> (String, Option<String>) {
    (named.full_name(), named.birth_date.as_deref().map(crate::words::describe::iso_date_words))
}

/// A new id for a person Tessera knows only through portals: random, so that neither the index nor the activity log
/// says anything about their name or birth date (a later sign-in at another hospital finds them again by matching
/// the name and birth date the keychain keeps, never by the id).
fn new_person_id(random: &dyn Random) -> String {
    format!("pp-{}", random.token(12))
}

impl Wallet {
    /// Signs in at the patient portal of the hospital at `url` through `browser`, and files the connection under
    /// the person the portal's patient is (see [`PortalRequest`]). A patient nobody matches is kept only after
    /// the user confirms ([`Wallet::confirm_portal_person`]), unless the request says to add them.
    pub async fn portal_sign_in(
        &self,
        url: &str,
        request: PortalRequest<'_>,
        browser: &Browser,
    ) -> Result<PortalSignIn> {
        self.portal_sign_in_cancellable(url, request, browser, std::future::pending()).await
    }

    /// [`Wallet::portal_sign_in`] that the person can cancel: `cancelled` (once it completes) ends the wait for the
    /// browser with `signin.cancelled`. Only that wait: once the portal's code is back, the sign-in is finished —
    /// kept, or its token revoked — whatever `cancelled` says, so that no token is ever left live at the hospital.
    pub async fn portal_sign_in_cancellable(
        &self,
        url: &str,
        request: PortalRequest<'_>,
        browser: &Browser,
        cancelled: impl std::future::Future<Output = ()> + Send,
    ) -> Result<PortalSignIn> {
        let base = crate::base::http::normalise_base(url)?;
        let result = self.portal_sign_in_inner(&base, request, browser, cancelled).await;
        let outcome = result.as_ref().map(|_| ()).map_err(|e| e.code());
        let grant = result.as_ref().ok().filter(|s| s.status == PortalSignInStatus::Connected).map(|s| s.id.as_str());
        let detail = result.as_ref().err().and_then(|e| e.detail()).map(String::from);
        self.log(ActivityKind::PortalSignIn, Some(&base), grant, outcome, detail).await;
        result
    }

    async fn portal_sign_in_inner(
        &self,
        base: &str,
        request: PortalRequest<'_>,
        browser: &Browser,
        cancelled: impl std::future::Future<Output = ()> + Send,
    ) -> Result<PortalSignIn> {
        let identity = self.identity().await?;
        if let Some(person) = request.person {
            if !self.people().await?.iter().any(|p| p.id == person) {
                return Err(Error::new(ErrorCode::InvalidInput)
                    .with_message("Tessera knows no one with that id.")
                    .with_action("Choose one of the people Tessera lists."));
            }
        }
        let (config, _) = exchange::fetch_configuration(&self.deps.http, base).await?;
        let offer = portal::offer(base, &config).ok_or_else(|| Error::new(ErrorCode::PortalUnavailable))?;
        let hospital = match self.deps.store.hospital_names().await?.remove(base) {
            Some(name) => name,
            None => exchange::name_of(&self.deps.http, base, &config).await.unwrap_or_else(|| host_of(base)),
        };
        let client = self.portal_client(&offer, &identity).await?;
        let server = oauth::AuthorizationServer { issuer: &offer.issuer, iss_required: offer.iss_required };
        let extra: Vec<(&str, &str)> = request.login_hint.map(|hint| ("login_hint", hint)).into_iter().collect();
        let scope = portal::scope();
        let authorizing = oauth::authorize(
            &offer.authorize,
            server,
            &client.id,
            &scope,
            base,
            &extra,
            browser,
            self.deps.random.as_ref(),
        );
        // Cancelling races the browser only: no code, nothing issued. Past this point the sign-in runs to its end.
        let grant = tokio::select! {
            grant = authorizing => grant.map_err(as_portal)?,
            () = cancelled => return Err(Error::new(ErrorCode::SigninCancelled)),
        };
        let auth = client.auth(&identity, self.deps.clock.as_ref(), self.deps.random.as_ref());
        let endpoints = token_endpoints(&offer.fhir_base_url, &offer.token, offer.revoke.as_deref());
        let redemption = match exchange::token_request(&self.deps.http, &endpoints, &auth, &grant).await {
            Ok(Exchange::Token(redemption)) => redemption,
            Ok(Exchange::Interaction(_)) => {
                return Err(Error::new(ErrorCode::HospitalInvalidResponse).with_detail("interaction_required"))
            }
            Err(error) => return Err(as_portal(error)),
        };
        let Some(refresh) = redemption.refresh_token.clone() else {
            self.revoke_portal_token(&identity, &offer, &client, &redemption.access_token, "access_token").await;
            return Err(Error::new(ErrorCode::PortalOfflineRefused));
        };
        // From here on a failure leaves nothing live at the hospital.
        let kept = async {
            let (named, gender) = self.portal_patient(base, &redemption).await?;
            let pending = Pending {
                identity: identity.clone(),
                offer: offer.clone(),
                hospital: hospital.clone(),
                client: client.clone(),
                refresh: refresh.clone(),
                granted: granted_scope(&redemption),
                patient: redemption.patient()?.to_string(),
                named,
                gender,
                expires_at: self.deps.clock.unix_now().saturating_add(CONFIRM_WITHIN),
            };
            self.file_portal(pending, request).await
        };
        match kept.await {
            Ok(signed_in) => Ok(signed_in),
            Err(error) => {
                self.revoke_portal_token(&identity, &offer, &client, &refresh, "refresh_token").await;
                Err(error)
            }
        }
    }

    /// Files a sign-in under its person: the one the patient's name and birth date match — who must be the one asked
    /// for, when one was — or, for a patient nobody matches, a new person once the user confirms.
    async fn file_portal(&self, pending: Pending, request: PortalRequest<'_>) -> Result<PortalSignIn> {
        let people = self.people().await?;
        let matched = match request.person {
            Some(id) if people.iter().any(|p| p.id == id && matching::is_person(&pending.named, p)) => {
                Match::Person(id.to_string())
            }
            _ => matching::match_person(&pending.named, &people),
        };
        let person = match matched {
            Match::Person(id) if request.person.is_none_or(|asked| asked == id) => id,
            Match::Person(_) | Match::Several if request.person.is_some() => {
                let asked = people.iter().find(|p| Some(p.id.as_str()) == request.person);
                let name = asked.map(|p| p.name.clone()).unwrap_or_default();
                return Err(Error::new(ErrorCode::PortalOtherPatient).with_message(format!(
                    "The patient chosen at {} portal is not {name}; nothing was kept.",
                    portal::possessive(&pending.hospital)
                )));
            }
            Match::Person(_) | Match::Several => return Err(Error::new(ErrorCode::PortalAmbiguousPerson)),
            Match::Nobody if request.add_new_person => new_person_id(self.deps.random.as_ref()),
            Match::Nobody => {
                let id = format!("pending-{}", self.deps.random.token(12));
                let (patient, born) = in_words(&pending.named);
                let waiting = PortalSignIn {
                    status: PortalSignInStatus::NeedsConfirmation,
                    id: id.clone(),
                    hospital: pending.hospital.clone(),
                    fhir_base_url: pending.offer.fhir_base_url.clone(),
                    person: None,
                    patient,
                    born,
                    new_person: true,
                };
                self.session.waiting.insert(id, pending);
                return Ok(waiting);
            }
        };
        let new_person = !people.iter().any(|p| p.id == person);
        self.keep_portal(pending, person, new_person).await
    }

    /// Adds the portal's patient of a sign-in waiting for confirmation as a new person, and keeps the connection.
    pub async fn confirm_portal_person(&self, id: &str) -> Result<PortalSignIn> {
        let (found, expired) = self.session.waiting.take(id, self.deps.clock.unix_now());
        self.give_up(expired).await;
        let pending = found.ok_or_else(|| Error::new(ErrorCode::PortalExpired))?;
        let (identity, offer) = (pending.identity.clone(), pending.offer.clone());
        let (client, refresh) = (pending.client.clone(), pending.refresh.clone());
        let person = new_person_id(self.deps.random.as_ref());
        match self.keep_portal(pending, person, true).await {
            Ok(kept) => {
                self.log(ActivityKind::PortalSignIn, Some(&kept.fhir_base_url), Some(&kept.id), Ok(()), None).await;
                Ok(kept)
            }
            Err(error) => {
                self.revoke_portal_token(&identity, &offer, &client, &refresh, "refresh_token").await;
                Err(error)
            }
        }
    }

    /// Gives up a sign-in waiting for confirmation: its refresh token is revoked at the hospital, nothing is kept.
    pub async fn cancel_portal_sign_in(&self, id: &str) -> Result<()> {
        let (found, expired) = self.session.waiting.take(id, self.deps.clock.unix_now());
        self.give_up(found.into_iter().chain(expired).collect()).await;
        Ok(())
    }

    /// Revokes the tokens of sign-ins given up (cancelled, expired, or the wallet locking: their tokens, held in
    /// memory only, would otherwise be dropped while live at the hospital) and logs each. Each sign-in carries the
    /// key it was made with, so this works after the session ended.
    pub(crate) async fn give_up(&self, given_up: Vec<Pending>) {
        for pending in given_up {
            let Pending { identity, offer, client, refresh, .. } = &pending;
            self.revoke_portal_token(identity, offer, client, refresh, "refresh_token").await;
            let cancelled = Err(ErrorCode::SigninCancelled);
            self.log(ActivityKind::PortalSignIn, Some(&pending.offer.fhir_base_url), None, cancelled, None).await;
        }
    }

    /// Keeps a portal connection: its secret in the keychain and its row in the index, in one commit, under the
    /// connection's lock. An earlier connection to the same hospital for the same person is replaced: its token is
    /// first set aside under an id of its own, waiting for its revocation (so that a crash or a hospital that does
    /// not answer never loses it), the new one is kept, and only then is the earlier one revoked there — when that
    /// fails, it stays a pending revocation, retried like every other ([`Wallet::retry_pending_portal_revocations`]).
    async fn keep_portal(&self, pending: Pending, person: String, new_person: bool) -> Result<PortalSignIn> {
        let base = pending.offer.fhir_base_url.clone();
        let id = portal::connection_id(&base, &person);
        let now = self.deps.clock.unix_now();
        let _one_at_a_time = self.connection_locks.lock_for(&id).lock_owned().await;
        let earlier = self
            .deps
            .store
            .portal_connections()
            .await?
            .into_iter()
            .find(|r| r.id == id && r.status != ConnectionState::Revoked);
        let retired = match earlier {
            Some(earlier) => self.retire_portal(earlier, &pending.hospital).await?,
            None => None,
        };
        let row = PortalRow {
            id: id.clone(),
            fhir_base_url: base.clone(),
            person_ref: portal::person_ref(&person),
            vault_item: portal::secret_item(&id),
            issuer: pending.offer.issuer.clone(),
            client_id: pending.client.id.clone(),
            public_client: pending.client.public,
            token_endpoint: pending.offer.token.clone(),
            revocation_endpoint: pending.offer.revoke.clone(),
            management_endpoint: pending.offer.manage.clone(),
            status: ConnectionState::Connected,
            error_code: None,
            granted_scope: Some(pending.granted.clone()),
            created_at: now,
            last_used: now,
        };
        let secret = PortalSecret {
            refresh_token: pending.refresh.clone(),
            patient: pending.patient.clone(),
            person: person.clone(),
            named: pending.named.clone(),
            gender: pending.gender.clone(),
        };
        let (patient, born) = in_words(&pending.named);
        let label = portal::secret_label(&patient, &pending.hospital);
        self.deps.store.put_portal(&self.deps.vault, &row, &label, &secret.encode()).await?;
        if !self.deps.store.hospital_names().await?.contains_key(&base) {
            let directory = HospitalRow::new(base.clone(), pending.hospital.clone(), HospitalSource::Manual);
            self.deps.store.save_hospital(&directory, &[], now).await?;
        }
        if let Some(retired) = retired {
            self.end_retired(&retired).await;
        }
        Ok(PortalSignIn {
            status: PortalSignInStatus::Connected,
            id,
            hospital: pending.hospital,
            fhir_base_url: base,
            person: Some(person),
            patient,
            born,
            new_person,
        })
    }

    /// Sets an earlier connection's token aside: the same row and secret under an id of its own
    /// (`<id>-<random>`), its revocation pending. `None` when it has no token left.
    async fn retire_portal(&self, earlier: PortalRow, hospital: &str) -> Result<Option<PortalRow>> {
        let raw = match self.deps.store.get_secret(&self.deps.vault, &earlier.vault_item).await {
            Ok(raw) => raw,
            Err(e) if e.code() == ErrorCode::VaultItemMissing => return Ok(None),
            Err(e) => return Err(e),
        };
        let patient = PortalSecret::decode(&raw).map(|s| s.named.full_name()).unwrap_or_default();
        let id = format!("{}-{}", earlier.id, self.deps.random.token(6));
        let retired = PortalRow {
            vault_item: portal::secret_item(&id),
            id,
            status: ConnectionState::RevocationPending,
            error_code: None,
            ..earlier
        };
        let label = format!("{} — being ended", portal::secret_label(&patient, hospital));
        self.deps.store.put_portal(&self.deps.vault, &retired, &label, &raw).await?;
        Ok(Some(retired))
    }

    /// Revokes a set-aside earlier connection at its hospital and forgets it; when the hospital does not answer, it
    /// stays pending (a failure here never undoes the new connection already kept).
    async fn end_retired(&self, retired: &PortalRow) {
        let _one_at_a_time = self.connection_locks.lock_for(&retired.id).lock_owned().await;
        let ended = async {
            self.end_portal_at_hospital(retired).await?;
            self.forget_portal(retired).await
        };
        match ended.await {
            Ok(()) => self.sweep_keychain().await,
            Err(error) => tracing::warn!(code = %error.code(), "a replaced portal connection waits for its revocation"),
        }
    }

    /// Tessera's client at a portal: one configured in `portal-clients.json` for the hospital or its issuer, else
    /// the one Tessera registered there before — unless the hospital has since refused it (`invalid_client`, kept as
    /// a connection's `hospital.client_rejected`: the hospital forgot it, and a sign-in with it would end at the
    /// portal's "unknown app" page) —, else a new RFC 7591 registration of the install's key (code and refresh grants
    /// only); `portal.no_client` when none of these is possible.
    async fn portal_client(&self, offer: &PortalOffer, identity: &Identity) -> Result<PortalClient> {
        let configured = PortalClients::load(self.deps.profile.dir())?;
        if let Some(client) = configured.for_hospital(&offer.fhir_base_url, &offer.issuer) {
            return Ok(PortalClient { id: client.client_id.clone(), public: !client.private_key_jwt });
        }
        let rows: Vec<PortalRow> = self
            .deps
            .store
            .portal_connections()
            .await?
            .into_iter()
            .filter(|r| r.fhir_base_url == offer.fhir_base_url && r.issuer == offer.issuer && !r.public_client)
            .collect();
        let rejected = Some(ErrorCode::HospitalClientRejected);
        let forgotten = |id: &str| rows.iter().any(|r| r.client_id == id && r.error_code == rejected);
        let registered = rows.iter().rev().find(|r| !forgotten(&r.client_id)).cloned();
        if let Some(row) = registered {
            return Ok(PortalClient { id: row.client_id, public: false });
        }
        match (&offer.register, offer.private_key_jwt) {
            (Some(endpoint), true) => {
                let grants = ["authorization_code", "refresh_token"];
                let id =
                    oauth::registration::register_for(&self.deps.http, endpoint, identity, Party::Hospital, &grants)
                        .await?;
                Ok(PortalClient { id, public: false })
            }
            _ => Err(Error::new(ErrorCode::PortalNoClient)),
        }
    }

    /// The token's patient as the hospital names them: its Patient resource, read with the new access token;
    /// `portal.patient_not_shared` when the token may not read it (the person withheld it at the portal).
    async fn portal_patient(&self, base: &str, redemption: &Redemption) -> Result<(NamedPerson, Option<String>)> {
        let patient = redemption.patient()?;
        let url = format!("{base}/Patient/{patient}");
        let answer = self.deps.http.get(Party::Hospital, &url, Some(redemption.access_token.expose())).await?;
        if matches!(answer.status, 401 | 403) {
            // The person unticked the patient's demographics at the portal's consent screen.
            return Err(Error::new(ErrorCode::PortalPatientNotShared)
                .with_detail(format!("the token's Patient: HTTP {}", answer.status)));
        }
        let json = &answer.json;
        let is_patient = json.get("resourceType").and_then(Value::as_str) == Some("Patient")
            && json.get("id").and_then(Value::as_str) == Some(patient);
        if answer.status != 200 || !is_patient {
            return Err(Error::new(ErrorCode::HospitalInvalidResponse)
                .with_detail(format!("the token's Patient: HTTP {}, not that Patient", answer.status)));
        }
        let gender = json.get("gender").and_then(Value::as_str).filter(|g| g.len() <= 16).map(String::from);
        Ok((NamedPerson::of_resource(json), gender))
    }

    /// Revokes `token` at the portal (RFC 7009) when the hospital offers it; a failure is logged, not raised (the
    /// caller is already giving up).
    pub(crate) async fn revoke_portal_token(
        &self,
        identity: &Identity,
        offer: &PortalOffer,
        client: &PortalClient,
        token: &Sensitive<String>,
        hint: &str,
    ) {
        let Some(endpoint) = &offer.revoke else { return };
        let auth = client.auth(identity, self.deps.clock.as_ref(), self.deps.random.as_ref());
        if let Err(error) = oauth::revoke_token(&self.deps.http, Party::Hospital, endpoint, token, hint, &auth).await {
            tracing::warn!(code = %error.code(), "a portal token was not revoked");
        }
    }
}

/// The scope the hospital granted: its answer's (what the token allows, see [`exchange::sane_scope`]), else the
/// scope asked for.
fn granted_scope(redemption: &Redemption) -> String {
    let granted = exchange::sane_scope(&redemption.scope);
    if granted.is_empty() {
        portal::scope()
    } else {
        granted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_known_only_through_portals_has_an_id_that_says_nothing_about_them() {
        let random = crate::OsRandom;
        let (first, second) = (new_person_id(&random), new_person_id(&random));
        assert!(first.starts_with("pp-") && second.starts_with("pp-"));
        assert_ne!(first, second, "random, not a function of anything about the person");
        let guess = format!("pp-{}", crate::base::ids::short_hash(&["harold washington", "1946-09-14"]));
        assert_ne!(first, guess);
    }

    #[test]
    fn the_shared_sign_ins_refusals_are_said_in_the_portals_words() {
        let refused = as_portal(Error::new(ErrorCode::BrokerDenied).with_detail("access_denied"));
        assert_eq!((refused.code(), refused.detail()), (ErrorCode::PortalDenied, Some("access_denied")));
        assert_eq!(as_portal(Error::new(ErrorCode::BrokerInvalid)).code(), ErrorCode::HospitalInvalidResponse);
        assert_eq!(as_portal(Error::new(ErrorCode::SigninIssuerMismatch)).code(), ErrorCode::SigninIssuerMismatch);
    }
}
