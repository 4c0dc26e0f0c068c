//! The portal connections a wallet keeps, each with what its keychain item says (whom it is for), and what the
//! people and hospital views learn from them.

use crate::portal::person_ref;
use crate::portal::secret::PortalSecret;
use crate::store::ConnectionState;
use crate::store::PortalRow;
use crate::wallet::Wallet;
use crate::Result;

/// One kept portal connection: its index row and its secret (read from the keychain; an error when it cannot be).
pub(crate) struct PortalConnection {
    /// The index row.
    pub row: PortalRow,
    /// What the keychain keeps for it.
    pub secret: Result<PortalSecret>,
}

impl PortalConnection {
    /// The person it is filed under, when its secret could be read.
    pub fn person(&self) -> Option<&str> {
        self.secret.as_ref().ok().map(|s| s.person.as_str())
    }
}

impl Wallet {
    /// Where people read through a hospital's own patient portal: (FHIR base URL, the person's one-way hash), for
    /// every connection in force — from the index alone, no keychain read.
    pub(crate) async fn portal_reach(&self) -> Result<std::collections::HashSet<(String, String)>> {
        let rows = self.deps.store.portal_connections().await?;
        Ok(rows.into_iter().filter(|row| row.status.is_live()).map(|row| (row.fhir_base_url, row.person_ref)).collect())
    }

    /// The portal connections still in force (connected, or failed at the last read) — or, with `ending`, also
    /// those whose revocation is waiting for the hospital — for `person` (every person when `None`), each with its
    /// secret read from the keychain, all at once.
    pub(crate) async fn portal_connections(&self, person: Option<&str>, ending: bool) -> Result<Vec<PortalConnection>> {
        self.unlocked().await?;
        let wanted = person.map(person_ref);
        let rows: Vec<PortalRow> = self
            .deps
            .store
            .portal_connections()
            .await?
            .into_iter()
            .filter(|row| row.status.is_live() || (ending && row.status == ConnectionState::RevocationPending))
            .filter(|row| wanted.as_ref().is_none_or(|w| *w == row.person_ref))
            .collect();
        let reads = rows.iter().map(|row| async {
            let raw = self.deps.store.get_secret(&self.deps.vault, &row.vault_item).await?;
            PortalSecret::decode(&raw)
        });
        let secrets = futures_util::future::join_all(reads).await;
        Ok(rows.into_iter().zip(secrets).map(|(row, secret)| PortalConnection { row, secret }).collect())
    }
}
