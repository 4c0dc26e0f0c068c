//! Least privilege: the wallet asks each hospital for exactly what its ticket grants (granular category scopes
//! included), so strict hospitals — which refuse a requested scope wider than the ticket, as independent Data
//! Holders do — accept it; and what a hospital granted is what the record view and the grants view report. Run with
//! `scripts/with-keyring.sh cargo test -p tessera-core --test scopes -- --ignored` (the test script does).

mod support;

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tessera_core::broker::Browser;
use tessera_core::grants::status::GrantKind;
use tessera_core::wallet::{Wallet, WalletOptions};
use tessera_core::{Clock, ManualClock, Profile};
use tessera_testbed::faults::Fault;
use tessera_testbed::{Config, Testbed};

const LABS: &str =
    "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";

fn temp_profile(name: &str) -> Profile {
    support::temp_profile("scopes", name)
}

fn options(clock: &ManualClock) -> WalletOptions {
    support::wallet_options(clock, Duration::from_secs(5), 4)
}

fn is_lab(resource: &Value) -> bool {
    resource.pointer("/category/0/coding/0/code").and_then(Value::as_str) == Some("laboratory")
}

fn withheld(resource: &Value) -> bool {
    resource
        .pointer("/meta/security/0/code")
        .and_then(Value::as_str)
        .is_some_and(|c| ["PSY", "ETH", "HIV"].contains(&c))
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_lab_only_ticket_connects_through_strict_hospitals_and_reads_only_labs() {
    lab_only_through_strict_hospitals(false).await;
}

/// The same with the April-2026 kernel (`access.permissions` with `category_any_of`, as the reference Data Holder
/// and the shared fixtures have it): Tessera once dropped the category and asked for `patient/Observation.rs`,
/// which strict hospitals refuse.
#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn an_older_kernel_lab_only_ticket_connects_through_strict_hospitals_and_reads_only_labs() {
    lab_only_through_strict_hospitals(true).await;
}

async fn lab_only_through_strict_hospitals(older_kernel: bool) {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let faults: HashMap<usize, Vec<Fault>> = (0..4).map(|i| (i, vec![Fault::StrictScopes])).collect();
    let testbed_clock = {
        let clock = clock.clone();
        Arc::new(move || clock.unix_now())
    };
    let tb =
        Testbed::start(Config { sites: 4, seed: 5, faults, now: testbed_clock, ..Config::default() }).await.unwrap();
    // The person consents to lab results only: the ticket's smart_scopes are the one category-limited scope.
    tb.broker.set_consent_scopes(Some(vec![LABS.to_string()]));
    tb.broker.set_older_kernel(older_kernel);
    let wallet = Wallet::open(temp_profile("labs"), options(&clock)).await.unwrap();
    let caregiver = &tb.manifest.people[0];
    let login = wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&caregiver.id)).await.unwrap();
    assert_eq!(login.tickets.len(), 1);
    assert_eq!(login.tickets[0].description.access, vec!["Lab results — view"]);

    let report = wallet.connect(None, Arc::new(|_| {})).await.unwrap();
    assert_eq!(report.hospitals.len(), 4);
    let patient_id = &tb.world.people[1].id;
    let mut labs_total = 0;
    for outcome in &report.hospitals {
        assert_eq!(outcome.status.as_str(), "connected", "a strict hospital accepts the exact scope: {outcome:?}");
        assert_eq!(outcome.granted, vec!["Lab results — view"], "what the hospital granted is reported");
        let position = tb.manifest.hospitals.iter().position(|h| h.fhir_base_url == outcome.fhir_base_url).unwrap();
        let hospital = &tb.hospitals[position];
        let local = hospital.patients.iter().find(|p| &p.person_id == patient_id).unwrap();
        let labs = hospital.records[&local.id].iter().filter(|r| is_lab(r) && !withheld(r)).count();
        assert_eq!(outcome.resources as usize, labs, "every lab result and nothing else");
        labs_total += labs;
    }
    assert!(labs_total > 0, "the patient has lab results");
    assert!(report.records.iter().all(|item| item.category == tessera_core::records::Category::Result));
    assert!(!report.records.is_empty());

    // The grants view reports what each hospital granted.
    let grants = wallet.grants().await.unwrap();
    let connection = grants.iter().find(|g| g.kind == GrantKind::Connection);
    if let Some(connection) = connection {
        let detail = wallet.grant_detail(&connection.id).await.unwrap();
        assert!(detail.used.iter().all(|u| u.granted == vec!["Lab results — view"]), "{:?}", detail.used);
    }
    let ticket = grants.iter().find(|g| g.kind == GrantKind::Ticket).unwrap();
    let detail = wallet.grant_detail(&ticket.id).await.unwrap();
    assert_eq!(detail.used.len(), 4);
    assert!(detail.used.iter().all(|u| u.granted == vec!["Lab results — view"]), "{:?}", detail.used);
}
