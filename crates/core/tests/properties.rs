//! Property tests (proptest) for the two parsers that read the most hostile input: tickets and FHIR records.
//!
//! - Ticket parsing never panics, on arbitrary bytes, arbitrary JWT-shaped text or arbitrary claims, and always
//!   answers `Ok` or `ticket.malformed`; a ticket that parses, signed by the issuer, verifies, and its times check
//!   out as valid, expired or not yet valid — nothing else. Changing any character of a signed ticket's header or
//!   claims is never accepted.
//! - FHIR normalisation never panics on arbitrary JSON shapes; a search page (`records::read_page`) never yields a
//!   resource — nor, after normalisation, an item — about anyone but the token's patient.
//!
//! The fuzz targets in `fuzz/` explore the same functions for minutes at a time (see the README).

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use tessera_core::records::{self, HospitalRef, RESOURCE_TYPES};
use tessera_core::ticket::Ticket;
use tessera_core::{ErrorCode, Sensitive};
use tessera_jose::{b64url, SigningKey};

const NOW: i64 = 1_800_000_000;
const FHIR: &str = "http://127.0.0.1:8080/fhir";
const PATIENT: &str = "p1";

// ------------------------------------------------------------------------------------------------------------------
// Arbitrary JSON, biased towards the names and values the parsers look for
// ------------------------------------------------------------------------------------------------------------------

/// Member names the ticket and FHIR readers look up, so that random objects hit their branches.
const NAMES: &[&str] = &[
    "iss",
    "aud",
    "aud_type",
    "exp",
    "iat",
    "nbf",
    "jti",
    "ticket_type",
    "subject",
    "patient",
    "access",
    "smart_scopes",
    "permissions",
    "fhir_resources",
    "kind",
    "resource_type",
    "interactions",
    "category_any_of",
    "code_any_of",
    "data_period",
    "start",
    "end",
    "data_holder_filter",
    "address",
    "state",
    "country",
    "organization",
    "sensitivity_withhold",
    "codes",
    "unlisted",
    "sensitive_data",
    "claim_linkage",
    "encounter",
    "claim",
    "presenter_binding",
    "method",
    "jkt",
    "entity_uri",
    "revocation",
    "url",
    "index",
    "continuation",
    "refresh_until",
    "requester",
    "relationship",
    "period",
    "purpose",
    "context",
    "study",
    "reason",
    "subject_identity_evidence",
    "jwt",
    "must_understand",
    "name",
    "given",
    "family",
    "birthDate",
    "identifier",
    "value",
    "resourceType",
    "reference",
    "display",
    "text",
    "coding",
    "system",
    "code",
    "valueQuantity",
    "unit",
    "effectiveDateTime",
    "onsetDateTime",
    "recordedDate",
    "authoredOn",
    "occurrenceDateTime",
    "performedDateTime",
    "date",
    "type",
    "class",
    "status",
    "clinicalStatus",
    "criticality",
    "medicationCodeableConcept",
    "vaccineCode",
    "content",
    "attachment",
    "title",
    "id",
    "entry",
    "resource",
    "link",
    "relation",
];

/// Strings the readers compare against.
const WORDS: &[&str] = &[
    "",
    " ",
    "Patient/p1",
    "Patient/p2",
    "Patient/p1/",
    "patient/p1",
    "#p1",
    "Patient/",
    "p1",
    "http://127.0.0.1:8080/fhir/Patient/p1",
    "http://127.0.0.1:8080/fhir/Patient/p2",
    "https://other.example/fhir/Patient/p1",
    "http://127.0.0.1:8080/fhir/http://127.0.0.1:8080/fhir/Patient/p1",
    "Condition",
    "Observation",
    "MedicationRequest",
    "AllergyIntolerance",
    "Immunization",
    "Encounter",
    "DiagnosticReport",
    "DocumentReference",
    "Procedure",
    "Bundle",
    "Patient",
    "next",
    "2024-01-05",
    "2024-01-05T10:00:00Z",
    "2024-02-30",
    "2024-13",
    "2024",
    "9999-99-99",
    "yesterday",
    "２０２４-01-05",
    "\u{202e}",
    "\u{0}",
    "é",
    "😀😀😀😀😀😀😀😀😀😀😀",
    "ES256",
    "none",
    "jkt",
    "trust_framework",
    "jurisdiction",
    "organization",
    "operation",
    "data",
    "read",
    "search",
    "patient/*.rs",
    "patient/Observation.rs?x=y",
    "user/*.*",
    "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1",
    "include",
    "exclude",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![i64::MIN, i64::MAX, -1, 0, 1, NOW, NOW + 3600, NOW - 3600]).prop_map(Value::from),
        any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite()).prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(NAMES).prop_map(String::from), 1 => "[a-zA-Z_]{1,10}"]
}

/// Arbitrary JSON up to a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ------------------------------------------------------------------------------------------------------------------
// Tickets
// ------------------------------------------------------------------------------------------------------------------

fn issuer() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().unwrap())
}

fn jwks() -> Value {
    json!({ "keys": [issuer().public_jwk()] })
}

fn claims() -> Value {
    json!({
        "iss": "https://broker.example",
        "aud": ["https://hospital.example/fhir"],
        "exp": NOW + 3600,
        "iat": NOW - 60,
        "jti": "ticket-1",
        "ticket_type": "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1",
        "subject": {"patient": {"resourceType": "Patient", "name": [{"family": "Washington", "given": ["Harold"]}],
            "birthDate": "1948-03-02", "identifier": [{"value": "p1"}]}},
        "access": {"smart_scopes": ["patient/*.rs"]},
    })
}

/// The valid claims with members replaced by arbitrary JSON at the top level, in `access` and in the patient.
fn arbitrary_claims() -> impl Strategy<Value = Value> {
    let members = || prop::collection::btree_map(key(), json(), 0..4);
    (members(), members(), members()).prop_map(|(top, access, patient)| {
        let mut claims = claims();
        for (name, value) in patient {
            claims["subject"]["patient"][name] = value;
        }
        for (name, value) in access {
            claims["access"][name] = value;
        }
        for (name, value) in top {
            claims[name] = value;
        }
        claims
    })
}

/// Parses `text` as a ticket: `Ok(ticket)` or the error code, which must be `ticket.malformed` (or
/// `ticket.unsupported`, for a `must_understand` rule Tessera does not know).
fn parse(text: String) -> Result<Ticket, ErrorCode> {
    let parsed = Ticket::parse(Sensitive::new(text)).map_err(|e| e.code());
    if let Err(code) = parsed {
        assert!(
            matches!(code, ErrorCode::TicketMalformed | ErrorCode::TicketUnsupported),
            "parsing fails only as ticket.malformed or ticket.unsupported, not {code}"
        );
    }
    parsed
}

/// What the wallet does with a ticket: parse, verify, check times.
fn accepted(text: String) -> bool {
    parse(text).is_ok_and(|ticket| ticket.verify(&jwks()).is_ok() && ticket.check_times(NOW).is_ok())
}

fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn ticket_parsing_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(String::from_utf8_lossy(&bytes).into_owned());
    }

    #[test]
    fn ticket_parsing_never_panics_on_jwt_shaped_text(
        header in "[A-Za-z0-9_=-]{0,64}",
        claims in "[A-Za-z0-9_=-]{0,256}",
        signature in "[A-Za-z0-9_=*.-]{0,96}",
    ) {
        let _ = parse(format!("{header}.{claims}.{signature}"));
    }

    #[test]
    fn ticket_parsing_never_panics_on_arbitrary_json(header in json(), claims in json()) {
        let text = format!(
            "{}.{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes()),
            b64url(&[0; 64])
        );
        if let Ok(ticket) = parse(text) {
            // Whatever parsed, the zero signature never verifies.
            prop_assert!(ticket.verify(&jwks()).is_err());
        }
    }

    #[test]
    fn signed_tickets_with_arbitrary_claims_parse_or_are_malformed(claims in arbitrary_claims()) {
        let jwt = issuer().sign(&claims, Some("JWT")).unwrap();
        if let Ok(ticket) = parse(jwt.clone()) {
            prop_assert_eq!(ticket.raw().expose(), &jwt, "the raw ticket is kept byte for byte");
            prop_assert_eq!(Some(ticket.claims.exp), claims["exp"].as_i64(), "exp is the claim's integer");
            prop_assert!(ticket.verify(&jwks()).is_ok(), "the issuer's own signature verifies");
            match ticket.check_times(NOW) {
                Ok(()) => prop_assert!(ticket.claims.exp > NOW),
                Err(e) => prop_assert!(
                    matches!(e.code(), ErrorCode::TicketExpired | ErrorCode::TicketNotYetValid),
                    "times fail only as expired or not yet valid, not {}", e.code()
                ),
            }
        }
    }

    #[test]
    fn changing_any_character_of_a_signed_ticket_is_never_accepted(
        at in any::<prop::sample::Index>(),
        replacement in "[A-Za-z0-9_-]",
    ) {
        let jwt = issuer().sign(&claims(), Some("JWT")).unwrap();
        let signing_input = jwt.rfind('.').unwrap();
        let at = at.index(signing_input);
        prop_assume!(jwt.as_bytes()[at] != b'.' && jwt[at..at + 1] != replacement);
        let tampered = format!("{}{replacement}{}", &jwt[..at], &jwt[at + 1..]);
        prop_assert!(!accepted(tampered));
    }
}

#[test]
fn the_valid_ticket_is_accepted() {
    // The control for the tampering property: unchanged, the ticket passes.
    assert!(accepted(issuer().sign(&claims(), Some("JWT")).unwrap()));
}

// ------------------------------------------------------------------------------------------------------------------
// FHIR normalisation
// ------------------------------------------------------------------------------------------------------------------

fn hospital() -> HospitalRef {
    HospitalRef { name: "Hospital".into(), fhir_base_url: FHIR.into() }
}

/// A resource of a type the wallet reads, with arbitrary members.
fn resource() -> impl Strategy<Value = Value> {
    let types: Vec<&'static str> = RESOURCE_TYPES.iter().map(|(t, _)| *t).collect();
    (prop::sample::select(types), prop::collection::btree_map(key(), json(), 0..10)).prop_map(|(kind, members)| {
        let mut resource: Map<String, Value> = members.into_iter().collect();
        resource.insert("resourceType".into(), Value::from(kind));
        Value::Object(resource)
    })
}

/// A reference to someone: the token's patient in the forms a hospital may write it, someone else, or nonsense.
fn reference() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(Some(json!({"reference": "Patient/p1"}))),
        2 => Just(Some(json!({"reference": format!("{FHIR}/Patient/p1")}))),
        1 => Just(None),
        3 => json().prop_map(|reference| Some(json!({ "reference": reference }))),
        1 => json().prop_map(Some),
    ]
}

/// A resource of `kind`, with arbitrary members and arbitrary `subject`/`patient`.
fn entry_resource(kind: &'static str) -> impl Strategy<Value = Value> {
    (prop::collection::btree_map(key(), json(), 0..6), reference(), reference()).prop_map(
        move |(members, subject, patient)| {
            let mut resource: Map<String, Value> = members.into_iter().collect();
            resource.insert("resourceType".into(), Value::from(kind));
            for (name, value) in [("subject", subject), ("patient", patient)] {
                match value {
                    Some(value) => resource.insert(name.into(), value),
                    None => resource.remove(name),
                };
            }
            Value::Object(resource)
        },
    )
}

/// A search page for `Condition`: mostly well-formed Bundles whose entries are arbitrary, sometimes anything.
fn page() -> impl Strategy<Value = Value> {
    let entry = prop_oneof![
        6 => entry_resource("Condition").prop_map(|r| json!({ "resource": r })),
        1 => entry_resource("Observation").prop_map(|r| json!({ "resource": r })),
        1 => json(),
    ];
    let next = prop_oneof![
        Just(None),
        Just(Some(format!("{FHIR}/Condition?page=2"))),
        prop::sample::select(WORDS).prop_map(|w| Some(w.to_string())),
    ];
    prop_oneof![
        8 => (prop::collection::vec(entry, 0..6), next).prop_map(|(entries, next)| {
            let mut bundle = json!({"resourceType": "Bundle", "type": "searchset", "entry": entries});
            if let Some(next) = next {
                bundle["link"] = json!([{"relation": "next", "url": next}]);
            }
            bundle
        }),
        1 => json(),
    ]
}

/// The test's own reading of "about the token's patient": every `subject`/`patient` reference present is the
/// patient's (relative, or absolute on this hospital's base), and there is at least one.
fn about_the_patient(resource: &Value) -> bool {
    let ours = ["Patient/p1".to_string(), format!("{FHIR}/Patient/p1")];
    let references: Vec<&Value> =
        ["/subject/reference", "/patient/reference"].iter().filter_map(|p| resource.pointer(p)).collect();
    !references.is_empty() && references.iter().all(|r| r.as_str().is_some_and(|r| ours.iter().any(|o| o == r)))
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn normalising_arbitrary_resources_never_panics(resource in resource()) {
        if let Some(item) = records::normalise(&resource, &hospital()) {
            prop_assert_eq!(&item.resources, &vec![resource.clone()], "the item keeps its source resource");
            prop_assert!(!item.title.is_empty());
            if let Some(date) = &item.date {
                let shape = date.len() == 4 || date.len() == 7 || date.len() == 10;
                prop_assert!(shape && date.starts_with(|c: char| c.is_ascii_digit()), "a date that is not one: {}", date);
            }
            prop_assert!(item.value.is_none_or(f64::is_finite));
        }
    }

    #[test]
    fn normalising_arbitrary_json_never_panics(value in json()) {
        let _ = records::normalise(&value, &hospital());
    }

    #[test]
    fn a_page_never_yields_anything_about_another_patient(page in page(), status in prop_oneof![9 => Just(200u16), 1 => any::<u16>()]) {
        match records::read_page(&page, status, FHIR, PATIENT, "Condition") {
            Ok((resources, next)) => {
                prop_assert_eq!(status, 200);
                for resource in &resources {
                    prop_assert!(about_the_patient(resource), "a resource about someone else: {}", resource);
                    prop_assert_eq!(resource["resourceType"].as_str(), Some("Condition"));
                }
                if let Some(next) = next {
                    let origin = |u: &str| url::Url::parse(u).map(|u| u.origin().ascii_serialization());
                    prop_assert_eq!(origin(&next), origin(FHIR), "a next link off the hospital: {}", next);
                }
                let items: Vec<_> = resources.iter().filter_map(|r| records::normalise(r, &hospital())).collect();
                for item in records::merge(items) {
                    for resource in &item.resources {
                        prop_assert!(about_the_patient(resource), "an item about someone else: {}", resource);
                    }
                }
            }
            Err(error) => prop_assert!(
                matches!(error.code(), ErrorCode::RecordsInvalid | ErrorCode::RecordsWrongPatient),
                "a page fails only as records.invalid or records.wrong_patient, not {}", error.code()
            ),
        }
    }
}

#[test]
fn a_page_about_the_patient_is_read_and_one_about_someone_else_is_refused() {
    // Controls for the page property: it must be able to see both outcomes.
    let page = |reference: &str| {
        json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Condition",
            "subject": {"reference": reference}, "code": {"text": "Asthma"}}}]})
    };
    let (resources, _) = records::read_page(&page("Patient/p1"), 200, FHIR, PATIENT, "Condition").unwrap();
    assert_eq!(resources.len(), 1);
    let refused = records::read_page(&page("Patient/p2"), 200, FHIR, PATIENT, "Condition").unwrap_err();
    assert_eq!(refused.code(), ErrorCode::RecordsWrongPatient);
}

// ------------------------------------------------------------------------------------------------------------------
// Merging: every fact shown for an item comes from one of its resources
// ------------------------------------------------------------------------------------------------------------------

/// One report of a medicine or a result at one of three hospitals, with its own date, author, dose, status, value
/// and interpretation (the same code, so that they merge into one item).
fn report() -> impl Strategy<Value = (usize, Value)> {
    let doctor = prop::sample::select(vec!["Dr. Desai", "Dr. Nakamura", "Dr. Okafor"]);
    let status = prop::sample::select(vec!["active", "stopped", "completed", "on-hold"]);
    let flag = prop::sample::select(vec!["H", "L", "N", "HH"]);
    (0usize..3, 0u32..5, any::<bool>(), doctor, status, 1u32..40, flag, 0u32..100).prop_map(
        |(hospital, day, medicine, doctor, status, dose, flag, id)| {
            let date = format!("2024-03-{:02}", day + 1);
            let resource = if medicine {
                json!({"resourceType": "MedicationRequest", "id": format!("m{id}"), "status": status,
                    "authoredOn": date, "requester": {"display": doctor},
                    "medicationCodeableConcept": {"coding": [{"system": "rx", "code": "1", "display": "donepezil"}]},
                    "dosageInstruction": [{"text": format!("{dose} mg")}]})
            } else {
                json!({"resourceType": "Observation", "id": format!("o{id}"), "effectiveDateTime": date,
                    "code": {"coding": [{"system": "loinc", "code": "2345-7", "display": "Glucose"}]},
                    "valueQuantity": {"value": dose, "unit": "mg/dL"},
                    "interpretation": [{"coding": [{"code": flag}]}],
                    "referenceRange": [{"low": {"value": 5}, "high": {"value": 30}}]})
            };
            (hospital, resource)
        },
    )
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn every_fact_shown_for_a_merged_item_comes_from_one_of_its_resources(
        reports in prop::collection::vec(report(), 1..12),
    ) {
        let hospitals = ["http://a/fhir", "http://b/fhir", "http://c/fhir"];
        let items: Vec<records::RecordItem> = reports
            .iter()
            .filter_map(|(h, r)| {
                let from = HospitalRef { name: hospitals[*h].into(), fhir_base_url: hospitals[*h].into() };
                records::normalise(r, &from)
            })
            .collect();
        let merged = records::merge(items.clone());
        for item in &merged {
            let from_one = item.resources.iter().any(|resource| {
                let from = HospitalRef { name: String::new(), fhir_base_url: String::new() };
                let one = records::normalise(resource, &from).unwrap();
                (&one.date, &one.detail, &one.dose, &one.status, one.value, &one.flag, &one.range)
                    == (&item.date, &item.detail, &item.dose, &item.status, item.value, &item.flag, &item.range)
            });
            prop_assert!(from_one, "{:?} mixes its sources' facts", item);
            prop_assert_eq!(item.sources.len(), item.resources.len());
        }
        // Merging again (a retried hospital) changes nothing.
        prop_assert_eq!(records::merge(merged.iter().cloned().chain(items)), merged);
    }
}
