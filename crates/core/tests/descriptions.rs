//! Descriptions in words: a table over every ticket in the spec's vectors (`tests/spec-vectors`, always present)
//! and every scenario in the shared fixtures (`../shared`, skipped when absent), with the expected words written out.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tessera_core::ticket::Ticket;
use tessera_core::words::describe::{describe, TicketDescription};
use tessera_core::Sensitive;

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}

fn vector(name: &str) -> Ticket {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/spec-vectors");
    let raw = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).trim().to_string();
    Ticket::parse(Sensitive::new(raw)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// An unsigned JWT around `claims` (descriptions never look at signatures).
fn unsigned(claims: &Value) -> Ticket {
    let part = |v: &Value| tessera_jose::b64url(v.to_string().as_bytes());
    let raw = format!("{}.{}.c2ln", part(&json!({"alg": "ES256", "kid": "k"})), part(claims));
    Ticket::parse(Sensitive::new(raw)).unwrap()
}

/// A fixture scenario's ticket fragment inside a full envelope, about the fixture's patient.
fn scenario(dir: &Path, patient: &str) -> Vec<(String, Ticket)> {
    let folder = dir.join("fixtures/synthetic-patients").join(patient);
    let read =
        |name: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(folder.join(name)).unwrap()).unwrap() };
    let map = read("provider-map.json");
    let full_name = map["patient"]["full_name"].as_str().unwrap();
    let (given, family) = full_name.rsplit_once(' ').unwrap();
    read("ticket-scenarios.json")["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut claims = s["ticket"].clone();
            claims["iss"] = json!("https://issuer.example.org");
            claims["aud"] = json!("https://network.example.org");
            claims["aud_type"] = json!("trust_framework");
            claims["exp"] = json!(1_800_000_000);
            claims["jti"] = json!(s["id"]);
            claims["subject"] = json!({"patient": {"resourceType": "Patient",
                "name": [{"given": given.split(' ').collect::<Vec<_>>(), "family": family}],
                "birthDate": map["patient"]["date_of_birth"]}});
            (s["id"].as_str().unwrap().to_string(), unsigned(&claims))
        })
        .collect()
}

const SENSITIVE: &str =
    "Not shared: records hospitals mark as sensitive (such as mental health, substance use, HIV or reproductive health)";

fn period(dates: &str) -> String {
    format!(
        "Mostly records dated {dates}. Records still relevant to current care (e.g. active allergies) and records without dates may still be shared."
    )
}

fn only(places: &str) -> String {
    format!("Only {places}. A chosen clinic may share the whole combined record of its health system.")
}

fn lines(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The lines every fixture scenario ends with (the envelope the test wraps around each fragment).
fn fixture_tail() -> Vec<String> {
    lines(&[
        "Usable across network https://network.example.org",
        "This ticket can be presented to hospitals until 15 Jan 2027",
        "Carries no revocation status, so hospitals cannot learn before 15 Jan 2027 that it was ended",
        "Any app a hospital accepts can use it",
    ])
}

/// What a description should say; `details` is built in the spec's order from the parts.
struct Expect<'a> {
    kind: &'a str,
    headline: &'a str,
    requester: Option<&'a str>,
    purpose: &'a [&'a str],
    patient: &'a str,
    issuer: &'a str,
    access: &'a [&'a str],
    limits: Vec<String>,
    not_shared: &'a [&'a str],
    /// The lines between the limits and the exclusions (audience, lifetime, revocation, binding, evidence).
    middle: Vec<String>,
    /// Lines between the purpose and the limits (the authority's recorded end).
    authority: &'a [&'a str],
}

fn check(name: &str, actual: &TicketDescription, e: Expect) {
    let mut details = lines(e.purpose);
    details.extend(lines(e.authority));
    details.extend(e.limits.iter().cloned());
    details.extend(e.middle);
    details.extend(lines(e.not_shared));
    let expected = TicketDescription {
        kind: e.kind.into(),
        headline: e.headline.into(),
        requester: e.requester.map(String::from),
        purpose: lines(e.purpose),
        patient: e.patient.into(),
        issuer: e.issuer.into(),
        access: lines(e.access),
        limits: e.limits,
        not_shared: lines(e.not_shared),
        details,
    };
    assert_eq!(actual, &expected, "{name}");
}

#[test]
fn every_spec_vector_is_described_in_the_expected_words() {
    let no_revocation =
        |date: &str| format!("Carries no revocation status, so hospitals cannot learn before {date} that it was ended");
    let uc1_middle = vec![
        "Usable across network https://network.org".to_string(),
        "This ticket can be presented to hospitals until 15 Jul 2026".into(),
        no_revocation("15 Jul 2026"),
        "Only this app on this device can use it".into(),
    ];
    let uc1_access = [
        "Allergies — view",
        "Problems — view",
        "Results, vital signs and other observations — view",
        "Medications — view",
    ];
    check(
        "uc1",
        &describe(&vector("uc1-ticket.jwt")),
        Expect {
            kind: "Self access",
            headline: "Your own records",
            requester: None,
            purpose: &[],
            patient: "Elena Reyes, born 14 Sep 1989",
            issuer: "trusted-issuer.org",
            access: &uc1_access,
            limits: vec![period("1 Jan 2021–1 Jan 2026")],
            not_shared: &[],
            middle: uc1_middle.clone(),
            authority: &[],
        },
    );
    let mut evidence_middle = uc1_middle;
    evidence_middle.push("Carries proof of the patient's identity from id.example-csp.org (assurance ial2)".into());
    check(
        "uc1 with evidence",
        &describe(&vector("uc1-evidence-ticket.jwt")),
        Expect {
            kind: "Self access",
            headline: "Your own records",
            requester: None,
            purpose: &[],
            patient: "Elena Reyes, born 14 Sep 1989",
            issuer: "trusted-issuer.org",
            access: &uc1_access,
            limits: vec![period("1 Jan 2021–1 Jan 2026")],
            not_shared: &[],
            middle: evidence_middle,
            authority: &[],
        },
    );
    check(
        "uc2",
        &describe(&vector("uc2-ticket.jwt")),
        Expect {
            kind: "Delegated access",
            headline: "Elena Reyes may access Maria Reyes's records as delegate chosen by the patient",
            requester: Some("Elena Reyes"),
            purpose: &[],
            patient: "Maria Reyes, born 15 Jun 1948",
            issuer: "trusted-issuer.org",
            access: &["Problems — view", "Immunizations — view", "Medications — view"],
            limits: vec![],
            not_shared: &[],
            middle: vec![
                "Usable across network https://network.org".into(),
                "This ticket can be presented to hospitals until 15 Jul 2026".into(),
                no_revocation("15 Jul 2026"),
                "Only this app on this device can use it".into(),
            ],
            authority: &["Authority recorded until 31 Dec 2026"],
        },
    );
    const COVID: &str = "Disease caused by severe acute respiratory syndrome coronavirus 2 (disorder)";
    check("uc3", &describe(&vector("uc3-ticket.jwt")), Expect {
        kind: "Public health investigation",
        headline: &format!("State Epidemiology Unit may access Monica Carter's records for a public health investigation of {COVID}"),
        requester: Some("State Epidemiology Unit"), purpose: &[&format!("Reportable condition: {COVID}")],
        patient: "Monica Carter, born 21 Feb 1978", issuer: "issuer.state.example.gov",
        access: &["Problems — view", "Results, vital signs and other observations — view", "Reports — view"],
        limits: vec![period("1 Dec 2025–1 Jun 2026"), only("hospitals in TX, US")], not_shared: &[],
        middle: vec![
            "Usable across network https://network.org".into(),
            "This ticket can be presented to hospitals until 15 Jul 2026".into(),
            no_revocation("15 Jul 2026"),
            "Only https://state.example.gov/organizations/epi-unit can use it".into(),
        ],
        authority: &[],
    });
    check(
        "uc5",
        &describe(&vector("uc5-ticket.jwt")),
        Expect {
            kind: "Payer claims review",
            headline: "Example Health Plan may access Daniel Okafor's records to review a claim",
            requester: Some("Example Health Plan"),
            purpose: &[],
            patient: "Daniel Okafor, born 9 Mar 1962",
            issuer: "fhir.provider.example.org",
            access: &["Records tied to visit enc-2026-0117 — view"],
            limits: vec!["Only records tied to visit enc-2026-0117".into()],
            not_shared: &[],
            middle: vec![
                "Usable at https://fhir.provider.example.org".into(),
                "This ticket can be presented to hospitals until 13 Sep 2026".into(),
                no_revocation("13 Sep 2026"),
                "Only https://payer.example.com/organizations/claims-review can use it".into(),
            ],
            authority: &[],
        },
    );
    check("payer quality gap", &describe(&vector("payer-quality-gap-ticket.jwt")), Expect {
        kind: "Payer quality measure",
        headline: "Example Health Plan may access Lien Tran's records for the quality measure \"Diabetes glycemic status (HbA1c) (CMS122v12)\"",
        requester: Some("Example Health Plan"), purpose: &["Quality measure: Diabetes glycemic status (HbA1c) (CMS122v12)"],
        patient: "Lien Tran, born 2 Nov 1957", issuer: "tickets.payer.example.com",
        access: &["Results, vital signs and other observations, only LOINC code 4548-4 — view"],
        limits: vec![period("1 Jan 2026–31 Dec 2026")], not_shared: &[],
        middle: vec![
            "Usable at https://fhir.provider.example.org".into(),
            "This ticket can be presented to hospitals until 12 Nov 2026".into(),
            no_revocation("12 Nov 2026"),
            "Only https://payer.example.com/organizations/quality can use it".into(),
        ],
        authority: &[],
    });
    let legacy_middle = |entity: &str| {
        vec![
            "Usable at https://network.org".to_string(),
            "This ticket can be presented to hospitals until 4 Jun 2026".into(),
            no_revocation("4 Jun 2026"),
            format!("Only {entity} can use it"),
        ]
    };
    check("uc4 (April 2026)", &describe(&vector("legacy/uc4-ticket.jwt")), Expect {
        kind: "Social care referral",
        headline: "Community Social Care Hub may access Linh Nguyen's records for a social care referral about Food insecurity",
        requester: Some("Community Social Care Hub"), purpose: &["Concern: Food insecurity", "Referral: REF-1001"],
        patient: "Linh Nguyen, born 3 Nov 1963", issuer: "issuer.example.org",
        access: &["Referrals and orders — view", "Problems — view", "Results, vital signs and other observations — view"],
        limits: vec![], not_shared: &[], middle: legacy_middle("https://aco.example.org/entities/social-care-hub"),
        authority: &[],
    });
    check(
        "uc6 (April 2026)",
        &describe(&vector("legacy/uc6-ticket.jwt")),
        Expect {
            kind: "Research study",
            headline: "Study Team 204 may access Marina Lopez's records for the study \"Diabetes Outcomes Registry\"",
            requester: Some("Study Team 204"),
            purpose: &["Study: Diabetes Outcomes Registry"],
            patient: "Marina Lopez, born 30 May 1970",
            issuer: "issuer.example.org",
            access: &["Problems — view", "Results, vital signs and other observations — view"],
            limits: vec![period("1 Jan 2024–31 Dec 2026")],
            not_shared: &[],
            middle: legacy_middle("https://research.example.org/entities/study-team-204"),
            authority: &[],
        },
    );
    check(
        "uc7 (April 2026)",
        &describe(&vector("legacy/uc7-ticket.jwt")),
        Expect {
            kind: "Provider consult",
            headline: "A cardiologist may access Jared Thomas's records for a consult about Coronary arteriosclerosis",
            requester: Some("A cardiologist"),
            purpose: &["Reason for the consult: Coronary arteriosclerosis", "Consult request: CONSULT-7788"],
            patient: "Jared Thomas, born 8 Mar 1981",
            issuer: "issuer.example.org",
            access: &["Problems — view", "Results, vital signs and other observations — view", "Reports — view"],
            limits: vec![],
            not_shared: &[],
            middle: legacy_middle("https://hospital.example.org/entities/cardiology-group"),
            authority: &[],
        },
    );
}

#[test]
fn every_fixture_scenario_is_described_in_the_expected_words() {
    let Some(dir) = shared() else { return };
    let one = |patient: &str| {
        let mut all = scenario(&dir, patient);
        assert_eq!(all.len(), 1, "{patient}: one scenario");
        all.remove(0)
    };
    let fixture = |name: &str, patient: &str, e: Expect| {
        let (id, ticket) = one(patient);
        check(&format!("{patient}/{id} ({name})"), &describe(&ticket), e);
    };
    fixture(
        "delegated, mother, lab results only",
        "aisha-patel",
        Expect {
            kind: "Delegated access",
            headline: "Priya Patel may access Aisha Priya Patel's records as Aisha's mother",
            requester: Some("Priya Patel"),
            purpose: &[],
            patient: "Aisha Priya Patel, born 15 Mar 2020",
            issuer: "issuer.example.org",
            access: &[
                "Demographics — view",
                "Visits — view",
                "Allergies — view",
                "Immunizations — view",
                "Medications — view",
                "Reports — view",
                "Documents — view",
                "Lab results — view",
            ],
            limits: vec![],
            not_shared: &[SENSITIVE],
            middle: fixture_tail(),
            authority: &[],
        },
    );
    fixture("payer claims, two condition categories, two clinics", "carlos-medina", Expect {
        kind: "Payer claims review",
        headline: "Aetna Prior Authorization Operations may access Carlos Antonio Medina's records to review a claim for Adalimumab biologic therapy for seropositive rheumatoid arthritis",
        requester: Some("Aetna Prior Authorization Operations"),
        purpose: &["Service: Adalimumab biologic therapy for seropositive rheumatoid arthritis",
            "Claim: AETNA-PA-2023-7715 (prior authorization)"],
        patient: "Carlos Antonio Medina, born 8 Nov 1974", issuer: "issuer.example.org",
        access: &["Demographics — view", "Visits — view", "Problem list — view", "Diagnoses from visits — view",
            "Lab results — view", "Reports — view", "Documents — view", "Medications — view"],
        limits: vec![period("1 Jan 2021–31 Dec 2023"), only("Alamo Family Practice or South Texas Rheumatology")],
        not_shared: &[SENSITIVE], middle: fixture_tail(), authority: &[],
    });
    fixture(
        "self access, everything",
        "denise-walker",
        Expect {
            kind: "Self access",
            headline: "Your own records",
            requester: None,
            purpose: &[],
            patient: "Denise Walker",
            issuer: "issuer.example.org",
            access: &["All record types — view"],
            limits: vec![],
            not_shared: &[SENSITIVE],
            middle: fixture_tail(),
            authority: &[],
        },
    );
    fixture(
        "self access, two organisations",
        "elena-reyes",
        Expect {
            kind: "Self access",
            headline: "Your own records",
            requester: None,
            purpose: &[],
            patient: "Elena Marisol Reyes, born 14 Sep 1989",
            issuer: "issuer.example.org",
            access: &["All record types — view"],
            limits: vec![
                period("1 Jan 2023–31 Dec 2026"),
                only("Eastbay Primary Care Associates or Bay Area Rheumatology Associates"),
            ],
            not_shared: &[SENSITIVE],
            middle: fixture_tail(),
            authority: &[],
        },
    );
    fixture(
        "delegated, daughter",
        "harold-washington",
        Expect {
            kind: "Delegated access",
            headline: "Margaret Washington-Clarke may access Harold James Washington's records as Harold's daughter",
            requester: Some("Margaret Washington-Clarke"),
            purpose: &[],
            patient: "Harold James Washington, born 14 Sep 1946",
            issuer: "issuer.example.org",
            access: &["All record types — view"],
            limits: vec![],
            not_shared: &[SENSITIVE],
            middle: fixture_tail(),
            authority: &[],
        },
    );
    fixture("payer claims", "james-thornton", Expect {
        kind: "Payer claims review",
        headline: "Blue Cross Blue Shield of Nebraska may access James Robert Thornton's records to review a claim for Laparoscopic appendectomy and surgical-site infection follow-up",
        requester: Some("Blue Cross Blue Shield of Nebraska"),
        purpose: &["Service: Laparoscopic appendectomy and surgical-site infection follow-up", "Claim: BCBSNE-2026-002184"],
        patient: "James Robert Thornton, born 3 Aug 1978", issuer: "issuer.example.org",
        access: &["Demographics — view", "Visits — view", "Diagnoses from visits — view", "Lab results — view",
            "Reports — view", "Documents — view", "Medications — view", "Procedures — view"],
        limits: vec![period("1 Jan 2026–28 Feb 2026"), only("Nebraska Medicine or Heartland Surgical Associates")],
        not_shared: &[SENSITIVE], middle: fixture_tail(), authority: &[],
    });
    fixture("provider consult", "kevin-park", Expect {
        kind: "Provider consult",
        headline: "Dr. Amelia Chen (Electrophysiologist, University of Minnesota Cardiac Electrophysiology) may access Kevin Junghwan Park's records for a consult about Atrial fibrillation ablation evaluation",
        requester: Some("Dr. Amelia Chen (Electrophysiologist, University of Minnesota Cardiac Electrophysiology)"),
        purpose: &["Reason for the consult: Atrial fibrillation ablation evaluation", "Consult request: EP-CONSULT-2026-208"],
        patient: "Kevin Junghwan Park, born 14 Sep 1968", issuer: "issuer.example.org",
        access: &["Demographics — view", "Visits — view", "Problem list — view", "Lab results — view", "Reports — view",
            "Documents — view", "Medications — view", "Referrals and orders — view"],
        limits: vec![period("1 Jan 2025–31 Dec 2026"), only("Minnehaha Internal Medicine")],
        not_shared: &[SENSITIVE], middle: fixture_tail(), authority: &[],
    });
    fixture("public health, measles", "marcus-johnson", Expect {
        kind: "Public health investigation",
        headline: "Wisconsin Department of Health Services may access Marcus Darnell Johnson's records for a public health investigation of Measles",
        requester: Some("Wisconsin Department of Health Services"), purpose: &["Reportable condition: Measles"],
        patient: "Marcus Darnell Johnson, born 22 Jul 2004", issuer: "issuer.example.org",
        access: &["Demographics — view", "Visits — view", "Diagnoses from visits — view", "Lab results — view",
            "Reports — view", "Documents — view", "Immunizations — view"],
        limits: vec![period("1 Mar 2026–30 Apr 2026")], not_shared: &[SENSITIVE], middle: fixture_tail(), authority: &[],
    });
    fixture("social care referral", "maria-chen", Expect {
        kind: "Social care referral",
        headline: "Rose City Community Services may access Maria Yee-Ling Chen's records for a social care referral about Food insecurity and transportation barriers",
        requester: Some("Rose City Community Services"),
        purpose: &["Concern: Food insecurity and transportation barriers", "Referral: REF-OR-2026-1048"],
        patient: "Maria Yee-Ling Chen, born 14 Sep 1983", issuer: "issuer.example.org",
        access: &["Demographics — view", "Referrals and orders — view", "Documents — view",
            "Social needs screenings (such as food, housing or transport) — view"],
        limits: vec![period("1 Jan 2026–31 Dec 2026"), only("Cascade Community Health Center")],
        not_shared: &[SENSITIVE], middle: fixture_tail(), authority: &[],
    });
    fixture("public health, tuberculosis", "robert-davis", Expect {
        kind: "Public health investigation",
        headline: "Illinois Department of Public Health may access Robert James Davis's records for a public health investigation of Tuberculosis",
        requester: Some("Illinois Department of Public Health"), purpose: &["Reportable condition: Tuberculosis"],
        patient: "Robert James Davis, born 14 Sep 1960", issuer: "issuer.example.org",
        access: &["Demographics — view", "Visits — view", "Diagnoses from visits — view", "Lab results — view",
            "Reports — view", "Documents — view", "Medications — view"],
        limits: vec![period("1 Jan 2026–30 Apr 2026"), only("University of Illinois Hospital or UI Health Ambulatory TB Clinic")],
        not_shared: &[SENSITIVE], middle: fixture_tail(), authority: &[],
    });
    // Every fixture patient has a scenario above.
    let patients = std::fs::read_dir(dir.join("fixtures/synthetic-patients"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(patients, 10);
}

/// The older kernel's category-limited permissions are requested exactly (one granular scope per category), so a
/// strict hospital cannot refuse them as wider than the ticket.
#[test]
fn fixture_scenarios_request_exactly_what_they_grant() {
    let Some(dir) = shared() else { return };
    let (_, ticket) = scenario(&dir, "carlos-medina").remove(0);
    assert_eq!(
        ticket.claims.scopes,
        vec![
            "patient/Patient.rs",
            "patient/Encounter.rs",
            "patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item",
            "patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis",
            "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory",
            "patient/DiagnosticReport.rs",
            "patient/DocumentReference.rs",
            "patient/MedicationRequest.rs",
        ]
    );
    let (_, ticket) = scenario(&dir, "maria-chen").remove(0);
    assert!(ticket.claims.scopes.contains(
        &"patient/Observation.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh".to_string()
    ));
    assert!(!ticket.claims.scopes.iter().any(|s| s == "patient/Observation.rs"));
}

/// The draft CMS Individual Access profile's shapes (#13 item 5), built here: `aud_type: "resource_server"`,
/// `smart_scopes` at the top level without `access`, `subject_identity_evidence` as a list, a `sub` claim. Parsed,
/// asked for exactly, and described — never as a trust-framework ticket.
#[test]
fn a_draft_cms_individual_access_ticket_is_read_and_described() {
    let id_token = format!(
        "{}.{}.c2ln",
        tessera_jose::b64url(json!({"alg": "ES256"}).to_string().as_bytes()),
        tessera_jose::b64url(json!({"iss": "https://id.example-csp.org", "acr": "ial2"}).to_string().as_bytes())
    );
    let labs = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    let ticket = unsigned(&json!({
        "iss": "https://idp.example.org", "sub": "user-123",
        "aud": "https://hte.cms.gov/aligned-networks", "aud_type": "resource_server",
        "exp": 1_900_000_000, "iat": 1_800_000_000, "jti": "cms-1",
        "ticket_type": "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1",
        "subject": {"patient": {"resourceType": "Patient", "name": [{"family": "Reyes", "given": ["Elena"]}],
            "birthDate": "1989-09-14"}},
        "smart_scopes": ["patient/Condition.rs", labs],
        "subject_identity_evidence": [{"source": "embedded", "token_type": "id_token", "jwt": id_token}],
        "presenter_binding": {"method": "jkt", "jkt": "abc"},
    }));
    assert_eq!(ticket.claims.scopes, vec!["patient/Condition.rs".to_string(), labs.to_string()]);
    assert!(!ticket.claims.aud_is_framework, "a resource-server audience is not a trust framework");
    assert!(
        ticket.usable_at("https://hte.cms.gov/aligned-networks") && !ticket.usable_at("https://other.example/fhir")
    );
    let d = describe(&ticket);
    assert_eq!(d.patient, "Elena Reyes, born 14 Sep 1989");
    assert_eq!(d.access, vec!["Problems — view".to_string(), "Lab results — view".to_string()], "{d:?}");
    let all = [&d.limits[..], &d.details[..]].concat().join("\n");
    assert!(all.contains("Usable at https://hte.cms.gov/aligned-networks"), "{all}");
    assert!(all.contains("id.example-csp.org"), "the identity evidence is described: {all}");
    // A top-level `smart_scopes` that is not a list is refused, like one inside `access`.
    let mut broken = json!({"iss": "i", "aud": "a", "exp": 1, "jti": "j", "ticket_type": "t",
        "subject": {"patient": {}}, "smart_scopes": "patient/Condition.rs"});
    let part = |v: &serde_json::Value| tessera_jose::b64url(v.to_string().as_bytes());
    let raw = format!("{}.{}.c2ln", part(&json!({"alg": "ES256"})), part(&broken));
    assert!(Ticket::parse(Sensitive::new(raw)).is_err());
    broken["smart_scopes"] = json!(["patient/Condition.rs"]);
    let raw = format!("{}.{}.c2ln", part(&json!({"alg": "ES256"})), part(&broken));
    assert!(Ticket::parse(Sensitive::new(raw)).is_ok());
}
