//! The activity log as people read it: what happened, when, where (hospital names, not addresses), under which
//! grant, and how it went — filtered by person, hospital, grant, kind and time, and exported as CSV or JSON.
//! Entries never hold record contents, tokens or names of people (the store refuses to keep them in the first
//! place); hospital names are looked up from the directory when the log is read.

use crate::store::rows::outcome_text;
use crate::store::{ActivityEntry, ActivityKind};
use crate::wallet::Wallet;
use crate::words::describe::date_words;
use crate::Result;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

impl ActivityKind {
    /// In words, "Read records".
    pub fn words(self) -> &'static str {
        match self {
            ActivityKind::SignIn => "Signed in with the trust broker",
            ActivityKind::SignOut => "Signed out of the trust broker",
            ActivityKind::TicketReceived => "Received a permission",
            ActivityKind::Redemption => "Showed the permission",
            ActivityKind::Refresh => "Renewed access",
            ActivityKind::RecordsRead => "Read records",
            ActivityKind::Interaction => "Confirmed the patient",
            ActivityKind::Revoke => "Ended access",
            ActivityKind::StatusCheck => "Checked a permission's status",
            ActivityKind::Disclosure => "Showed the patient's name and birth date",
            ActivityKind::PortalSignIn => "Signed in at a hospital's patient portal",
            ActivityKind::Other => "Other",
        }
    }
}

/// Which entries to show. Every filter is optional; times are Unix seconds.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct ActivityFilter {
    /// Only entries under this person's grants (their id at the issuer).
    pub person: Option<String>,
    /// Only this hospital (FHIR base URL).
    pub hospital: Option<String>,
    /// Only this grant (ticket id).
    pub grant: Option<String>,
    /// Only this kind.
    pub kind: Option<ActivityKind>,
    /// From this time on.
    #[ts(type = "number | null")]
    pub since: Option<i64>,
    /// Before this time.
    #[ts(type = "number | null")]
    pub until: Option<i64>,
}

/// One entry as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ActivityView {
    /// Unix time.
    #[ts(type = "number")]
    pub at: i64,
    /// "12 Nov 2026".
    pub day: String,
    /// What happened.
    pub kind: ActivityKind,
    /// What happened, in words.
    pub what: String,
    /// The hospital's name (its address when it is no longer in the directory).
    pub hospital: Option<String>,
    /// The grant (ticket id).
    pub grant: Option<String>,
    /// Whether it went well.
    pub ok: bool,
    /// `ok` or the error code.
    pub outcome: String,
    /// Non-identifying detail: resource types and counts, a broker's host, a reason.
    pub detail: Option<String>,
}

impl Wallet {
    /// The activity log, newest first, filtered; hospital names from the directory.
    pub async fn activity(&self, filter: &ActivityFilter) -> Result<Vec<ActivityView>> {
        let mut entries =
            self.deps.store.activity(filter.hospital.as_deref(), filter.grant.as_deref(), filter.since).await?;
        if let Some(person) = &filter.person {
            let theirs: Vec<String> = self
                .held_tickets()
                .await?
                .into_iter()
                .filter(|t| &t.ticket.claims.patient_key == person)
                .map(|t| t.id)
                .chain(
                    self.deps
                        .store
                        .portal_connections()
                        .await?
                        .into_iter()
                        .filter_map(|row| (row.person_ref == crate::portal::person_ref(person)).then_some(row.id)),
                )
                .collect();
            entries.retain(|e| e.grant.as_ref().is_some_and(|g| theirs.contains(g)));
        }
        entries.retain(|e| filter.until.is_none_or(|until| e.at < until));
        entries.retain(|e| filter.kind.is_none_or(|kind| e.kind == kind));
        let names = self.deps.store.hospital_names().await?;
        entries.reverse();
        Ok(entries.into_iter().map(|e| view(e, &names)).collect())
    }
}

fn view(entry: ActivityEntry, names: &std::collections::HashMap<String, String>) -> ActivityView {
    let kind = entry.kind;
    ActivityView {
        at: entry.at,
        day: date_words(entry.at),
        kind,
        what: kind.words().to_string(),
        hospital: entry.hospital.map(|url| names.get(&url).cloned().unwrap_or(url)),
        grant: entry.grant,
        ok: entry.outcome.is_ok(),
        outcome: outcome_text(&entry.outcome).to_string(),
        detail: entry.detail,
    }
}

/// The UTC time of `unix` as RFC 3339 ("2026-11-12T09:30:00Z"), for exports.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// The entries as CSV (RFC 4180 quoting; times in RFC 3339, UTC), header first.
pub fn to_csv(entries: &[ActivityView]) -> String {
    let quote = |field: &str| format!("\"{}\"", field.replace('"', "\"\""));
    let mut out = String::from("time,kind,what,hospital,grant,outcome,detail\n");
    for e in entries {
        let kind = serde_json::to_value(e.kind).ok().and_then(|k| k.as_str().map(String::from)).unwrap_or_default();
        let fields = [
            rfc3339(e.at),
            kind,
            e.what.clone(),
            e.hospital.clone().unwrap_or_default(),
            e.grant.clone().unwrap_or_default(),
            e.outcome.clone(),
            e.detail.clone().unwrap_or_default(),
        ];
        out.push_str(&fields.iter().map(|f| quote(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// The entries as a JSON document `{"activity": [...]}` with RFC 3339 times.
pub fn to_json(entries: &[ActivityView]) -> String {
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let mut row = serde_json::to_value(e).unwrap_or_default();
            row["time"] = serde_json::Value::String(rfc3339(e.at));
            row
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "activity": rows })).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The outcome column of the CSV's third line.
    fn failed_outcome(csv: &str) -> String {
        csv.lines().nth(2).unwrap().split("\",\"").nth(5).unwrap().to_string()
    }

    fn entry(at: i64, kind: ActivityKind, hospital: Option<&str>, outcome: crate::store::Outcome) -> ActivityEntry {
        ActivityEntry {
            at,
            kind,
            hospital: hospital.map(String::from),
            grant: Some("t-1".into()),
            outcome,
            detail: Some("Condition: 3, \"quoted\"".into()),
        }
    }

    #[test]
    fn entries_read_in_words_with_hospital_names_and_export_as_csv_and_json() {
        let names = std::collections::HashMap::from([("http://h/fhir".to_string(), "Decatur Clinic".to_string())]);
        let read = view(entry(1_790_000_000, ActivityKind::RecordsRead, Some("http://h/fhir"), Ok(())), &names);
        assert_eq!((read.kind, read.what.as_str(), read.ok), (ActivityKind::RecordsRead, "Read records", true));
        assert_eq!(read.hospital.as_deref(), Some("Decatur Clinic"));
        let unreachable = Err(crate::ErrorCode::HospitalUnreachable);
        let failed =
            view(entry(1_790_000_100, ActivityKind::Redemption, Some("http://gone/fhir"), unreachable), &names);
        assert_eq!((failed.ok, failed.hospital.as_deref()), (false, Some("http://gone/fhir")));

        let csv = to_csv(&[read.clone(), failed]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "time,kind,what,hospital,grant,outcome,detail");
        assert_eq!(
            lines[1],
            "\"2026-09-21T14:13:20Z\",\"records_read\",\"Read records\",\"Decatur Clinic\",\"t-1\",\"ok\",\"Condition: 3, \"\"quoted\"\"\""
        );
        let json: serde_json::Value = serde_json::from_str(&to_json(&[read])).unwrap();
        assert_eq!(json["activity"][0]["time"], "2026-09-21T14:13:20Z");
        assert_eq!(json["activity"][0]["kind"], "records_read");
        assert_eq!(failed_outcome(&csv), "hospital.unreachable");
    }
}
