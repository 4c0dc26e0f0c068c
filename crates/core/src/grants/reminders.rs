//! Desktop reminders: a grant ending within 30 days, then within 7, and revocations still waiting for a hospital.
//!
//! Reminders are shown by the desktop, sometimes on a locked screen, so they never name a person, a hospital or
//! anything from a record: they say what kind of thing needs attention and where in Tessera to look. Each has a key
//! under which it is sent once (the store remembers sent keys).

use crate::store::TicketFacts;
use crate::words::describe::date_words;

const DAY: i64 = 86_400;

/// One desktop notification to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Sent once per key.
    pub key: String,
    /// The notification's title.
    pub title: String,
    /// The notification's text.
    pub body: String,
}

/// The reminders due at `now` for these tickets and this many connections still waiting for a revocation to be
/// confirmed. Reminders already sent are filtered out by the caller, by key.
pub fn due(tickets: &[TicketFacts], pending_revocations: usize, now: i64) -> Vec<Reminder> {
    let mut out: Vec<Reminder> = tickets.iter().filter_map(|t| ending(t, now)).collect();
    if pending_revocations > 0 {
        let day = now.div_euclid(DAY);
        let hospitals = if pending_revocations == 1 {
            "One hospital has".to_string()
        } else {
            format!("{pending_revocations} hospitals have")
        };
        out.push(Reminder {
            key: format!("pending/{day}"),
            title: "A revocation is still pending".into(),
            body: format!(
                "{hospitals} not yet confirmed that a grant you ended is closed. Tessera keeps trying; \
                 open Grants in Tessera to retry now."
            ),
        });
    }
    out
}

/// The reminder for a grant ending within 30 or 7 days, if one is due.
fn ending(ticket: &TicketFacts, now: i64) -> Option<Reminder> {
    let end = ticket.grant_ends_at?;
    if ticket.revoked_at.is_some() || end <= now {
        return None;
    }
    let left = end.saturating_sub(now);
    let (threshold, within) = if left <= 7 * DAY {
        (7, "within a week")
    } else if left <= 30 * DAY {
        (30, "within 30 days")
    } else {
        return None;
    };
    Some(Reminder {
        key: format!("ends-{threshold}/{}/{end}", ticket.id),
        title: format!("A grant ends {within}"),
        body: format!(
            "A grant Tessera holds ends on {}. Open Grants in Tessera to see which, and ask for it again if it is still needed.",
            date_words(end)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: &str, end: Option<i64>) -> TicketFacts {
        TicketFacts {
            id: id.into(),
            issuer: "https://broker.example".into(),
            status_list: None,
            grant_ends_at: end,
            revoked_at: None,
        }
    }

    #[test]
    fn a_grant_is_reminded_at_30_days_then_at_7_under_different_keys() {
        let end = 1_900_000_000;
        assert!(due(&[ticket("a", Some(end))], 0, end - 31 * DAY).is_empty());
        let at_30 = due(&[ticket("a", Some(end))], 0, end - 30 * DAY);
        assert_eq!(at_30.len(), 1);
        assert_eq!(at_30[0].title, "A grant ends within 30 days");
        let at_7 = due(&[ticket("a", Some(end))], 0, end - 7 * DAY);
        assert_eq!(at_7[0].title, "A grant ends within a week");
        assert_ne!(at_30[0].key, at_7[0].key);
        assert!(at_7[0].body.contains(&date_words(end)));
        assert!(due(&[ticket("a", Some(end))], 0, end).is_empty(), "an ended grant is not reminded");
    }

    #[test]
    fn grants_without_an_end_or_already_revoked_are_not_reminded() {
        let now = 1_900_000_000;
        let mut revoked = ticket("b", Some(now + DAY));
        revoked.revoked_at = Some(now - 1);
        assert!(due(&[ticket("a", None), revoked], 0, now).is_empty());
    }

    #[test]
    fn pending_revocations_are_reminded_once_a_day_without_names() {
        let now = 1_900_000_000;
        let one = due(&[], 1, now);
        assert_eq!(one.len(), 1);
        assert!(one[0].body.starts_with("One hospital has"));
        assert_eq!(due(&[], 3, now + 60)[0].key, one[0].key);
        assert_ne!(due(&[], 3, now + DAY)[0].key, one[0].key);
        assert!(due(&[], 3, now)[0].body.starts_with("3 hospitals have"));
        assert!(due(&[], 0, now).is_empty());
    }
}
