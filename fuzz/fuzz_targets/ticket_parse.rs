//! Fuzz target: permission-ticket parsing, verification and time checks.
//!
//! Each input is read twice: as a compact JWT, and as the claims of one (under a fixed ES256 header and a dummy
//! signature), so that mutations reach the claim readers without first having to survive base64url. Parsing must
//! never panic and must fail only as `ticket.malformed`; a parsed ticket is verified against the seed issuer's key
//! (`make_seeds.py`) and its times checked, which must fail only with their own codes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::sync::OnceLock;
use tessera_core::ticket::Ticket;
use tessera_core::{ErrorCode, Sensitive};

fn jwks() -> &'static Value {
    static JWKS: OnceLock<Value> = OnceLock::new();
    JWKS.get_or_init(|| {
        let key: Value = serde_json::from_str(include_str!("seed_issuer.jwk.json")).expect("the seed issuer's JWK");
        json!({ "keys": [key] })
    })
}

fn check(text: String) {
    match Ticket::parse(Sensitive::new(text)) {
        Ok(ticket) => {
            if let Err(error) = ticket.verify(jwks()) {
                let code = error.code();
                assert!(
                    matches!(
                        code,
                        ErrorCode::TicketMalformed | ErrorCode::TicketSignatureInvalid | ErrorCode::TicketUnknownKey
                    ),
                    "verification failed as {code}"
                );
            }
            for now in [0, 1_800_000_000, -1_800_000_000, i64::MAX / 2, i64::MIN / 2] {
                if let Err(error) = ticket.check_times(now) {
                    let code = error.code();
                    assert!(
                        matches!(code, ErrorCode::TicketExpired | ErrorCode::TicketNotYetValid),
                        "checking times failed as {code}"
                    );
                }
            }
            let _ = ticket.usable_at("https://hospital.example/fhir");
            let _ = ticket.claims.patient.full_name();
            for permission in &ticket.claims.permissions {
                let _ = (permission.scope(), permission.views(), permission.changes());
            }
        }
        Err(error) => assert_eq!(error.code(), ErrorCode::TicketMalformed, "parsing failed as {}", error.code()),
    }
}

fuzz_target!(|data: &[u8]| {
    check(String::from_utf8_lossy(data).into_owned());
    let header = tessera_jose::b64url(br#"{"alg":"ES256","kid":"QUcE","typ":"JWT"}"#);
    check(format!("{header}.{}.{}", tessera_jose::b64url(data), tessera_jose::b64url(&[1; 64])));
});
