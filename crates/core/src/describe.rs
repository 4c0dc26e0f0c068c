//! How a ticket is shown to people: plain words, dates not timestamps (digest §2.8).

use crate::ticket::{Ticket, SELF_ACCESS};
use serde::Serialize;
use ts_rs::TS;

/// A ticket described for people. Holds display text only, never the JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TicketDescription {
    /// "Your own records" or "Margaret Washington may access Harold Washington's records as healthcare power of attorney".
    pub headline: String,
    /// "Harold Washington, born 12 Mar 1944".
    pub patient: String,
    /// Who issued it (the issuer's host).
    pub issuer: String,
    /// One line per scope: "Lab results — view".
    pub access: Vec<String>,
    /// Every other line of the description, in the spec's order.
    pub details: Vec<String>,
}

/// Formats a Unix time as "12 Nov 2027".
pub fn date_words(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| day_words(t.date()))
        .unwrap_or_else(|_| "an unknown date".into())
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Parses exactly `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).ok()
}

/// Formats a FHIR date as words: `YYYY-MM-DD` → "12 Nov 2027", `YYYY-MM` → "Nov 2027", `YYYY` unchanged; anything
/// else is returned as given.
pub fn iso_date_words(date: &str) -> String {
    if let Some(day) = parse_day(date.get(..10).unwrap_or(date)) {
        return day_words(day);
    }
    let month = date.get(5..7).and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m));
    match (date.len(), date.get(..4).filter(|y| y.chars().all(|c| c.is_ascii_digit())), month) {
        (7, Some(year), Some(month)) if date.as_bytes()[4] == b'-' => format!("{} {year}", MONTHS[month - 1]),
        _ => date.to_string(),
    }
}

fn day_words(date: time::Date) -> String {
    format!("{} {} {}", date.day(), MONTHS[u8::from(date.month()) as usize - 1], date.year())
}

/// The plain-words label of a v3-RoleCode authority.
pub fn authority_words(code: &str) -> &'static str {
    match code {
        "DELEGATEE" => "delegate chosen by the patient",
        "HPOWATT" => "healthcare power of attorney",
        "DPOWATT" => "durable power of attorney",
        "POWATT" => "power of attorney",
        "SPOWATT" => "special power of attorney",
        "GUARD" => "guardian",
        _ => "authorized representative",
    }
}

/// Plain words for a FHIR resource type.
pub fn resource_words(resource: &str) -> String {
    match resource {
        "*" => "All record types",
        "Condition" => "Problems",
        "MedicationRequest" => "Medications",
        "AllergyIntolerance" => "Allergies",
        "Observation" => "Results and vital signs",
        "Immunization" => "Immunizations",
        "Encounter" => "Visits",
        "DiagnosticReport" => "Reports",
        "DocumentReference" => "Documents",
        "Procedure" => "Procedures",
        "Patient" => "Demographics",
        other => return other.to_string(),
    }
    .to_string()
}

fn sensitivity_words(code: &str) -> &str {
    match code {
        "PSY" | "PSYTHPN" => "Mental health",
        "ETH" | "SUD" => "Substance use",
        "HIV" => "HIV",
        "SEX" | "SDV" => "Sexual and reproductive health",
        other => other,
    }
}

/// One scope in words: "Lab results — view (only laboratory)".
pub fn scope_words(scope: &str) -> String {
    let (main, query) = scope.split_once('?').map_or((scope, None), |(m, q)| (m, Some(q)));
    let rest = main.split_once('/').map_or(main, |(_, r)| r);
    let (resource, perms) = rest.rsplit_once('.').unwrap_or((rest, ""));
    let view = perms.contains('r') || perms.contains('s');
    let change = perms.contains('c') || perms.contains('u') || perms.contains('d');
    let verbs = match (view, change) {
        (true, true) => "view and change",
        (false, true) => "change",
        _ => "view",
    };
    let narrowing = query
        .map(|q| {
            let code = q.rsplit('|').next().unwrap_or(q);
            if q.starts_with("category=") {
                format!(" (only {code} category)")
            } else {
                format!(" (only code {code})")
            }
        })
        .unwrap_or_default();
    format!("{} — {verbs}{narrowing}", resource_words(resource))
}

fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// Describes a ticket for people, exactly in the order of digest §2.8.
pub fn describe(ticket: &Ticket) -> TicketDescription {
    let c = &ticket.claims;
    let patient_name = c.patient.full_name();
    let headline = match (&c.requester, &c.study) {
        (Some(requester), _) => format!(
            "{} may access {patient_name}'s records as {}",
            requester.full_name(),
            authority_words(c.authority.as_deref().unwrap_or(""))
        ),
        (None, Some(study)) => format!("{patient_name}'s consent to the study \"{study}\""),
        (None, None) if c.ticket_type == SELF_ACCESS => "Your own records".to_string(),
        (None, None) => format!("Access to {patient_name}'s records"),
    };
    let patient = match &c.patient.birth_date {
        Some(born) => format!("{patient_name}, born {}", iso_date_words(born)),
        None => patient_name,
    };
    let mut details = Vec::new();
    if let Some(until) = &c.authority_until {
        details.push(format!("Authority recorded until {}", iso_date_words(until)));
    }
    if let Some((start, end)) = &c.data_period {
        let words = |d: &Option<String>| d.as_deref().map(iso_date_words).unwrap_or_else(|| "any time".into());
        details.push(format!(
            "Mostly records dated {}–{}. Records still relevant to current care (e.g. active allergies) and records without dates may still be shared.",
            words(start),
            words(end)
        ));
    }
    for filter in &c.holder_filters {
        details.push(format!("{filter}. A chosen clinic may share the whole combined record of its health system."));
    }
    details.push(if c.aud_is_framework {
        format!("Usable across network {}", c.aud.join(", "))
    } else {
        format!("Usable at {}", c.aud.join(", "))
    });
    details.push(format!("Can connect to new hospitals until {}", date_words(c.exp)));
    match c.continuation {
        Some(Some(until)) => details.push(format!("Connections stay active until {}", date_words(until))),
        Some(None) => details.push("Connections stay active until you revoke".into()),
        None => {}
    }
    details.push(if c.revocation.is_some() {
        "Can be revoked early".into()
    } else {
        format!("Cannot be revoked before {}", date_words(c.exp))
    });
    if c.jkt.is_some() {
        details.push("Only this app on this device can use it".into());
    } else if let Some(entity) = &c.bound_entity {
        details.push(format!("Only {entity}"));
    }
    if !c.withheld.is_empty() {
        let words: Vec<&str> = c.withheld.iter().map(|w| sensitivity_words(w)).collect();
        details.push(format!("Not shared: {}", words.join(", ")));
    }
    if !c.unknown_access.is_empty() {
        details.push(format!(
            "Has limits most hospitals may not understand ({}); it may be refused",
            c.unknown_access.join(", ")
        ));
    }
    TicketDescription {
        headline,
        patient,
        issuer: host(&c.iss),
        access: c.scopes.iter().map(|s| scope_words(s)).collect(),
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_dates_in_words() {
        assert_eq!(
            scope_words("patient/Observation.rs?category=http://x|laboratory"),
            "Results and vital signs — view (only laboratory category)"
        );
        assert_eq!(scope_words("patient/*.cruds"), "All record types — view and change");
        assert_eq!(
            scope_words("patient/Observation.rs?code=http://loinc.org|4548-4"),
            "Results and vital signs — view (only code 4548-4)"
        );
        assert_eq!(iso_date_words("2027-11-12"), "12 Nov 2027");
        assert_eq!(iso_date_words("2025-02"), "Feb 2025");
        assert_eq!(iso_date_words("2025"), "2025");
        assert_eq!(iso_date_words("2025-13"), "2025-13");
        assert_eq!(iso_date_words("soon"), "soon");
        assert_eq!(date_words(1_784_140_413), "15 Jul 2026");
    }
}
