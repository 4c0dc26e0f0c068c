//! Opening a person's record: from the session's shelf when recent, else read from every hospital at once and kept
//! there; one hospital read again into it (a retry, a confirmation, a portal just signed in); the person page.

use crate::broker::Browser;
use crate::hospitals::fan_out::Progress;
use crate::hospitals::reach::ConnectScope;
use crate::records::shelf::{Freshness, PersonRecord, RecordView};
use crate::view::HeldTicket;
use crate::wallet::Wallet;

impl Wallet {
    /// The person's page: their merged record from memory when `freshness` allows and it is recent, else read from
    /// every hospital at once (each hospital's progress reported as it moves) and kept for the session. A hospital
    /// that needs the patient confirmed ends as `needs_confirmation`; it never holds up the others.
    pub async fn open_record(
        &self,
        person: &str,
        freshness: Freshness,
        progress: Progress,
    ) -> crate::Result<RecordView> {
        self.unlocked().await?;
        let now = self.deps.clock.unix_now();
        let kept = self.session.shelf.fresh(person, now).filter(|_| freshness == Freshness::Recent);
        let record = match kept {
            Some(record) => record,
            None => {
                let scope = ConnectScope { person: Some(person), hospital: None, interaction: None };
                let report = self.connect_scoped(scope, progress).await?;
                self.session.shelf.put(person, report, now)
            }
        };
        self.record_view(person, record).await
    }

    /// Reads one hospital again for `person` (a retry, a confirmation of the patient through `interaction`, or a
    /// portal just signed in) and adds what it returns to their record; returns their page.
    pub async fn read_hospital_into_record(
        &self,
        person: &str,
        hospital: &str,
        interaction: Option<&Browser>,
        progress: Progress,
    ) -> crate::Result<RecordView> {
        let scope = ConnectScope { person: Some(person), hospital: Some(hospital), interaction };
        let report = self.connect_scoped(scope, progress).await?;
        let record = self.session.shelf.update(person, report, self.deps.clock.unix_now());
        self.record_view(person, record).await
    }

    /// The record read for `person` this session, however old (`None` after locking or before the first read).
    pub fn record_read(&self, person: &str) -> Option<PersonRecord> {
        self.session.shelf.get(person)
    }

    /// The person page for `person` from a record read earlier.
    async fn record_view(&self, person: &str, record: PersonRecord) -> crate::Result<RecordView> {
        let people = self.people().await?;
        let person = people.into_iter().find(|p| p.id == person).ok_or_else(|| {
            crate::Error::new(crate::ErrorCode::InvalidInput).with_message("No ticket is about that person.")
        })?;
        let held = self.held_tickets().await?;
        let theirs: Vec<&HeldTicket> = held.iter().filter(|t| t.ticket.claims.patient_key == person.id).collect();
        let missing = crate::records::missing::missing_notes(&theirs, &record.hospitals);
        Ok(RecordView { person, read_at: record.read_at, hospitals: record.hospitals, items: record.items, missing })
    }
}
