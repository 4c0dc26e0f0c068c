//! A portal connection as a grant of its own kind ([`GrantKind::Portal`]): listed with the others, explained in
//! words ("Tessera can read Harold Washington's records at Emory through the hospital's patient portal until you
//! end it"), and ended with the same preview, live steps and receipt as every grant — its refresh token revoked at
//! the hospital (RFC 7009) where the hospital offers it, then deleted from the keychain; where it does not, the
//! token is forgotten here and the step says how to end the access at the portal itself.

use crate::base::http::Party;
use crate::base::ids::host_of;
use crate::grants::status::{GrantKind, GrantStatus, StepState};
use crate::grants::{GrantDetail, GrantUse, GrantView, RevocationStep};
use crate::oauth;
use crate::portal::clients::PortalClient;
use crate::portal::connections::PortalConnection;
use crate::portal::possessive;
use crate::portal::secret::PortalSecret;
use crate::records::{search_plan, RESOURCE_TYPES};
use crate::store::ConnectionState;
use crate::store::PortalRow;
use crate::wallet::Wallet;
use crate::words::describe::{date_words, resource_words};
use crate::{Error, ErrorCode, Result};

/// The words for how a portal connection stands.
fn state_words(row: &PortalRow) -> &'static str {
    match (row.status, row.error_code) {
        (ConnectionState::Connected, _) => "Connected through the patient portal",
        (ConnectionState::Failed, Some(ErrorCode::PortalEnded)) => {
            "Ended by the hospital: sign in at its patient portal again"
        }
        (ConnectionState::Failed, _) => "Could not connect at the last try",
        (ConnectionState::RevocationPending, _) => "Ending — waiting for the hospital to answer",
        (ConnectionState::Revoked, _) => "Ended",
        _ => "Closed",
    }
}

/// A portal connection's grant status.
fn status_of(row: &PortalRow) -> GrantStatus {
    match (row.status, row.error_code) {
        (ConnectionState::RevocationPending, _) => GrantStatus::RevocationPending,
        (ConnectionState::Revoked, _) => GrantStatus::Revoked,
        (ConnectionState::Failed, Some(ErrorCode::PortalEnded)) => GrantStatus::Expired,
        _ => GrantStatus::Active,
    }
}

impl Wallet {
    /// The hospital's name for a portal connection.
    async fn portal_hospital(&self, row: &PortalRow) -> String {
        let names = self.deps.store.hospital_names().await.unwrap_or_default();
        names.get(&row.fhir_base_url).cloned().unwrap_or_else(|| host_of(&row.fhir_base_url))
    }

    /// A portal connection as listed.
    async fn portal_view(&self, connection: &PortalConnection) -> GrantView {
        let row = &connection.row;
        let hospital = self.portal_hospital(row).await;
        let person = connection.secret.as_ref().map(|s| s.named.full_name()).unwrap_or_default();
        let whose = if person.is_empty() { "the patient".to_string() } else { person.clone() };
        let status = status_of(row);
        GrantView {
            id: row.id.clone(),
            kind: GrantKind::Portal,
            status,
            person,
            issuer: hospital.clone(),
            hospital: Some(hospital.clone()),
            expiry: None,
            summary: format!(
                "Tessera can read {} records at {hospital} through the hospital's patient portal until you end it",
                possessive(&whose)
            ),
            warning: (status == GrantStatus::Expired).then(|| state_words(row).to_string()),
        }
    }

    /// Every portal connection in force or being ended, as grants.
    pub(crate) async fn portal_grants(&self) -> Result<Vec<GrantView>> {
        let mut views = Vec::new();
        for connection in self.portal_connections(None, true).await? {
            views.push(self.portal_view(&connection).await);
        }
        Ok(views)
    }

    /// The portal connection `id` in full; `None` when `id` is not a portal connection.
    pub(crate) async fn portal_grant_detail(&self, id: &str) -> Result<Option<GrantDetail>> {
        let connections = self.portal_connections(None, true).await?;
        let Some(connection) = connections.iter().find(|c| c.row.id == id) else { return Ok(None) };
        let grant = self.portal_view(connection).await;
        let row = &connection.row;
        let granted = row.granted_scope.clone().unwrap_or_default();
        let read: Vec<&str> = search_plan(&granted).iter().map(|s| s.resource_type).collect();
        let mut not_read: Vec<String> = Vec::new();
        for (resource_type, _) in RESOURCE_TYPES {
            let words = resource_words(resource_type);
            if !read.contains(resource_type) && !not_read.contains(&words) {
                not_read.push(words);
            }
        }
        let not_shared = if not_read.is_empty() {
            Vec::new()
        } else {
            vec![format!("The hospital's portal does not share: {}.", not_read.join(", "))]
        };
        let hospital = grant.hospital.clone().unwrap_or_default();
        let where_to_end = match &row.management_endpoint {
            Some(page) => format!(" (its page for this: {page})"),
            None => String::new(),
        };
        let ends = match row.revocation_endpoint {
            Some(_) => "It lasts until you end it here (Tessera then asks the hospital to end it too), or until the \
                        hospital or the portal account ends it."
                .to_string(),
            None => format!(
                "It lasts until you end it. {hospital} offers no way for Tessera to end it there: ending it here \
                 forgets it, and you can also remove Tessera in {} patient portal{where_to_end}.",
                possessive(&hospital)
            ),
        };
        Ok(Some(GrantDetail {
            used: vec![GrantUse {
                hospital: hospital.clone(),
                state: state_words(row).to_string(),
                last_used: date_words(row.last_used),
                granted: crate::words::describe::granted_words(&granted),
            }],
            description: None,
            ends,
            not_shared,
            end_action: format!("End the portal connection to {hospital}"),
            grant,
        }))
    }

    /// The steps of ending the portal connection `id` (taken when `act`); `None` when `id` is not one. Taken, they
    /// run under the connection's lock: a read waiting for it then finds the connection ended, and one under way
    /// finishes (its rotated token kept) before the token is revoked.
    pub(crate) async fn revoke_portal(
        &self,
        id: &str,
        act: bool,
        report: &(dyn Fn(&RevocationStep) + Sync),
    ) -> Result<Option<Vec<RevocationStep>>> {
        let _one_at_a_time = if act { Some(self.connection_locks.lock_for(id).lock_owned().await) } else { None };
        let rows = self.deps.store.portal_connections().await?;
        let Some(row) = rows.into_iter().find(|r| r.id == id && r.status != ConnectionState::Revoked) else {
            return Ok(None);
        };
        let hospital = self.portal_hospital(&row).await;
        let mut steps = Vec::new();
        let mut ended_there = true;
        if row.revocation_endpoint.is_some() {
            let what = format!("Ask {hospital} to end Tessera's access through its patient portal (revoke it there)");
            let step = self.step(what, act, self.end_portal_at_hospital(&row), report).await;
            ended_there = step.state == StepState::Done;
            if act && !ended_there {
                self.deps
                    .store
                    .set_portal_status(&row.id, ConnectionState::RevocationPending, None, None, None)
                    .await?;
            }
            steps.push(step);
        }
        let what = match (&row.revocation_endpoint, &row.management_endpoint) {
            (Some(_), _) => "Delete the portal connection's token from the keychain".to_string(),
            (None, page) => format!(
                "Forget the portal connection and delete its token from the keychain ({hospital} offers no way for \
                 Tessera to end it there: to end it at the hospital too, remove Tessera in its patient portal{})",
                page.as_ref().map(|p| format!(", {p}")).unwrap_or_default()
            ),
        };
        steps.push(if !act || ended_there {
            self.step(what, act, self.forget_portal(&row), report).await
        } else {
            let waiting = RevocationStep { what, state: StepState::Pending, error: None };
            report(&waiting);
            waiting
        });
        if act {
            self.sweep_keychain().await;
        }
        Ok(Some(steps))
    }

    /// The hospital's part of ending a portal connection, within the per-hospital deadline (the caller holds the
    /// connection's lock).
    pub(crate) async fn end_portal_at_hospital(&self, row: &PortalRow) -> Result<()> {
        match tokio::time::timeout(self.deps.fan_out.per_hospital, self.end_portal_there(row)).await {
            Ok(ended) => ended,
            Err(_) => Err(Error::new(ErrorCode::HospitalTimeout).with_detail("hospital deadline passed")),
        }
    }

    /// Revokes a portal connection's refresh token at its hospital (RFC 7009; nothing to do where the hospital
    /// offers no revocation, or the token is already gone). The caller holds the connection's lock
    /// ([`crate::portal::waiting::ConnectionLocks::lock_for`]): the token is read from the keychain here, under it, so it is
    /// the one in force — never one a read rotated meanwhile.
    async fn end_portal_there(&self, row: &PortalRow) -> Result<()> {
        let Some(endpoint) = &row.revocation_endpoint else { return Ok(()) };
        let secret = match self.deps.store.get_secret(&self.deps.vault, &row.vault_item).await {
            Ok(raw) => PortalSecret::decode(&raw)?,
            Err(e) if e.code() == ErrorCode::VaultItemMissing => return Ok(()),
            Err(e) => return Err(e),
        };
        let identity = self.identity().await?;
        let client = PortalClient { id: row.client_id.clone(), public: row.public_client };
        let auth = client.auth(&identity, self.deps.clock.as_ref(), self.deps.random.as_ref());
        oauth::revoke_token(&self.deps.http, Party::Hospital, endpoint, &secret.refresh_token, "refresh_token", &auth)
            .await
    }

    /// Forgets a portal connection here: its secret leaves the index at once (the keychain item at the next
    /// sweep), the row says it was ended.
    pub(crate) async fn forget_portal(&self, row: &PortalRow) -> Result<()> {
        self.deps.store.forget_secret(&row.vault_item).await?;
        self.deps.store.set_portal_status(&row.id, ConnectionState::Revoked, None, None, None).await
    }

    /// Retries every portal connection whose revocation waits for its hospital (each under its lock). Returns how
    /// many still wait.
    pub(crate) async fn retry_pending_portal_revocations(&self) -> Result<usize> {
        let pending: Vec<PortalRow> = self
            .deps
            .store
            .portal_connections()
            .await?
            .into_iter()
            .filter(|r| r.status == ConnectionState::RevocationPending)
            .collect();
        let mut waiting = 0;
        for row in &pending {
            let _one_at_a_time = self.connection_locks.lock_for(&row.id).lock_owned().await;
            let still_pending = self
                .deps
                .store
                .portal_connections()
                .await?
                .iter()
                .any(|r| r.id == row.id && r.status == ConnectionState::RevocationPending);
            if !still_pending {
                continue;
            }
            match self.end_portal_at_hospital(row).await {
                Ok(()) => self.forget_portal(row).await?,
                Err(_) => waiting += 1,
            }
        }
        if !pending.is_empty() {
            self.sweep_keychain().await;
        }
        Ok(waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: ConnectionState, error: Option<ErrorCode>) -> PortalRow {
        PortalRow {
            id: "p-1".into(),
            fhir_base_url: "https://ehr.example/fhir".into(),
            person_ref: "x".into(),
            vault_item: "portal/p-1/refresh".into(),
            issuer: "https://ehr.example".into(),
            client_id: "c".into(),
            public_client: false,
            token_endpoint: "https://ehr.example/token".into(),
            revocation_endpoint: None,
            management_endpoint: None,
            status,
            error_code: error,
            granted_scope: None,
            created_at: 0,
            last_used: 0,
        }
    }

    #[test]
    fn a_portal_connection_ended_by_the_hospital_is_expired_and_one_being_ended_is_pending() {
        assert_eq!(status_of(&row(ConnectionState::Connected, None)), GrantStatus::Active);
        assert_eq!(status_of(&row(ConnectionState::Failed, Some(ErrorCode::HospitalUnreachable))), GrantStatus::Active);
        assert_eq!(status_of(&row(ConnectionState::Failed, Some(ErrorCode::PortalEnded))), GrantStatus::Expired);
        assert_eq!(status_of(&row(ConnectionState::RevocationPending, None)), GrantStatus::RevocationPending);
        assert!(state_words(&row(ConnectionState::Failed, Some(ErrorCode::PortalEnded)))
            .contains("sign in at its patient portal again"));
    }
}
