//! The grants story from the command line, each person with their own profile, against the testbed:
//! the caregiver connects; the patient lists and revokes the caregiver's grant; the caregiver's next connect fails
//! everywhere with `ticket.revoked` and her grants list shows it revoked. Needs a Secret Service
//! (`scripts/with-keyring.sh`).

mod support;

use serde_json::Value;
use std::process::Command;
use support::tessera;
use tessera_testbed::{Config, Testbed};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn patient_revokes_the_caregivers_grant_and_every_hospital_refuses_it() {
    let tb = Testbed::start(Config { sites: 4, seed: 21, ..Config::default() }).await.unwrap();
    let base = std::env::temp_dir().join(format!("tessera-story-{}", std::process::id()));
    let (caregiver_home, patient_home) = (base.join("caregiver"), base.join("patient"));
    let caregiver = tb.manifest.people[0].clone();
    let patient = tb.manifest.people.iter().find(|p| caregiver.acts_for.contains(&p.id)).unwrap().clone();
    let browser = "curl -s -L -o /dev/null";

    let (ok, login) = tessera(
        &caregiver_home,
        &["login", "--broker", &tb.manifest.broker, "--browser", browser, "--login-hint", &caregiver.id],
    );
    assert!(ok, "{login}");
    let (_, people) = tessera(&caregiver_home, &["people"]);
    assert_eq!(people["people"][0]["name"], patient.name.as_str());
    assert_eq!(people["people"][0]["relationship"], "HPOWATT");
    let (ok, connect) = tessera(&caregiver_home, &["connect"]);
    assert!(ok);
    let hospitals = connect["hospitals"].as_array().unwrap();
    assert_eq!(hospitals.len(), 4);
    assert!(
        hospitals
            .iter()
            .all(|h| h["status"] == "connected" && h["error"].is_null() && h["resources"].as_u64().unwrap() > 0),
        "{connect}"
    );

    // The patient signs in as himself and sees the caregiver's grant about him.
    let (ok, _) = tessera(
        &patient_home,
        &["login", "--broker", &tb.manifest.broker, "--browser", browser, "--login-hint", &patient.id],
    );
    assert!(ok);
    let (_, grants) = tessera(&patient_home, &["grants"]);
    let about: Vec<&Value> = grants["grants"].as_array().unwrap().iter().filter(|g| g["kind"] == "about_me").collect();
    let delegation = about
        .iter()
        .find(|g| g["summary"].as_str().unwrap().contains(&caregiver.name))
        .expect("the caregiver's grant is listed");
    assert_eq!(delegation["status"], "active");
    assert!(delegation["summary"].as_str().unwrap().contains(", given on "), "the day it was given: {delegation}");
    let id = delegation["id"].as_str().unwrap();

    // Without --yes and without a terminal nothing happens.
    let (ok, refused) = tessera(&patient_home, &["revoke", id]);
    assert!(!ok && refused["error"]["code"] == "input.invalid", "{refused}");
    let (ok, revoked) = tessera(&patient_home, &["revoke", id, "--yes"]);
    assert!(ok, "{revoked}");
    assert_eq!(revoked["complete"], true, "{revoked}");

    // The caregiver's next connect fails everywhere with the coded reason; her grants show it revoked.
    let (ok, connect) = tessera(&caregiver_home, &["connect"]);
    assert!(!ok, "no hospital could be read: the exit status says so");
    let hospitals = connect["hospitals"].as_array().unwrap();
    assert!(hospitals.iter().all(|h| h["status"] == "failed" && h["error"]["code"] == "ticket.revoked"), "{connect}");
    let (_, grants) = tessera(&caregiver_home, &["grants"]);
    let ticket = grants["grants"].as_array().unwrap().iter().find(|g| g["kind"] == "ticket").unwrap().clone();
    assert_eq!(ticket["status"], "revoked", "{grants}");
    let (_, patient_view) = tessera(&patient_home, &["grants"]);
    assert!(patient_view["grants"].as_array().unwrap().iter().any(|g| g["id"] == id && g["status"] == "revoked"));
    // The caregiver's activity exports as CSV and JSON, filtered by person, with counts and never names.
    let csv = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("--home")
        .arg(&caregiver_home)
        .args(["activity", "--csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(
        csv.starts_with("time,kind,what,hospital,grant,outcome,detail\n") && csv.contains("\"records_read\""),
        "{csv}"
    );
    assert!(!csv.contains(&patient.name));
    let (_, activity) = tessera(&caregiver_home, &["activity", "--person", &patient.id]);
    let entries = activity["activity"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["kind"] == "redemption" && e["outcome"] == "ticket.revoked"), "{activity}");
    // A third person imports the network's brands bundle: every hospital, named after its brand.
    let (ok, imported) =
        tessera(&base.join("other"), &["hospitals", "import-brands", &format!("{}/brands.json", tb.manifest.broker)]);
    assert!(ok, "{imported}");
    assert_eq!(imported["hospitals"].as_array().unwrap().len(), 4);
    assert_eq!(imported["hospitals"][0]["name"], tb.manifest.hospitals[0].name.as_str());
    let _ = std::fs::remove_dir_all(base);
    tb.stop().await;
}
