//! The patient-portal fallback from the command line (`--json` contract), against the testbed with a `portal-only`
//! hospital: `connect` offers it, `connect --portal URL --person ID` signs in there (curl plays the browser against
//! the auto-approving portal) and reads it, `grants` lists the portal grant, `revoke ID --yes` ends it; a portal
//! patient nobody matches is refused without `--add-person` when there is no terminal to ask. Needs a Secret
//! Service (`scripts/with-keyring.sh`).

mod support;

use serde_json::Value;
use std::collections::HashMap;
use support::tessera;
use tessera_testbed::faults::Fault;
use tessera_testbed::{Config, Testbed};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_portal_only_hospital_is_offered_signed_in_listed_and_ended_from_the_command_line() {
    let faults = HashMap::from([(2, vec![Fault::PortalOnly])]);
    let tb = Testbed::start(Config { sites: 3, seed: 21, faults, ..Config::default() }).await.unwrap();
    let home = std::env::temp_dir().join(format!("tessera-cli-portal-{}", std::process::id()));
    let caregiver = tb.manifest.people[0].clone();
    let portal = tb.manifest.hospitals[2].fhir_base_url.clone();
    let browser = "curl -s -L -o /dev/null";
    let (ok, login) = tessera(
        &home,
        &["login", "--broker", &tb.manifest.broker, "--browser", browser, "--login-hint", &caregiver.id],
    );
    assert!(ok, "{login}");
    let (_, people) = tessera(&home, &["people"]);
    let person = people["people"][0]["id"].as_str().unwrap().to_string();

    // Offered, not used: the exit status says some hospital was not read.
    let (ok, connect) = tessera(&home, &["connect", "--person", &person]);
    assert!(!ok);
    let line = connect["hospitals"].as_array().unwrap().iter().find(|h| h["fhir_base_url"] == portal.as_str()).unwrap();
    assert_eq!(
        (&line["status"], &line["portal_sign_in"], &line["via"]),
        (&"unsupported".into(), &true.into(), &"ticket".into())
    );

    // Signed in and read.
    let (ok, signed) = tessera(&home, &["connect", "--portal", &portal, "--person", &person, "--browser", browser]);
    assert!(ok, "{signed}");
    assert_eq!(signed["portal"]["status"], "connected");
    assert_eq!(signed["portal"]["person"], person.as_str());
    let id = signed["portal"]["id"].as_str().unwrap().to_string();
    let read = &signed["hospitals"][0];
    assert_eq!(
        (&read["status"], &read["via"], &read["ticket_id"]),
        (&"connected".into(), &"portal".into(), &id.as_str().into())
    );
    let (ok, connect) = tessera(&home, &["records", "--person", &person, "--type", "problems"]);
    assert!(ok, "every hospital read: {connect}");
    let via: Vec<&Value> = connect["records"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["sources"].as_array().unwrap())
        .map(|s| &s["via"])
        .collect();
    assert!(via.contains(&&Value::from("portal")) && via.contains(&&Value::from("ticket")), "{via:?}");

    // Listed and ended.
    let (_, grants) = tessera(&home, &["grants"]);
    let grant = grants["grants"].as_array().unwrap().iter().find(|g| g["kind"] == "portal").expect("listed").clone();
    assert_eq!(grant["id"], id.as_str());
    let (ok, revoked) = tessera(&home, &["revoke", &id, "--yes"]);
    assert!(ok, "{revoked}");
    assert_eq!(revoked["complete"], true);
    assert_eq!(tb.hospitals[2].active_portal_grants(), 0);
    let (_, grants) = tessera(&home, &["grants"]);
    assert!(!grants["grants"].as_array().unwrap().iter().any(|g| g["kind"] == "portal"));

    // A portal patient nobody matches is not added unasked: without a terminal, --add-person says so.
    let patient = &caregiver.acts_for[0];
    let here = tb.hospitals[2].patients.iter().find(|p| &p.person_id == patient).unwrap().id.clone();
    let stranger = tb.hospitals[2].portal_accounts.iter().find(|a| a.charts[0].0 != here);
    {
        let stranger = stranger.expect("another account at the portal");
        let args = ["connect", "--portal", &portal, "--login-hint", &stranger.person_id, "--browser", browser];
        let (ok, refused) = tessera(&home, &args);
        assert!(!ok && refused["error"]["code"] == "portal.new_person", "{refused}");
        assert_eq!(tb.hospitals[2].active_portal_grants(), 0, "its token was revoked");
        let (ok, added) = tessera(&home, &[&args[..], &["--add-person"]].concat());
        assert!(ok, "{added}");
        assert_eq!(added["portal"]["new_person"], true);
        let (_, people) = tessera(&home, &["people"]);
        assert_eq!(people["people"].as_array().unwrap().len(), 2);
    }
    let _ = std::fs::remove_dir_all(&home);
    tb.stop().await;
}
