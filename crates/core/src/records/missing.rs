//! What may be missing from a person's record, in plain sentences: record types no ticket shares, the tickets'
//! data period, sensitive categories withheld, what a hospital granted less than the ticket allows, and hospitals
//! that could not be read.

use crate::hospitals::fan_out::ConnectionStatus;
use crate::records::{Category, RESOURCE_TYPES};
use crate::view::{HeldTicket, HospitalOutcome};

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
            let words = |d: &Option<String>| d.as_deref().map(crate::words::describe::iso_date_words);
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
        let left_out: Vec<String> = crate::words::describe::granted_words(&held.ticket.claims.scopes.join(" "))
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
    use crate::view::test_outcome as outcome;
    use crate::view::HeldTicket;

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
        let raw = include_str!("../../../../tests/spec-vectors/uc1-ticket.jwt").trim().to_string();
        let held =
            HeldTicket { id: "t1".into(), ticket: crate::ticket::Ticket::parse(crate::Sensitive::new(raw)).unwrap() };
        let notes = missing_notes(&[&held], &[outcome("a", ConnectionStatus::Connected)]);
        assert!(
            notes.iter().any(|n| n == "The permission does not share immunizations, visits, documents, procedures."),
            "{notes:?}"
        );
    }
}
