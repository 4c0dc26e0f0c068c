//! The spec's signed vectors (`tests/spec-vectors/`, kept in the repository) verify and parse as their README says.

use serde_json::Value;
use tessera_core::ticket::{Kernel, Ticket};
use tessera_core::words::describe::describe;
use tessera_core::{ErrorCode, Sensitive};

/// The vectors' directory; a missing one fails the test (it never passes by skipping).
fn vectors() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/spec-vectors");
    assert!(dir.is_dir(), "the spec vectors are missing: {}", dir.display());
    dir
}

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).trim().to_string()
}

fn issuer_jwks(dir: &std::path::Path) -> Value {
    serde_json::json!({ "keys": [serde_json::from_str::<Value>(&read(dir, "issuer.public.json")).unwrap()] })
}

/// 2026-11-23, the day the vectors README was checked: every vector is expired by then.
const TODAY: i64 = 1_795_392_000;

#[test]
fn current_format_tickets_verify_parse_and_are_expired() {
    let dir = vectors();
    let jwks = issuer_jwks(&dir);
    for name in
        ["uc1-ticket", "uc1-evidence-ticket", "uc2-ticket", "uc3-ticket", "uc5-ticket", "payer-quality-gap-ticket"]
    {
        let ticket =
            Ticket::parse(Sensitive::new(read(&dir, &format!("{name}.jwt")))).unwrap_or_else(|e| panic!("{name}: {e}"));
        ticket.verify(&jwks).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ticket.check_times(TODAY).unwrap_err().code(), ErrorCode::TicketExpired, "{name}");
        assert_eq!(ticket.claims.kernel, Kernel::Current, "{name}");
    }
    let uc2 = Ticket::parse(Sensitive::new(read(&dir, "uc2-ticket.jwt"))).unwrap();
    let words = describe(&uc2);
    assert_eq!(words.headline, "Elena Reyes may access Maria Reyes's records as delegate chosen by the patient");
    assert_eq!(words.patient, "Maria Reyes, born 15 Jun 1948");
    assert!(words.details.contains(&"Authority recorded until 31 Dec 2026".to_string()));
    assert!(words.details.contains(&"Only this app on this device can use it".to_string()));
    assert!(words.details.iter().any(|d| d.starts_with("Carries no revocation status")));
    assert_eq!(words.access, vec!["Problems — view", "Immunizations — view", "Medications — view"]);
    let uc1 = Ticket::parse(Sensitive::new(read(&dir, "uc1-ticket.jwt"))).unwrap();
    assert_eq!(describe(&uc1).headline, "Your own records");
    assert!(describe(&uc1).details.iter().any(|d| d.starts_with("Mostly records dated 1 Jan 2021–1 Jan 2026")));
}

#[test]
fn legacy_april_2026_tickets_verify_and_map_permissions_to_scopes() {
    let dir = vectors();
    let jwks = issuer_jwks(&dir);
    for name in ["uc4-ticket", "uc6-ticket", "uc7-ticket"] {
        let ticket = Ticket::parse(Sensitive::new(read(&dir, &format!("legacy/{name}.jwt")))).unwrap();
        ticket.verify(&jwks).unwrap();
        assert_eq!(ticket.claims.kernel, Kernel::April2026, "{name}");
        assert!(ticket.claims.scopes.iter().all(|s| s.starts_with("patient/")), "{name}: {:?}", ticket.claims.scopes);
        assert_eq!(ticket.check_times(TODAY).unwrap_err().code(), ErrorCode::TicketExpired);
    }
}

#[test]
fn must_reject_vectors_are_rejected() {
    let dir = vectors();
    let jwks = issuer_jwks(&dir);
    // The 2025 RS256 assertion without kid: not ES256, no published key.
    let legacy = read(&dir, "legacy/uc3-assertion.jwt");
    match Ticket::parse(Sensitive::new(legacy.clone())) {
        Ok(ticket) => assert!(ticket.verify(&jwks).is_err()),
        Err(error) => assert_eq!(error.code(), ErrorCode::TicketMalformed),
    }
    assert!(tessera_jose::verify(&legacy, &jwks).is_err());
    // The example client assertion is not a ticket.
    assert_eq!(
        Ticket::parse(Sensitive::new(read(&dir, "example-client-assertion.jwt"))).unwrap_err().code(),
        ErrorCode::TicketMalformed
    );
    // The evidence ID token verifies only with the evidence issuer's key.
    let evidence = read(&dir, "uc1-evidence-id-token.jwt");
    assert!(tessera_jose::verify(&evidence, &jwks).is_err());
    let evidence_jwks = serde_json::json!({ "keys": [serde_json::from_str::<Value>(&read(&dir, "evidence-issuer.public.json")).unwrap()] });
    assert!(tessera_jose::verify(&evidence, &evidence_jwks).is_ok());
    // A tampered ticket fails.
    let good = read(&dir, "uc2-ticket.jwt");
    let mut parts: Vec<&str> = good.split('.').collect();
    let other = read(&dir, "uc1-ticket.jwt");
    parts[1] = other.split('.').nth(1).unwrap();
    let forged = Ticket::parse(Sensitive::new(parts.join("."))).unwrap();
    assert_eq!(forged.verify(&jwks).unwrap_err().code(), ErrorCode::TicketSignatureInvalid);
}
