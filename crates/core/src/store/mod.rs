//! The store: Tessera's index in SQLite (WAL, migrations embedded). It holds no secret and names no patient (see
//! ARCHITECTURE.md's invariants) — see `migrations/`. Secrets are written through [`Store::put_secret`], which
//! records the intent first, writes the keychain, then commits; [`Store::recover`] finishes or rolls back what a
//! crash interrupted.
//!
//! Tables: brokers; `vault_items`, the intent log of keychain items; tickets (id, broker, keychain item, expiry, a
//! one-way hash of the person — never a name — and the public `TicketFacts`: issuer, status-list entry, grant end,
//! when seen revoked); `reminders_sent`; the hospital directory and its links to tickets; registrations;
//! connections with the scope each hospital granted; the SMART-configuration cache (kept for the hospital's
//! `Cache-Control: max-age`); `portal_connections` (the person as a one-way hash); the activity log.
//!
//! Secrets are written in generations: `put_secret` records the next generation's item, writes it to the keychain,
//! switches to it in one commit (`put_ticket` and `put_portal` commit their row in the same transaction), then
//! deletes the old item. `recover`, run every time the wallet opens, removes an uncommitted new item (the old value
//! stays), deletes a switched-away one and finishes pending deletions. Refresh tokens (`SecretKind::rolls_forward`:
//! broker, connection and portal refresh tokens — the other side has already rotated them) roll forward instead: a
//! next item that reads back whole is committed and the spent one dropped. `put_rotated` refuses to write a
//! rotation for a secret that was forgotten meanwhile (`vault.item_missing`). `forget_secret` forgets a secret in
//! the index at once and `sweep` removes such items from the keychain afterwards (recovery does it after a crash),
//! so ending grants at many hospitals does not wait for the keychain between them. The database runs with
//! `synchronous=NORMAL` under WAL: a commit survives a crash of Tessera; only a power loss can take back the last
//! ones.

pub mod journal;
pub mod rows;

use crate::store::journal::{Journal, Write};
use crate::store::rows::{column, db_error, outcome_of, ItemState};
pub use crate::store::rows::{
    ActivityEntry, ActivityKind, BrokerRow, ConnectionRow, ConnectionState, HospitalFacts, HospitalRow, HospitalSource,
    Outcome, PortalRow, SecretKind, TicketFacts, TicketRow, VaultItem,
};
use crate::vault::passphrase::Protection;
use crate::vault::Vault;
use crate::{Error, ErrorCode, Result, Sensitive};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;

/// The database file inside the profile folder.
pub const DB_FILE: &str = "tessera.db";

/// The index row that commits with a secret's switch to its new keychain item.
#[derive(Clone, Copy)]
enum Companion<'a> {
    None,
    Ticket(&'a TicketRow),
    Portal(&'a PortalRow),
    /// A rotation: only a value still committed is replaced (one forgotten meanwhile stays forgotten).
    Rotation,
}

/// The open store.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, applying migrations. A database written by a newer Tessera or
    /// a damaged file is reported and left untouched — never recreated.
    pub async fn open(dir: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(dir.join(DB_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Under WAL, NORMAL syncs at checkpoints, not at every commit: a commit survives a crash of Tessera (the
            // WAL is in the OS's hands), only a power loss can take back the last ones — and it never corrupts.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(db_error)?;
        sqlx::migrate!("./migrations").run(&pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::VersionMissing(_) | sqlx::migrate::MigrateError::VersionTooNew(..) => {
                Error::new(ErrorCode::StoreTooNew).with_detail(e.to_string())
            }
            sqlx::migrate::MigrateError::Execute(inner) => db_error(inner),
            other => Error::new(ErrorCode::StoreCorrupt).with_detail(other.to_string()),
        })?;
        Ok(Self { pool })
    }

    /// Writes (or rotates) the secret `id`: the new value goes to a keychain item of a new generation, the switch to
    /// it is one SQLite commit, then the old item is deleted. A crash before the commit leaves the old value (or, for
    /// a new secret, nothing); after it, the new one. [`Store::recover`] removes whatever is left over.
    pub async fn put_secret(
        &self,
        vault: &Vault,
        item: VaultItem<'_>,
        secret: &Sensitive<String>,
        now: i64,
    ) -> Result<()> {
        self.put_secret_with(vault, item, secret, now, Companion::None).await
    }

    /// [`Store::put_secret`] for a rotation of a secret that must still be live: when secret `id` has no committed
    /// value (it was forgotten — the grant ended — or never written), nothing is written and the answer is
    /// `vault.item_missing`; a forget that lands while the new item is written wins too (the new item is removed).
    pub async fn put_rotated(
        &self,
        vault: &Vault,
        item: VaultItem<'_>,
        secret: &Sensitive<String>,
        now: i64,
    ) -> Result<()> {
        self.put_secret_with(vault, item, secret, now, Companion::Rotation).await
    }

    /// [`Store::put_secret`] for a ticket: its row in `tickets` commits in the same transaction as the switch to
    /// its keychain item, so there is never a ticket row without its secret, nor a secret without its row.
    pub async fn put_ticket(
        &self,
        vault: &Vault,
        ticket: &TicketRow,
        label: &str,
        secret: &Sensitive<String>,
    ) -> Result<()> {
        let item = VaultItem { id: &ticket.vault_item, kind: SecretKind::Ticket, label };
        self.put_secret_with(vault, item, secret, ticket.received_at, Companion::Ticket(ticket)).await
    }

    /// [`Store::put_secret`] for a new patient-portal connection: its row commits in the same transaction as the
    /// switch to its keychain item (the refresh token and whom it is for), so neither is ever left without the other.
    pub async fn put_portal(
        &self,
        vault: &Vault,
        portal: &PortalRow,
        label: &str,
        secret: &Sensitive<String>,
    ) -> Result<()> {
        let item = VaultItem { id: &portal.vault_item, kind: SecretKind::PortalRefresh, label };
        self.put_secret_with(vault, item, secret, portal.last_used, Companion::Portal(portal)).await
    }

    async fn put_secret_with(
        &self,
        vault: &Vault,
        item: VaultItem<'_>,
        secret: &Sensitive<String>,
        now: i64,
        companion: Companion<'_>,
    ) -> Result<()> {
        let VaultItem { id, kind, label } = item;
        // 1. Intent: the next generation's item is recorded before the keychain is touched.
        let row = sqlx::query("SELECT generation, state FROM vault_items WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        let rotation = matches!(companion, Companion::Rotation);
        let forgotten = || Error::new(ErrorCode::VaultItemMissing).with_detail("forgotten meanwhile: not rotated");
        let state: Option<ItemState> = row.as_ref().map(|r| column(r, "state")).transpose()?;
        if rotation && state != Some(ItemState::Committed) {
            return Err(forgotten());
        }
        let generation: i64 = row.map(|r| r.get::<i64, _>("generation")).unwrap_or(0).saturating_add(1);
        let next = format!("{id}~{generation}");
        sqlx::query("INSERT INTO vault_items (id, kind, state, updated_at, next_item, generation) VALUES (?, ?, 'pending', ?, ?, ?) ON CONFLICT(id) DO UPDATE SET next_item = excluded.next_item, generation = excluded.generation, updated_at = excluded.updated_at")
            .bind(id).bind(kind).bind(now).bind(&next).bind(generation)
            .execute(&self.pool).await.map_err(db_error)?;
        // 2. The new value, in its own item (a new name: nothing to replace).
        vault.put_new(&next, label, secret).await?;
        // 3. The switch (and the ticket's row) in one commit.
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let switched = sqlx::query("UPDATE vault_items SET stale_item = item, item = next_item, next_item = NULL, state = 'committed' WHERE id = ? AND (? = 0 OR state = 'committed')")
            .bind(id)
            .bind(rotation)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        if switched.rows_affected() == 0 {
            // A rotation of a secret forgotten while its new item was written: the forget stands.
            tx.rollback().await.map_err(db_error)?;
            vault.delete(&next).await?;
            sqlx::query("UPDATE vault_items SET next_item = NULL WHERE id = ? AND next_item = ?")
                .bind(id)
                .bind(&next)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
            return Err(forgotten());
        }
        if let Companion::Portal(portal) = companion {
            Write::Portal(portal.clone()).execute(&mut *tx).await?;
        }
        if let Companion::Ticket(t) = companion {
            sqlx::query("INSERT OR REPLACE INTO tickets (id, broker_url, vault_item, person_ref, expires_at, received_at) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(&t.id).bind(&t.broker_url).bind(&t.vault_item).bind(&t.person_ref).bind(t.expires_at).bind(t.received_at)
                .execute(&mut *tx).await.map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)?;
        // 4. The old value goes.
        self.drop_stale(vault, id).await
    }

    /// Deletes the item a secret was switched away from, then forgets it.
    async fn drop_stale(&self, vault: &Vault, id: &str) -> Result<()> {
        let stale: Option<String> = sqlx::query("SELECT stale_item FROM vault_items WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .and_then(|r| r.get("stale_item"));
        if let Some(stale) = stale {
            vault.delete(&stale).await?;
            sqlx::query("UPDATE vault_items SET stale_item = NULL WHERE id = ?")
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
        }
        Ok(())
    }

    /// The keychain item that holds the committed value of secret `id`, if any.
    async fn committed_item(&self, id: &str) -> Result<Option<String>> {
        Ok(sqlx::query("SELECT item FROM vault_items WHERE id = ? AND state = 'committed'")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .and_then(|r| r.get("item")))
    }

    /// Reads the committed value of secret `id`; `vault.item_missing` when there is none.
    pub async fn get_secret(&self, vault: &Vault, id: &str) -> Result<Sensitive<String>> {
        match self.committed_item(id).await? {
            Some(item) => vault.get(&item).await,
            None => Err(Error::new(ErrorCode::VaultItemMissing).with_detail("no committed value")),
        }
    }

    /// Every keychain item the index knows for secret `id` (committed, being written, being dropped), for audits.
    pub async fn keychain_items(&self, id: &str) -> Result<Vec<String>> {
        let row = sqlx::query("SELECT item, next_item, stale_item FROM vault_items WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row
            .map(|r| ["item", "next_item", "stale_item"].iter().filter_map(|c| r.get(*c)).collect())
            .unwrap_or_default())
    }

    /// Whether secret `id` has a committed value (the index is asked, not the keychain).
    pub async fn has_secret(&self, id: &str) -> Result<bool> {
        Ok(self.committed_item(id).await?.is_some())
    }

    /// Deletes a secret: marked first, every item of it removed from the keychain, then forgotten.
    pub async fn delete_secret(&self, vault: &Vault, id: &str) -> Result<()> {
        sqlx::query("UPDATE vault_items SET state = 'deleting' WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let row = sqlx::query("SELECT item, next_item, stale_item FROM vault_items WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        let mut items = Vec::new();
        if let Some(row) = row {
            for column in ["item", "next_item", "stale_item"] {
                items.extend(row.get::<Option<String>, _>(column));
            }
        }
        if items.is_empty() {
            // No row, or one from before generations that names no item: the value may live under its own id.
            items.push(id.to_string());
        }
        items.sort_unstable();
        items.dedup();
        for item in items {
            vault.delete(&item).await?;
        }
        // A value written again meanwhile (committed anew) is not this deletion's to forget.
        sqlx::query("DELETE FROM vault_items WHERE id = ? AND state = 'deleting'")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Forgets secret `id` now, in the index only: from this commit on it has no value (`get_secret` says
    /// `vault.item_missing`), and its keychain items are removed by the next [`Store::sweep`] — or, after a crash,
    /// by [`Store::recover`]. Lets many secrets be forgotten without waiting for the keychain each time.
    pub async fn forget_secret(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE vault_items SET state = 'deleting' WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Removes from the keychain every secret forgotten with [`Store::forget_secret`]. Returns how many.
    pub async fn sweep(&self, vault: &Vault) -> Result<usize> {
        let forgotten: Vec<String> = sqlx::query("SELECT id FROM vault_items WHERE state = 'deleting' ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?
            .iter()
            .map(|r| r.get("id"))
            .collect();
        for id in &forgotten {
            self.delete_secret(vault, id).await?;
        }
        Ok(forgotten.len())
    }

    /// Finishes what a crash interrupted. A write that did not reach its commit is rolled back (its new item
    /// removed; a secret that never had a value is forgotten with its ticket row) — except the rotation of a refresh
    /// token (see [`SecretKind::rolls_forward`]), which is rolled forward when its new item reads back whole: the hospital
    /// already honours only the new token, so the new item is committed and the old one dropped. An item switched
    /// away from is deleted; a pending deletion is completed. Returns how many secrets were cleaned up.
    pub async fn recover(&self, vault: &Vault) -> Result<usize> {
        let rows = sqlx::query(
            "SELECT id, kind, state, item, next_item, stale_item FROM vault_items WHERE state IN ('pending', 'deleting') OR next_item IS NOT NULL OR stale_item IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        for row in &rows {
            let id: String = row.get("id");
            let state: ItemState = column(row, "state")?;
            let item: Option<String> = row.get("item");
            if state == ItemState::Deleting || (state == ItemState::Pending && item.is_none()) {
                // Never committed (or being deleted): nothing of it stays, nor a ticket row pointing at it.
                self.delete_secret(vault, &id).await?;
                for sql in
                    ["DELETE FROM tickets WHERE vault_item = ?", "DELETE FROM portal_connections WHERE vault_item = ?"]
                {
                    sqlx::query(sql).bind(&id).execute(&self.pool).await.map_err(db_error)?;
                }
                continue;
            }
            if let Some(next) = row.get::<Option<String>, _>("next_item") {
                let kind: SecretKind = column(row, "kind")?;
                if kind.rolls_forward() && vault.get(&next).await.is_ok() {
                    sqlx::query("UPDATE vault_items SET stale_item = item, item = next_item, next_item = NULL, state = 'committed' WHERE id = ? AND next_item = ?")
                        .bind(&id)
                        .bind(&next)
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?;
                    self.drop_stale(vault, &id).await?;
                    continue;
                }
                vault.delete(&next).await?;
                sqlx::query("UPDATE vault_items SET next_item = NULL WHERE id = ?")
                    .bind(&id)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
            }
            self.drop_stale(vault, &id).await?;
        }
        Ok(rows.len())
    }

    /// Committed vault item ids of a kind.
    pub async fn committed_items(&self, kind: SecretKind) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM vault_items WHERE kind = ? AND state = 'committed' ORDER BY id")
            .bind(kind)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(|r| r.get("id")).collect())
    }

    /// Records a broker sign-in.
    pub async fn save_broker(&self, broker: &BrokerRow, now: i64) -> Result<()> {
        sqlx::query("INSERT OR REPLACE INTO brokers (url, client_id, token_endpoint, revocation_endpoint, management_endpoint, signed_in_at, name) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(&broker.url).bind(&broker.client_id).bind(&broker.token_endpoint).bind(&broker.revocation_endpoint).bind(&broker.management_endpoint).bind(now).bind(&broker.name)
            .execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }

    /// What each broker signed in with is called (see [`crate::broker::names`]).
    pub async fn issuer_names(&self) -> Result<crate::broker::names::IssuerNames> {
        Ok(crate::broker::names::IssuerNames::new(&self.brokers().await?))
    }

    /// Forgets a broker (after signing out; its secrets are removed by the caller through `delete_secret`).
    pub async fn forget_broker(&self, url: &str) -> Result<()> {
        sqlx::query("DELETE FROM brokers WHERE url = ?").bind(url).execute(&self.pool).await.map_err(db_error)?;
        Ok(())
    }

    /// Every broker signed in with.
    pub async fn brokers(&self) -> Result<Vec<BrokerRow>> {
        let rows = sqlx::query(
            "SELECT url, client_id, token_endpoint, revocation_endpoint, management_endpoint, name FROM brokers ORDER BY url",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| BrokerRow {
                url: r.get("url"),
                client_id: r.get("client_id"),
                token_endpoint: r.get("token_endpoint"),
                revocation_endpoint: r.get("revocation_endpoint"),
                management_endpoint: r.get("management_endpoint"),
                name: r.get("name"),
            })
            .collect())
    }

    /// Every ticket: `(id, vault item)`.
    pub async fn tickets(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT id, vault_item FROM tickets ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(|r| (r.get("id"), r.get("vault_item"))).collect())
    }

    /// Records a ticket's public facts (read from the ticket while unlocked) for the background check. Once seen
    /// revoked, a ticket stays revoked while its status-list entry is the same; a ticket granted again under the
    /// same id (a new entry) starts over.
    pub async fn set_ticket_facts(&self, facts: &TicketFacts) -> Result<()> {
        let (url, index) = facts.status_list.clone().unzip();
        let index = index.map(|i| i64::try_from(i).unwrap_or(i64::MAX));
        sqlx::query(
            "UPDATE tickets SET revoked_at = CASE WHEN status_list_url IS ?1 AND status_list_index IS ?2 \
             THEN COALESCE(revoked_at, ?3) ELSE ?3 END, issuer = ?4, status_list_url = ?1, status_list_index = ?2, \
             grant_ends_at = ?5 WHERE id = ?6",
        )
        .bind(url)
        .bind(index)
        .bind(facts.revoked_at)
        .bind(&facts.issuer)
        .bind(facts.grant_ends_at)
        .bind(&facts.id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Every ticket's public facts, for tickets that have been read at least once.
    pub async fn ticket_facts(&self) -> Result<Vec<TicketFacts>> {
        let rows = sqlx::query(
            "SELECT id, issuer, status_list_url, status_list_index, grant_ends_at, revoked_at FROM tickets \
             WHERE issuer IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| {
                let url: Option<String> = r.get("status_list_url");
                let index: Option<i64> = r.get("status_list_index");
                TicketFacts {
                    id: r.get("id"),
                    issuer: r.get("issuer"),
                    status_list: url.zip(index.and_then(|i| u64::try_from(i).ok())),
                    grant_ends_at: r.get("grant_ends_at"),
                    revoked_at: r.get("revoked_at"),
                }
            })
            .collect())
    }

    /// Whether the ticket's issuer was already seen listing it as revoked (one row, for views built per ticket).
    pub async fn ticket_seen_revoked(&self, id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT revoked_at IS NOT NULL AS seen FROM tickets WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.is_some_and(|r| r.get::<bool, _>("seen")))
    }

    /// Records that a reminder was sent; `false` when it had been sent already.
    pub async fn note_reminder(&self, key: &str, at: i64) -> Result<bool> {
        let done = sqlx::query("INSERT OR IGNORE INTO reminders_sent (key, sent_at) VALUES (?, ?)")
            .bind(key)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    /// Every hospital's name by its FHIR base URL, for showing names where the log and the index keep addresses.
    pub async fn hospital_names(&self) -> Result<std::collections::HashMap<String, String>> {
        Ok(self.hospitals().await?.into_iter().map(|(row, _)| (row.fhir_base_url, row.name)).collect())
    }

    /// Adds (or renames) a hospital and links it to tickets.
    pub async fn save_hospital(&self, hospital: &HospitalRow, ticket_ids: &[String], now: i64) -> Result<()> {
        // A name from the network is kept plain (no escapes, no overrides, capped); the address stands in for none.
        let name = crate::base::text::plain_or(&hospital.name, crate::base::text::MAX_NAME, || {
            crate::base::ids::host_of(&hospital.fhir_base_url)
        });
        // Facts a later source does not give (a Brands bundle without identifiers) keep what an earlier one said.
        sqlx::query("INSERT INTO hospitals (fhir_base_url, name, source, added_at, identifiers, state, country) VALUES (?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT(fhir_base_url) DO UPDATE SET name = excluded.name, \
                     identifiers = CASE excluded.identifiers WHEN '' THEN hospitals.identifiers ELSE excluded.identifiers END, \
                     state = COALESCE(excluded.state, hospitals.state), country = COALESCE(excluded.country, hospitals.country)")
            .bind(&hospital.fhir_base_url).bind(&name).bind(hospital.source).bind(now)
            .bind(hospital.facts.identifiers_text()).bind(&hospital.facts.state).bind(&hospital.facts.country)
            .execute(&self.pool).await.map_err(db_error)?;
        for ticket in ticket_ids {
            sqlx::query("INSERT OR IGNORE INTO hospital_tickets (fhir_base_url, ticket_id) VALUES (?, ?)")
                .bind(&hospital.fhir_base_url)
                .bind(ticket)
                .execute(&self.pool)
                .await
                .map_err(db_error)?;
        }
        Ok(())
    }

    /// The hospital directory, with the tickets hinted for each.
    pub async fn hospitals(&self) -> Result<Vec<(HospitalRow, Vec<String>)>> {
        let rows = sqlx::query(
            "SELECT fhir_base_url, name, source, identifiers, state, country FROM hospitals ORDER BY added_at, fhir_base_url",
        )
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        let links = sqlx::query("SELECT fhir_base_url, ticket_id FROM hospital_tickets")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        // Grouped once: a directory of 500 hospitals is not scanned 500 times.
        let mut linked: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
        for link in &links {
            linked.entry(link.get("fhir_base_url")).or_default().push(link.get("ticket_id"));
        }
        rows.iter()
            .map(|r| {
                let url: String = r.get("fhir_base_url");
                let tickets = linked.remove(&url).unwrap_or_default();
                let facts = HospitalFacts {
                    identifiers: HospitalFacts::identifiers_from(&r.get::<String, _>("identifiers")),
                    state: r.get("state"),
                    country: r.get("country"),
                };
                let row = HospitalRow { fhir_base_url: url, name: r.get("name"), source: column(r, "source")?, facts };
                Ok((row, tickets))
            })
            .collect()
    }

    /// Removes a hospital, its ticket links, registration and cached configuration.
    pub async fn forget_hospital(&self, fhir_base_url: &str) -> Result<()> {
        for sql in [
            "DELETE FROM hospitals WHERE fhir_base_url = ?",
            "DELETE FROM hospital_tickets WHERE fhir_base_url = ?",
            "DELETE FROM registrations WHERE fhir_base_url = ?",
            "DELETE FROM discovery_cache WHERE fhir_base_url = ?",
        ] {
            sqlx::query(sql).bind(fhir_base_url).execute(&self.pool).await.map_err(db_error)?;
        }
        Ok(())
    }

    /// Remembers a hospital registration: `(client_id, token_endpoint, revocation_endpoint)`.
    pub async fn save_registration(
        &self,
        fhir_base_url: &str,
        client_id: &str,
        token_endpoint: &str,
        revocation_endpoint: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let write = Write::Registration {
            fhir_base_url: fhir_base_url.into(),
            client_id: client_id.into(),
            token_endpoint: token_endpoint.into(),
            revocation_endpoint: revocation_endpoint.map(String::from),
            at: now,
        };
        write.execute(&self.pool).await
    }

    /// A remembered registration's client id.
    pub async fn registration(&self, fhir_base_url: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT client_id FROM registrations WHERE fhir_base_url = ?")
            .bind(fhir_base_url)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| r.get("client_id")))
    }

    /// Forgets a registration (e.g. after `invalid_client`).
    pub async fn forget_registration(&self, fhir_base_url: &str) -> Result<()> {
        Write::ForgetRegistration { fhir_base_url: fhir_base_url.into() }.execute(&self.pool).await
    }

    /// Records a connection's state; a known continuation refresh item is kept unless a new one is given, and a
    /// connection whose revocation is pending stays pending (only its revocation changes that).
    pub async fn save_connection(
        &self,
        fhir_base_url: &str,
        ticket_id: &str,
        status: ConnectionState,
        error_code: Option<ErrorCode>,
        refresh_item: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let write = Write::Connection {
            fhir_base_url: fhir_base_url.into(),
            ticket_id: ticket_id.into(),
            status,
            error_code,
            refresh_item: refresh_item.map(String::from),
            at: now,
        };
        write.execute(&self.pool).await
    }

    /// A connection's continuation refresh-token vault item, if any.
    pub async fn connection_refresh_item(&self, fhir_base_url: &str, ticket_id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT refresh_item FROM connections WHERE fhir_base_url = ? AND ticket_id = ?")
            .bind(fhir_base_url)
            .bind(ticket_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.and_then(|r| r.get("refresh_item")))
    }

    /// Every connection: `(fhir_base_url, ticket_id, status, refresh_item, last_used)`.
    pub async fn connections(&self) -> Result<Vec<ConnectionRow>> {
        let rows = sqlx::query(
            "SELECT fhir_base_url, ticket_id, status, refresh_item, last_used FROM connections ORDER BY fhir_base_url",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(ConnectionRow {
                    fhir_base_url: r.get("fhir_base_url"),
                    ticket_id: r.get("ticket_id"),
                    status: column(r, "status")?,
                    refresh_item: r.get("refresh_item"),
                    last_used: r.get("last_used"),
                })
            })
            .collect()
    }

    /// Every patient-portal connection, oldest first.
    pub async fn portal_connections(&self) -> Result<Vec<PortalRow>> {
        let rows = sqlx::query(
            "SELECT id, fhir_base_url, person_ref, vault_item, issuer, client_id, public_client, token_endpoint, \
             revocation_endpoint, management_endpoint, status, error_code, granted_scope, created_at, last_used \
             FROM portal_connections ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|r| {
                let error_code: Option<String> = r.get("error_code");
                Ok(PortalRow {
                    id: r.get("id"),
                    fhir_base_url: r.get("fhir_base_url"),
                    person_ref: r.get("person_ref"),
                    vault_item: r.get("vault_item"),
                    issuer: r.get("issuer"),
                    client_id: r.get("client_id"),
                    public_client: r.get::<bool, _>("public_client"),
                    token_endpoint: r.get("token_endpoint"),
                    revocation_endpoint: r.get("revocation_endpoint"),
                    management_endpoint: r.get("management_endpoint"),
                    status: column(r, "status")?,
                    error_code: error_code.and_then(|code| ErrorCode::parse(&code)),
                    granted_scope: r.get("granted_scope"),
                    created_at: r.get("created_at"),
                    last_used: r.get("last_used"),
                })
            })
            .collect()
    }

    /// Records how a patient-portal connection stands: its status, the failure's code, and (when given) the scope
    /// the hospital granted and the time of use. A pending revocation stays pending unless `status` ends it, and an
    /// ended connection (`revoked`) is never changed again (a read that finishes after the user ended it cannot
    /// bring it back).
    pub async fn set_portal_status(
        &self,
        id: &str,
        status: ConnectionState,
        error_code: Option<ErrorCode>,
        granted_scope: Option<&str>,
        used_at: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE portal_connections SET status = CASE WHEN status = 'revocation_pending' AND ?1 NOT IN \
             ('revoked', 'revocation_pending') THEN status ELSE ?1 END, error_code = ?2, \
             granted_scope = COALESCE(?3, granted_scope), last_used = COALESCE(?4, last_used) \
             WHERE id = ?5 AND status != 'revoked'",
        )
        .bind(status)
        .bind(error_code.map(ErrorCode::as_str))
        .bind(granted_scope)
        .bind(used_at)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Changes a connection's status (keeping its refresh item unless `clear_refresh`).
    pub async fn set_connection_status(
        &self,
        fhir_base_url: &str,
        ticket_id: &str,
        status: ConnectionState,
        clear_refresh: bool,
    ) -> Result<()> {
        sqlx::query("UPDATE connections SET status = ?, refresh_item = CASE WHEN ? THEN NULL ELSE refresh_item END WHERE fhir_base_url = ? AND ticket_id = ?")
            .bind(status)
            .bind(clear_refresh)
            .bind(fhir_base_url)
            .bind(ticket_id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Records the scope a hospital granted for a ticket (the token response's `scope`, space-separated).
    pub async fn save_granted_scope(&self, fhir_base_url: &str, ticket_id: &str, scope: &str) -> Result<()> {
        let write = Write::GrantedScope {
            fhir_base_url: fhir_base_url.into(),
            ticket_id: ticket_id.into(),
            scope: scope.into(),
        };
        write.execute(&self.pool).await
    }

    /// The scope each hospital last granted, by (FHIR base URL, ticket id).
    pub async fn granted_scopes(&self) -> Result<std::collections::HashMap<(String, String), String>> {
        let rows = sqlx::query(
            "SELECT fhir_base_url, ticket_id, granted_scope FROM connections WHERE granted_scope IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows.iter().map(|r| ((r.get("fhir_base_url"), r.get("ticket_id")), r.get("granted_scope"))).collect())
    }

    /// Forgets a ticket and its links (its keychain item is removed through [`Store::delete_secret`]).
    pub async fn delete_ticket(&self, id: &str) -> Result<()> {
        for sql in ["DELETE FROM tickets WHERE id = ?", "DELETE FROM hospital_tickets WHERE ticket_id = ?"] {
            sqlx::query(sql).bind(id).execute(&self.pool).await.map_err(db_error)?;
        }
        Ok(())
    }

    /// A registration's revocation endpoint and client id.
    pub async fn registration_details(&self, fhir_base_url: &str) -> Result<Option<(String, Option<String>)>> {
        let row = sqlx::query("SELECT client_id, revocation_endpoint FROM registrations WHERE fhir_base_url = ?")
            .bind(fhir_base_url)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map(|r| (r.get("client_id"), r.get("revocation_endpoint"))))
    }

    /// A cached SMART configuration still fresh at `now`.
    pub async fn cached_configuration(&self, fhir_base_url: &str, now: i64) -> Result<Option<serde_json::Value>> {
        let row = sqlx::query("SELECT configuration FROM discovery_cache WHERE fhir_base_url = ? AND expires_at > ?")
            .bind(fhir_base_url)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.and_then(|r| serde_json::from_str(&r.get::<String, _>("configuration")).ok()))
    }

    /// Caches a SMART configuration until `expires_at`; `None` forgets it.
    pub async fn cache_configuration(
        &self,
        fhir_base_url: &str,
        configuration: Option<(&serde_json::Value, i64)>,
    ) -> Result<()> {
        let cached = configuration.map(|(json, expires_at)| (json.to_string(), expires_at));
        Write::Configuration { fhir_base_url: fhir_base_url.into(), cached }.execute(&self.pool).await
    }

    /// Appends to the activity log.
    pub async fn log(&self, entry: &ActivityEntry) -> Result<()> {
        Write::Log(entry.clone()).execute(&self.pool).await
    }

    /// Commits every write of a run's journal in one transaction, in the order they were made, and empties it.
    /// Nothing of it is kept when any write fails.
    pub async fn commit(&self, journal: &Journal) -> Result<()> {
        let writes = journal.take();
        if writes.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for write in &writes {
            write.execute(&mut *tx).await?;
        }
        tx.commit().await.map_err(db_error)
    }

    /// The activity log, oldest first, optionally for one hospital or grant and from a time on.
    pub async fn activity(
        &self,
        hospital: Option<&str>,
        grant: Option<&str>,
        since: Option<i64>,
    ) -> Result<Vec<ActivityEntry>> {
        let rows = sqlx::query(
            "SELECT at, kind, hospital, grant_id, outcome, detail FROM activity WHERE (?1 IS NULL OR hospital = ?1) AND (?2 IS NULL OR grant_id = ?2) AND (?3 IS NULL OR at >= ?3) ORDER BY id",
        )
        .bind(hospital).bind(grant).bind(since)
        .fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter()
            .map(|r| {
                Ok(ActivityEntry {
                    at: r.get("at"),
                    kind: column(r, "kind")?,
                    hospital: r.get("hospital"),
                    grant: r.get("grant_id"),
                    outcome: outcome_of(&column::<String>(r, "outcome")?),
                    detail: r.get("detail"),
                })
            })
            .collect()
    }

    /// How the wallet is protected when locked ([`Protection::Unset`] until the person chooses).
    pub async fn protection(&self) -> Result<Protection> {
        let row = sqlx::query("SELECT kind FROM protection WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map_or(Protection::Unset, |row| Protection::parse(&row.get::<String, _>("kind"))))
    }

    /// Records the person's choice of protection at `at` (Unix seconds).
    pub async fn set_protection(&self, kind: Protection, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO protection (id, kind, chosen_at) VALUES (1, ?, ?) \
             ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, chosen_at = excluded.chosen_at",
        )
        .bind(kind.as_str())
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Counts for the wallet status: brokers, people, tickets, hospitals.
    pub async fn counts(&self) -> Result<[u32; 4]> {
        let count = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(&self.pool).await.map_err(db_error)?;
            Ok::<u32, Error>(row.get::<i64, _>("n") as u32)
        };
        Ok([
            count("SELECT COUNT(*) AS n FROM brokers").await?,
            count("SELECT COUNT(DISTINCT person_ref) AS n FROM tickets").await?,
            count("SELECT COUNT(*) AS n FROM tickets").await?,
            count("SELECT COUNT(*) AS n FROM hospitals").await?,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::OrgIdentifier;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tessera-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn hospitals_and_activity_round_trip() {
        let dir = temp_dir("roundtrip");
        let store = Store::open(&dir).await.unwrap();
        let mut row = HospitalRow::new("http://127.0.0.1:1/fhir".into(), "Decatur ED".into(), HospitalSource::Hint);
        row.facts = HospitalFacts {
            identifiers: vec![
                OrgIdentifier { system: Some("http://hl7.org/fhir/sid/us-npi".into()), value: "1234567890".into() },
                OrgIdentifier { system: None, value: "TIN-9".into() },
            ],
            state: Some("GA".into()),
            country: None,
        };
        store.save_hospital(&row, &["t1".into()], 10).await.unwrap();
        assert_eq!(store.hospitals().await.unwrap(), vec![(row.clone(), vec!["t1".to_string()])]);
        // A later source that says less (a Brands bundle without identifiers) keeps what was known.
        let bare = HospitalRow::new(row.fhir_base_url.clone(), "Decatur Emergency".into(), HospitalSource::Brands);
        store.save_hospital(&bare, &[], 11).await.unwrap();
        let (kept, _) = store.hospitals().await.unwrap().remove(0);
        assert_eq!((kept.name.as_str(), &kept.facts), ("Decatur Emergency", &row.facts));
        let entry = ActivityEntry {
            at: 5,
            kind: ActivityKind::RecordsRead,
            hospital: Some("h".into()),
            grant: Some("t1".into()),
            outcome: Ok(()),
            detail: Some("Condition: 3".into()),
        };
        store.log(&entry).await.unwrap();
        assert_eq!(store.activity(Some("h"), None, None).await.unwrap(), vec![entry]);
        assert!(store.activity(Some("other"), None, None).await.unwrap().is_empty());
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn ticket_facts_round_trip_and_a_revocation_sticks_to_its_status_entry() {
        let dir = temp_dir("facts");
        let store = Store::open(&dir).await.unwrap();
        sqlx::query("INSERT INTO tickets (id, broker_url, vault_item, person_ref, expires_at, received_at) VALUES ('t1', 'b', 'ticket/t1', 'p', 9, 1)")
            .execute(&store.pool)
            .await
            .unwrap();
        assert!(store.ticket_facts().await.unwrap().is_empty(), "a ticket never read has no facts yet");
        let mut facts = TicketFacts {
            id: "t1".into(),
            issuer: "https://broker.example".into(),
            status_list: Some(("https://broker.example/status/1".into(), 7)),
            grant_ends_at: Some(100),
            revoked_at: None,
        };
        store.set_ticket_facts(&facts).await.unwrap();
        assert_eq!(store.ticket_facts().await.unwrap(), vec![facts.clone()]);
        facts.revoked_at = Some(50);
        store.set_ticket_facts(&facts).await.unwrap();
        facts.revoked_at = None;
        store.set_ticket_facts(&facts).await.unwrap();
        assert_eq!(store.ticket_facts().await.unwrap()[0].revoked_at, Some(50), "seen revoked stays revoked");
        assert!(store.ticket_seen_revoked("t1").await.unwrap());
        assert!(!store.ticket_seen_revoked("t2").await.unwrap(), "no such ticket");
        facts.status_list = Some(("https://broker.example/status/1".into(), 8));
        store.set_ticket_facts(&facts).await.unwrap();
        assert_eq!(store.ticket_facts().await.unwrap()[0].revoked_at, None, "granted again: a new entry starts over");
        assert!(store.note_reminder("ends-30/t1/100", 60).await.unwrap());
        assert!(!store.note_reminder("ends-30/t1/100", 61).await.unwrap(), "a reminder is sent once");
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_journal_commits_in_order_at_once_and_a_pending_revocation_stays_pending() {
        let dir = temp_dir("journal");
        let store = Store::open(&dir).await.unwrap();
        let journal = Journal::new();
        let base = "http://127.0.0.1:1/fhir";
        journal.save_registration(base, "c1", "http://127.0.0.1:1/token", None, 5);
        journal.forget_registration(base);
        journal.save_registration(base, "c2", "http://127.0.0.1:1/token", None, 6);
        journal.save_connection(base, "t1", ConnectionState::Connected, None, Some("connection/x/refresh"), 6);
        journal.save_granted_scope(base, "t1", "patient/*.rs");
        let entry = ActivityEntry {
            at: 6,
            kind: ActivityKind::RecordsRead,
            hospital: Some(base.into()),
            grant: Some("t1".into()),
            outcome: Ok(()),
            detail: None,
        };
        journal.log(entry.clone());
        assert_eq!(journal.len(), 6);
        assert_eq!(store.registration(base).await.unwrap(), None, "nothing is written before the commit");
        store.commit(&journal).await.unwrap();
        assert!(journal.is_empty());
        assert_eq!(store.registration(base).await.unwrap().as_deref(), Some("c2"), "in the order they were made");
        assert_eq!(store.activity(None, None, None).await.unwrap(), vec![entry]);
        assert_eq!(store.granted_scopes().await.unwrap().len(), 1);
        // A connect that ends while the hospital's revocation is pending does not undo it.
        store.set_connection_status(base, "t1", ConnectionState::RevocationPending, false).await.unwrap();
        store
            .save_connection(base, "t1", ConnectionState::Failed, Some(ErrorCode::TicketRevoked), None, 7)
            .await
            .unwrap();
        let connection = store.connections().await.unwrap().remove(0);
        assert_eq!((connection.status, connection.last_used), (ConnectionState::RevocationPending, 7));
        assert_eq!(connection.refresh_item.as_deref(), Some("connection/x/refresh"));
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn states_are_stored_by_name_and_one_this_version_does_not_know_is_a_coded_error() {
        let dir = temp_dir("states");
        let store = Store::open(&dir).await.unwrap();
        let base = "https://h.example/fhir";
        store.save_connection(base, "t1", ConnectionState::NeedsConfirmation, None, None, 3).await.unwrap();
        let stored: String = sqlx::query("SELECT status FROM connections").fetch_one(&store.pool).await.unwrap().get(0);
        assert_eq!(stored, "needs_confirmation", "the names the index always held");
        assert_eq!(store.connections().await.unwrap()[0].status, ConnectionState::NeedsConfirmation);

        sqlx::query("UPDATE connections SET status = 'paused'").execute(&store.pool).await.unwrap();
        let error = store.connections().await.unwrap_err();
        assert_eq!(error.code(), ErrorCode::StoreCorrupt, "{error:?}");
        sqlx::query("INSERT INTO activity (at, kind, outcome) VALUES (1, 'records_read', 'no.such_code')")
            .execute(&store.pool)
            .await
            .unwrap();
        let entry = store.activity(None, None, None).await.unwrap().remove(0);
        assert_eq!((entry.kind, entry.outcome), (ActivityKind::RecordsRead, Err(ErrorCode::Internal)));
        drop(store);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_database_from_a_newer_tessera_is_reported_and_left_alone() {
        let dir = temp_dir("newer");
        let store = Store::open(&dir).await.unwrap();
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'from the future', 1, x'00', 0)")
            .execute(&store.pool)
            .await
            .unwrap();
        store.save_hospital(&HospitalRow::new("h".into(), "n".into(), HospitalSource::Manual), &[], 1).await.unwrap();
        store.pool.close().await;
        let error = Store::open(&dir).await.err().expect("refuses");
        assert_eq!(error.code(), ErrorCode::StoreTooNew);
        // Nothing was lost: an older reader can still see the data with plain SQL.
        let pool = SqlitePool::connect(&format!("sqlite://{}", dir.join(DB_FILE).display())).await.unwrap();
        let row = sqlx::query("SELECT COUNT(*) AS n FROM hospitals").fetch_one(&pool).await.unwrap();
        assert_eq!(row.get::<i64, _>("n"), 1);
        pool.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_corrupt_file_is_reported_and_left_alone() {
        let dir = temp_dir("corrupt");
        let garbage = b"this is not a database, it is a letter to my daughter".repeat(100);
        std::fs::write(dir.join(DB_FILE), &garbage).unwrap();
        let error = Store::open(&dir).await.err().expect("refuses");
        assert_eq!(error.code(), ErrorCode::StoreCorrupt);
        assert_eq!(std::fs::read(dir.join(DB_FILE)).unwrap(), garbage);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
