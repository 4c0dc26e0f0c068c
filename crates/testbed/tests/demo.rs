//! The demo network: the stories' people, one hospital down until the control route brings it up, one that needs
//! the patient confirmed. Real servers on loopback.

use tessera_testbed::data::Role;
use tessera_testbed::{demo, Testbed};

#[tokio::test]
async fn the_demo_names_the_story_and_a_down_hospital_comes_back_on_its_own_address() {
    let tb = Testbed::start(demo::config(false)).await.unwrap();
    let people = &tb.manifest.people;
    assert_eq!((people[0].name.as_str(), people[0].role), ("Margaret Washington-Clarke", Role::Caregiver));
    assert_eq!(people[1].name, "Harold Washington");
    assert_eq!(people[0].acts_for, [people[1].id.clone()]);
    assert_eq!(tb.manifest.hospitals.len(), demo::SITES);
    assert_eq!(tb.manifest.hospitals[demo::DOWN].faults, ["down"]);
    assert_eq!(tb.manifest.hospitals[demo::CONFIRM].faults, ["interaction"]);

    let http = reqwest::Client::new();
    let down = &tb.manifest.hospitals[demo::DOWN].fhir_base_url;
    let discovery = format!("{down}/.well-known/smart-configuration");
    assert!(http.get(&discovery).send().await.unwrap_err().is_connect(), "a down hospital refuses connections");

    let up = format!("{}/testbed/hospitals/{}/up", tb.manifest.broker, demo::DOWN);
    assert_eq!(http.post(&up).send().await.unwrap().status(), 200);
    assert_eq!(http.get(&discovery).send().await.unwrap().status(), 200, "it answers on the same address");
    assert_eq!(http.post(&up).send().await.unwrap().status(), 404, "only a down hospital can be brought up");
    let healthy = format!("{}/testbed/hospitals/0/up", tb.manifest.broker);
    assert_eq!(http.post(&healthy).send().await.unwrap().status(), 404);

    // Any hospital can go down at run time and come back.
    let first = format!("{}/.well-known/smart-configuration", tb.manifest.hospitals[0].fhir_base_url);
    assert_eq!(
        http.post(format!("{}/testbed/hospitals/0/down", tb.manifest.broker)).send().await.unwrap().status(),
        200
    );
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&first).send().await.unwrap_err().is_connect(), "new connections are refused");
    assert!(tb.set_down(0, false).await.unwrap());
    assert!(!tb.set_down(0, false).await.unwrap(), "already up");
    assert_eq!(fresh.get(&first).send().await.unwrap().status(), 200);
    let revoked: Vec<String> = fresh
        .get(format!("{}/testbed/hospitals/0/revocations", tb.manifest.broker))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(revoked.is_empty(), "nothing revoked yet: {revoked:?}");
    tb.stop().await;
}
