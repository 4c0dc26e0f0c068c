//! The wallet's background check, run by the desktop app's schedule: revocation status from the tickets' public
//! status lists (no secret needed, so it runs while locked too), pending revocations retried (only while unlocked:
//! that needs the install's key), and the desktop reminders due. It runs inside [`Wallet::in_background`]: nothing
//! it does counts as use or unlocks the wallet, and it reads no ticket from the keychain — only the public facts the
//! store keeps about each ticket ([`crate::store::TicketFacts`]).

use crate::broker::status_list::is_revoked;
use crate::grants::reminders::{self, Reminder};
use crate::store::ActivityKind;
use crate::store::ConnectionState;
use crate::wallet::Wallet;
use crate::{ErrorCode, Result};

impl Wallet {
    /// Checks every known ticket's revocation status, retries pending revocations when unlocked, and (when `remind`)
    /// returns the reminders due that were not sent before, each now recorded as sent.
    pub async fn check_in_background(&self, remind: bool) -> Result<Vec<Reminder>> {
        self.in_background(async {
            let now = self.deps.clock.unix_now();
            let mut tickets = self.deps.store.ticket_facts().await?;
            for ticket in tickets.iter_mut().filter(|t| t.revoked_at.is_none()) {
                let Some((url, index)) = ticket.status_list.clone() else { continue };
                match is_revoked(&self.deps.http, &ticket.issuer, &url, index).await {
                    Ok(true) => {
                        ticket.revoked_at = Some(now);
                        self.deps.store.set_ticket_facts(ticket).await?;
                        self.log(
                            ActivityKind::StatusCheck,
                            None,
                            Some(&ticket.id),
                            Err(ErrorCode::TicketRevoked),
                            None,
                        )
                        .await;
                    }
                    Ok(false) => {}
                    Err(error) => tracing::warn!(code = %error.code(), "status list not read"),
                }
            }
            if !self.is_locked() {
                if let Err(error) = self.retry_pending_revocations().await {
                    tracing::warn!(code = %error.code(), "pending revocations not retried");
                }
            }
            if !remind {
                return Ok(Vec::new());
            }
            let pending = self
                .deps
                .store
                .connections()
                .await?
                .iter()
                .filter(|k| k.status == ConnectionState::RevocationPending)
                .count();
            let mut fresh = Vec::new();
            for reminder in reminders::due(&tickets, pending, now) {
                if self.deps.store.note_reminder(&reminder.key, now).await? {
                    fresh.push(reminder);
                }
            }
            Ok(fresh)
        })
        .await
    }
}
