//! The records a window shows, kept in memory for the session: one merged record per person, as last read, with
//! each hospital's outcome. Views read from here; nothing is refetched unless the person asks or the record is
//! older than [`FRESH_FOR_SECS`]. The shelf is part of the wallet's [`crate::session::Session`], so locking empties
//! it. Nothing here is ever written to disk.

use crate::records::RecordItem;
use crate::view::{ConnectReport, HospitalOutcome, PersonView};
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hospitals::fan_out::ConnectionStatus;
    use crate::view::test_outcome as outcome;

    fn item(url: &str) -> RecordItem {
        let resource = serde_json::json!({"resourceType": "AllergyIntolerance", "id": "a1",
            "code": {"text": "Peanut", "coding": [{"system": "s", "code": "1"}]}});
        let from = crate::records::HospitalRef { name: url.into(), fhir_base_url: url.into() };
        crate::records::normalise(&resource, &from).unwrap()
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
}
