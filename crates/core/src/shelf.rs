//! The records a window shows, kept in memory for the session: one merged record per person, as last read, with
//! each hospital's outcome. Views read from here; nothing is refetched unless the person asks or the record is
//! older than [`FRESH_FOR_SECS`]. The shelf is part of the wallet's [`crate::session::Session`], so locking empties
//! it. Nothing here is ever written to disk.

use crate::broker::Browser;
use crate::connect::{ConnectionStatus, Progress};
use crate::reach::ConnectScope;
use crate::records::{Category, RecordItem, RESOURCE_TYPES};
use crate::wallet::{ConnectReport, HeldTicket, HospitalOutcome, PersonView};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use ts_rs::TS;

/// One person's merged record as last read.
#[derive(Debug, Clone)]
pub struct PersonRecord {
    /// Unix time of the read.
    pub read_at: i64,
    /// Each hospital's outcome (per ticket).
    pub hospitals: Vec<HospitalOutcome>,
    /// The merged record.
    pub items: Vec<RecordItem>,
}

/// The person page's view model: who, each hospital's outcome, the merged record and what may be missing.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RecordView {
    /// Who.
    pub person: PersonView,
    /// Unix time of the read, for "updated 2 minutes ago".
    #[ts(type = "number")]
    pub read_at: i64,
    /// Each hospital's outcome.
    pub hospitals: Vec<HospitalOutcome>,
    /// The merged record, normalised (never raw FHIR).
    pub items: Vec<RecordItem>,
    /// What may be missing, one plain sentence each.
    pub missing: Vec<String>,
}

/// How long a record read is shown again without reading it anew (seconds).
pub const FRESH_FOR_SECS: i64 = 10 * 60;

/// Whether opening a record may show what was read earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// What was read less than [`FRESH_FOR_SECS`] ago, else read again.
    Recent,
    /// Read every hospital again now.
    ReadAgain,
}

/// Records read this session, per person, in memory only.
pub struct RecordShelf {
    max_age: i64,
    records: Mutex<HashMap<String, PersonRecord>>,
}

impl RecordShelf {
    /// An empty shelf whose records are read again once older than `max_age_secs`.
    pub fn new(max_age_secs: i64) -> Self {
        Self { max_age: max_age_secs, records: Mutex::default() }
    }

    /// How long a record is shown without reading it again (seconds).
    pub fn max_age(&self) -> i64 {
        self.max_age
    }
}

impl Default for RecordShelf {
    fn default() -> Self {
        Self::new(FRESH_FOR_SECS)
    }
}

impl RecordShelf {
    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, PersonRecord>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The person's record if it was read less than `max_age` ago (at `now`).
    pub fn fresh(&self, person: &str, now: i64) -> Option<PersonRecord> {
        self.records().get(person).filter(|r| now.saturating_sub(r.read_at) < self.max_age).cloned()
    }

    /// The person's record, however old.
    pub fn get(&self, person: &str) -> Option<PersonRecord> {
        self.records().get(person).cloned()
    }

    /// Keeps a full read of the person's record.
    pub fn put(&self, person: &str, report: ConnectReport, now: i64) -> PersonRecord {
        let record = PersonRecord { read_at: now, hospitals: report.hospitals, items: report.records };
        self.records().insert(person.to_string(), record.clone());
        record
    }

    /// Adds a partial read (a retried or confirmed hospital): its outcomes replace the earlier ones for the same
    /// hospital and ticket (a hospital now read through its patient portal no longer offers it), its items merge
    /// into the record.
    pub fn update(&self, person: &str, report: ConnectReport, now: i64) -> PersonRecord {
        let mut records = self.records();
        let record = records.entry(person.to_string()).or_insert_with(|| PersonRecord {
            read_at: now,
            hospitals: Vec::new(),
            items: Vec::new(),
        });
        for outcome in report.hospitals {
            if outcome.via == crate::records::Via::Portal {
                // Read through the hospital's portal now: its "sign in at the portal" line has done its job.
                record.hospitals.retain(|o| !(o.fhir_base_url == outcome.fhir_base_url && o.portal_sign_in));
            }
            let same =
                |o: &HospitalOutcome| o.ticket_id == outcome.ticket_id && o.fhir_base_url == outcome.fhir_base_url;
            match record.hospitals.iter_mut().find(|o| same(o)) {
                Some(existing) => *existing = outcome,
                None => record.hospitals.push(outcome),
            }
        }
        let items = std::mem::take(&mut record.items);
        record.items = crate::records::merge(items.into_iter().chain(report.records));
        record.clone()
    }

    /// Forgets every record (on lock).
    pub fn clear(&self) {
        self.records().clear();
    }
}

impl crate::wallet::Wallet {
    /// The person's page: their merged record from memory when `freshness` allows and it is recent, else read from
    /// every hospital at once (each hospital's progress reported as it moves) and kept for the session. A hospital
    /// that needs the patient confirmed ends as `needs_confirmation`; it never holds up the others.
    pub async fn open_record(
        &self,
        person: &str,
        freshness: Freshness,
        progress: Progress,
    ) -> crate::Result<RecordView> {
        self.lock_if_idle().await;
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
        let missing = missing_notes(&theirs, &record.hospitals);
        Ok(RecordView { person, read_at: record.read_at, hospitals: record.hospitals, items: record.items, missing })
    }
}

/// What may be missing from a person's record, in plain sentences: record types no ticket shares, the tickets'
/// data period, sensitive categories withheld, and hospitals that could not be read.
pub fn missing_notes(tickets: &[&HeldTicket], hospitals: &[HospitalOutcome]) -> Vec<String> {
    let mut notes = Vec::new();
    let shared = |category: Category| {
        tickets.iter().any(|held| {
            held.ticket.claims.scopes.iter().any(|scope| {
                let resource = scope.split_once('/').map_or("", |(_, r)| r).split('.').next().unwrap_or("");
                resource == "*" || RESOURCE_TYPES.iter().any(|(t, c)| *t == resource && *c == category)
            })
        })
    };
    let unshared: Vec<&str> = Category::ALL.into_iter().filter(|c| !shared(*c)).map(Category::name).collect();
    // Someone read only through patient portals holds no permission to speak of.
    if !unshared.is_empty() && !tickets.is_empty() {
        notes.push(format!("The permission does not share {}.", unshared.join(", ")));
    }
    for held in tickets {
        if let Some((start, end)) = &held.ticket.claims.data_period {
            let words = |d: &Option<String>| d.as_deref().map(crate::describe::iso_date_words);
            let period = match (words(start), words(end)) {
                (Some(s), Some(e)) => format!("from {s} to {e}"),
                (Some(s), None) => format!("from {s} on"),
                (None, Some(e)) => format!("up to {e}"),
                (None, None) => continue,
            };
            notes.push(format!("Mostly records dated {period} are shared."));
        }
        if !held.ticket.claims.withheld.is_empty() {
            notes.push("Sensitive records (such as mental health or substance use) are not shared.".to_string());
        }
    }
    // What a hospital granted may be narrower than what the ticket allows: say what it left out.
    for outcome in hospitals.iter().filter(|o| o.status == ConnectionStatus::Connected && !o.granted.is_empty()) {
        let Some(held) = tickets.iter().find(|t| t.id == outcome.ticket_id) else { continue };
        let left_out: Vec<String> = crate::describe::granted_words(&held.ticket.claims.scopes.join(" "))
            .into_iter()
            .filter(|words| !outcome.granted.contains(words))
            .collect();
        if !left_out.is_empty() {
            notes.push(format!(
                "{} granted less than the permission allows; not granted: {}.",
                outcome.name,
                left_out.join("; ")
            ));
        }
    }
    let unread: Vec<&str> = hospitals
        .iter()
        .filter(|o| matches!(o.status, ConnectionStatus::Failed | ConnectionStatus::NeedsConfirmation))
        .map(|o| o.name.as_str())
        .collect();
    if !unread.is_empty() {
        notes.push(format!("Not read yet from {}.", unread.join(", ")));
    }
    notes.dedup();
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Source;

    fn outcome(url: &str, status: ConnectionStatus) -> HospitalOutcome {
        HospitalOutcome {
            person: "p1".into(),
            ticket_id: "t-1".into(),
            fhir_base_url: url.into(),
            name: format!("Hospital {url}"),
            status,
            error: None,
            resources: 0,
            granted: vec![],
            not_available: vec![],
            via: Default::default(),
            portal_sign_in: false,
        }
    }

    fn item(url: &str) -> RecordItem {
        RecordItem {
            id: String::new(),
            category: Category::Allergy,
            title: "Peanut".into(),
            detail: None,
            code: Some("s|1".into()),
            value: None,
            unit: None,
            date: None,
            sources: vec![Source {
                hospital: url.into(),
                fhir_base_url: url.into(),
                date: None,
                via: Default::default(),
            }],
            resources: vec![serde_json::json!({"resourceType": "AllergyIntolerance"})],
        }
    }

    #[test]
    fn a_record_is_fresh_until_its_age_passes_and_a_retry_replaces_one_outcome() {
        let shelf = RecordShelf::new(600);
        let report = ConnectReport {
            hospitals: vec![outcome("a", ConnectionStatus::Connected), outcome("b", ConnectionStatus::Failed)],
            records: crate::records::merge([item("a")]),
        };
        shelf.put("p1", report, 1_000);
        assert!(shelf.fresh("p1", 1_599).is_some());
        assert!(shelf.fresh("p1", 1_600).is_none());
        assert!(shelf.fresh("p2", 1_000).is_none());

        let retried = ConnectReport {
            hospitals: vec![outcome("b", ConnectionStatus::Connected)],
            records: crate::records::merge([item("b")]),
        };
        let record = shelf.update("p1", retried, 1_100);
        assert_eq!(record.hospitals.len(), 2);
        assert!(record.hospitals.iter().all(|o| o.status == ConnectionStatus::Connected));
        assert_eq!(record.items.len(), 1);
        assert_eq!(record.items[0].sources.len(), 2);
        shelf.clear();
        assert!(shelf.get("p1").is_none());
    }

    #[test]
    fn failed_hospitals_are_named_in_what_may_be_missing() {
        let notes = missing_notes(
            &[],
            &[outcome("a", ConnectionStatus::Connected), outcome("b", ConnectionStatus::NeedsConfirmation)],
        );
        assert!(notes.iter().any(|n| n == "Not read yet from Hospital b."), "{notes:?}");
        assert!(!notes.iter().any(|n| n.starts_with("The permission")), "no ticket, no permission: {notes:?}");
    }

    #[test]
    fn a_ticket_that_shares_only_some_record_types_says_which_it_does_not() {
        // Elena's ticket shares allergies, problems, results and medications, nothing else.
        let raw = include_str!("../../../tests/spec-vectors/uc1-ticket.jwt").trim().to_string();
        let held =
            HeldTicket { id: "t1".into(), ticket: crate::ticket::Ticket::parse(crate::Sensitive::new(raw)).unwrap() };
        let notes = missing_notes(&[&held], &[outcome("a", ConnectionStatus::Connected)]);
        assert!(
            notes.iter().any(|n| n == "The permission does not share immunizations, visits, documents, procedures."),
            "{notes:?}"
        );
    }
}
