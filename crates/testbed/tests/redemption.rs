//! The hospitals' token exchange against the spec's validation order: one redemption that follows the spec
//! succeeds, and each negative case of the digest's §4.6 yields its exact error. Real HTTP on loopback.

use serde_json::{json, Value};
use std::collections::HashMap;
use tessera_jose::SigningKey;
use tessera_testbed::broker::UC2;
use tessera_testbed::{Config, Testbed};

struct Wallet {
    key: SigningKey,
    client_id: String,
    token_url: String,
    http: reqwest::Client,
}

/// GET `url` without a token and read the JSON answer.
async fn fetch_json(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

async fn register(http: &reqwest::Client, fhir_base: &str, key: &SigningKey) -> Wallet {
    let config = fetch_json(http, &format!("{fhir_base}/.well-known/smart-configuration")).await;
    let registration: Value = http
        .post(config["registration_endpoint"].as_str().unwrap())
        .json(&json!({ "client_name": "test wallet", "token_endpoint_auth_method": "private_key_jwt", "jwks": { "keys": [key.public_jwk()] } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Wallet {
        key: SigningKey::from_private_jwk_json(&key.private_jwk_json()).unwrap(),
        client_id: registration["client_id"].as_str().unwrap().to_string(),
        token_url: config["token_endpoint"].as_str().unwrap().to_string(),
        http: http.clone(),
    }
}

impl Wallet {
    fn assertion(&self, aud: &str, jti: &str) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = json!({ "iss": self.client_id, "sub": self.client_id, "aud": aud, "jti": jti, "iat": now, "exp": now + 120 });
        self.key.sign(&claims, Some("JWT")).unwrap()
    }

    async fn exchange(&self, ticket: &str, assertion: String, scope: Option<&str>) -> (u16, Value) {
        let mut form = HashMap::from([
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange".to_string()),
            ("subject_token", ticket.to_string()),
            ("subject_token_type", "https://smarthealthit.org/token-type/permission-ticket".to_string()),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
            ("client_assertion", assertion),
        ]);
        if let Some(scope) = scope {
            form.insert("scope", scope.to_string());
        }
        let response = self.http.post(&self.token_url).form(&form).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }
}

/// GET `url` with a bearer token and read the JSON answer.
async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

fn valid_claims(tb: &Testbed, jkt: &str) -> Value {
    let caregiver = &tb.world.people[0];
    let patient = &tb.world.people[1];
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({
        "iss": tb.manifest.broker, "aud": format!("{}/network", tb.manifest.broker), "aud_type": "trust_framework",
        "exp": now + 3600, "iat": now, "jti": "t-1", "ticket_type": UC2,
        "subject": { "patient": tessera_testbed::broker::patient_resource(&tb.manifest.broker, patient) },
        "requester": { "resourceType": "RelatedPerson", "name": [{ "family": caregiver.family, "given": [caregiver.given] }],
            "relationship": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "HPOWATT" }] }] },
        "access": { "smart_scopes": ["patient/Condition.rs", "patient/MedicationRequest.rs"] },
        "presenter_binding": { "method": "jkt", "jkt": jkt },
        "revocation": { "url": format!("{}/status/1", tb.manifest.broker), "index": 3 },
    })
}

#[tokio::test]
async fn redemption_succeeds_and_every_negative_case_has_its_code() {
    let tb = Testbed::start(Config { sites: 2, seed: 3, ..Config::default() }).await.unwrap();
    let http = reqwest::Client::new();
    let fhir_base = tb.manifest.hospitals[0].fhir_base_url.clone();
    let wallet = register(&http, &fhir_base, &SigningKey::generate().unwrap()).await;
    let jkt = wallet.key.kid().to_string();
    let sign = |claims: &Value| tb.broker.current_key().sign(claims, Some("JWT")).unwrap();
    let good = sign(&valid_claims(&tb, &jkt));

    // The happy path, then reading records with the token.
    let (status, body) = wallet.exchange(&good, wallet.assertion(&wallet.token_url, "a0"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], "urn:ietf:params:oauth:token-type:access_token");
    assert_eq!(body["scope"], "patient/Condition.rs patient/MedicationRequest.rs");
    let token = body["access_token"].as_str().unwrap();
    let patient = body["patient"].as_str().unwrap();
    let bundle: Value = get_json(&http, &format!("{fhir_base}/Condition?patient={patient}"), token).await;
    assert!(bundle["total"].as_u64().unwrap() > 0);
    // No Observation scope: 403 OperationOutcome.
    let denied =
        http.get(format!("{fhir_base}/Observation?patient={patient}")).bearer_auth(token).send().await.unwrap();
    assert_eq!(denied.status().as_u16(), 403);
    assert_eq!(denied.json::<Value>().await.unwrap()["resourceType"], "OperationOutcome");
    // A ticket signed by the previous (rotated) key still verifies.
    let rotated = tb.broker.previous_key().sign(&valid_claims(&tb, &jkt), None).unwrap();
    assert_eq!(wallet.exchange(&rotated, wallet.assertion(&wallet.token_url, "a-rot"), None).await.0, 200);

    let stranger = SigningKey::generate().unwrap();
    let mutate = |path: &str, value: Value| {
        let mut claims = valid_claims(&tb, &jkt);
        *claims.pointer_mut(path).unwrap() = value;
        sign(&claims)
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut unknown_member = valid_claims(&tb, &jkt);
    unknown_member["access"]["https://example.org/new-constraint"] = json!(true);
    let cases: Vec<(&str, String, String, &str, &str)> = vec![
        (
            "expired",
            mutate("/exp", json!(now - 10)),
            wallet.assertion(&wallet.token_url, "a1"),
            "invalid_grant",
            "Ticket expired",
        ),
        (
            "bad signature",
            {
                let mut parts: Vec<String> = good.split('.').map(String::from).collect();
                parts[2] = stranger.sign(&json!({}), None).unwrap().split('.').nth(2).unwrap().to_string();
                parts.join(".")
            },
            wallet.assertion(&wallet.token_url, "a2"),
            "invalid_grant",
            "Ticket signature verification failed",
        ),
        (
            "unknown kid",
            stranger.sign(&valid_claims(&tb, &jkt), None).unwrap(),
            wallet.assertion(&wallet.token_url, "a3"),
            "invalid_grant",
            "Ticket signature verification failed",
        ),
        (
            "wrong audience",
            mutate("/aud", json!("https://elsewhere.example/network")),
            wallet.assertion(&wallet.token_url, "a4"),
            "invalid_grant",
            "Ticket not valid for this server",
        ),
        (
            "binding mismatch",
            mutate("/presenter_binding/jkt", json!(stranger.kid())),
            wallet.assertion(&wallet.token_url, "a5"),
            "invalid_grant",
            "Ticket presenter binding mismatch",
        ),
        (
            "unknown access member",
            sign(&unknown_member),
            wallet.assertion(&wallet.token_url, "a7"),
            "invalid_grant",
            "Unsupported access constraint: https://example.org/new-constraint",
        ),
        (
            "replayed jti",
            good.clone(),
            wallet.assertion(&wallet.token_url, "a0"),
            "invalid_client",
            "Client assertion jti replayed",
        ),
        (
            "wrong assertion aud",
            good.clone(),
            wallet.assertion(&format!("{fhir_base}/token"), "a8"),
            "invalid_client",
            "Client assertion audience must be the token endpoint",
        ),
    ];
    for (name, ticket, assertion, error, description) in cases {
        let (status, body) = wallet.exchange(&ticket, assertion, None).await;
        assert_eq!(body["error"], error, "{name}: {body}");
        assert_eq!(body["error_description"], description, "{name}");
        assert_eq!(status, if error == "invalid_client" { 401 } else { 400 }, "{name}");
    }

    // Scopes beyond the ticket: nothing left after intersection.
    let (_, body) =
        wallet.exchange(&good, wallet.assertion(&wallet.token_url, "a9"), Some("patient/Observation.rs")).await;
    assert_eq!(body["error"], "invalid_scope");

    // Revoked: set the ticket's status bit (index 3) at the broker; the hospital now refuses it.
    tb.broker.set_status_bit(3);
    let (_, body) = wallet.exchange(&good, wallet.assertion(&wallet.token_url, "a10"), None).await;
    assert_eq!(body["error_description"], "Ticket has been revoked");
    tb.stop().await;
}

#[tokio::test]
async fn fhir_enforces_data_period_and_withheld_sensitivity_labels() {
    let tb = Testbed::start(Config { sites: 1, seed: 12, ..Config::default() }).await.unwrap();
    let http = reqwest::Client::new();
    let fhir_base = tb.manifest.hospitals[0].fhir_base_url.clone();
    let wallet = register(&http, &fhir_base, &SigningKey::generate().unwrap()).await;
    let jkt = wallet.key.kid().to_string();
    let mut claims = valid_claims(&tb, &jkt);
    claims["access"] = json!({
        "smart_scopes": ["patient/*.rs"],
        "data_period": { "start": "2025-01-01", "end": "2026-12-31" },
        "sensitivity_withhold": { "codes": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSY" }] },
    });
    let ticket = tb.broker.current_key().sign(&claims, None).unwrap();
    let (status, body) = wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, "p1"), None).await;
    assert_eq!(status, 200, "{body}");
    let (token, patient) = (body["access_token"].as_str().unwrap(), body["patient"].as_str().unwrap());
    let hospital = &tb.hospitals[0];
    let all = &hospital.records[patient];
    let mut served = 0;
    for kind in tessera_testbed::scopes::SEARCHABLE {
        let bundle: Value = get_json(&http, &format!("{fhir_base}/{kind}?patient={patient}&_count=2"), token).await;
        // Follow paging to the end.
        let mut pages = vec![bundle];
        while let Some(next) = pages.last().unwrap()["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
            .map(|l| l["url"].as_str().unwrap().to_string())
        {
            pages.push(get_json(&http, &next, token).await);
        }
        for resource in
            pages.iter().flat_map(|p| p["entry"].as_array().cloned().unwrap_or_default()).map(|e| e["resource"].clone())
        {
            served += 1;
            assert_ne!(
                resource.pointer("/meta/security/0/code").and_then(Value::as_str),
                Some("PSY"),
                "withheld label served"
            );
            let date = [
                "/recordedDate",
                "/authoredOn",
                "/effectiveDateTime",
                "/occurrenceDateTime",
                "/period/start",
                "/date",
                "/performedDateTime",
            ]
            .iter()
            .find_map(|p| resource.pointer(p).and_then(Value::as_str));
            if let Some(date) = date {
                assert!(
                    &date[..10] >= "2025-01-01" && &date[..10] <= "2026-12-31",
                    "{date} is outside the data period"
                );
            }
        }
    }
    assert!(served > 0 && served < all.len(), "some records served, some held back ({served} of {})", all.len());
    tb.stop().await;
}

#[tokio::test]
async fn continuation_refresh_works_past_exp_until_the_ticket_is_revoked() {
    let tb = Testbed::start(Config { sites: 1, seed: 13, ..Config::default() }).await.unwrap();
    let http = reqwest::Client::new();
    let fhir_base = tb.manifest.hospitals[0].fhir_base_url.clone();
    let wallet = register(&http, &fhir_base, &SigningKey::generate().unwrap()).await;
    let mut claims = valid_claims(&tb, wallet.key.kid());
    claims["continuation"] = json!({ "refresh_until": time::OffsetDateTime::now_utc().unix_timestamp() + 86_400 });
    claims["revocation"]["index"] = json!(5);
    let ticket = tb.broker.current_key().sign(&claims, None).unwrap();
    let (status, body) = wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, "c1"), None).await;
    assert_eq!(status, 200, "{body}");
    let refresh = |token: String, jti: &'static str| {
        let form = [
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", token),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
            ("client_assertion", wallet.assertion(&wallet.token_url, jti)),
        ];
        let request = wallet.http.post(&wallet.token_url).form(&form);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let rotated = refresh(body["refresh_token"].as_str().unwrap().to_string(), "c2").await;
    assert!(rotated["access_token"].is_string() && rotated["refresh_token"].is_string(), "{rotated}");
    tb.broker.set_status_bit(5);
    let refused = refresh(rotated["refresh_token"].as_str().unwrap().to_string(), "c3").await;
    assert_eq!(refused["error"], "invalid_grant");
    assert_eq!(refused["error_description"], "Ticket has been revoked");
    tb.stop().await;
}

/// A category-limited ticket (lab results only): a strict hospital refuses a wider requested scope with
/// `invalid_scope` (as independent Data Holders do), a lenient one narrows it; both grant the exact scope, and
/// grant the ticket's own scopes when none is asked for; the token then opens lab results and nothing else.
#[tokio::test]
async fn a_strict_hospital_refuses_a_scope_wider_than_the_ticket() {
    const LABS: &str =
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    let exact = format!("{LABS} patient/Condition.rs");
    for strict in [true, false] {
        let faults = if strict {
            HashMap::from([(0, vec![tessera_testbed::faults::Fault::StrictScopes])])
        } else {
            HashMap::new()
        };
        let tb = Testbed::start(Config { sites: 2, seed: 3, faults, ..Config::default() }).await.unwrap();
        let http = reqwest::Client::new();
        let fhir_base = tb.manifest.hospitals[0].fhir_base_url.clone();
        let wallet = register(&http, &fhir_base, &SigningKey::generate().unwrap()).await;
        let mut claims = valid_claims(&tb, wallet.key.kid());
        claims["access"]["smart_scopes"] = json!([LABS, "patient/Condition.rs"]);
        let ticket = tb.broker.current_key().sign(&claims, Some("JWT")).unwrap();

        let wider = "patient/Observation.rs patient/Condition.rs";
        let (status, body) = wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, "s1"), Some(wider)).await;
        if strict {
            assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{body}");
        } else {
            assert_eq!((status, body["scope"].as_str()), (200, Some("patient/Condition.rs")), "{body}");
        }
        let (status, body) = wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, "s2"), Some(&exact)).await;
        assert_eq!((status, body["scope"].as_str()), (200, Some(exact.as_str())), "strict {strict}: {body}");
        let (status, body) = wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, "s3"), None).await;
        assert_eq!((status, body["scope"].as_str()), (200, Some(exact.as_str())), "strict {strict}: {body}");

        let token = body["access_token"].as_str().unwrap();
        let patient = body["patient"].as_str().unwrap();
        let bundle = get_json(&http, &format!("{fhir_base}/Observation?patient={patient}&_count=200"), token).await;
        let entries = bundle["entry"].as_array().unwrap();
        assert!(!entries.is_empty(), "the patient has lab results");
        for entry in entries {
            let category = entry.pointer("/resource/category/0/coding/0/code").and_then(Value::as_str);
            assert_eq!(category, Some("laboratory"), "only lab results are released");
        }
    }
}

/// The reference Data Holder's conventions, one switch each: `client-jkt` (a key-bound token needs `X-Client-JKT`),
/// `outcome-refusals` (refusals are 400 + OperationOutcome), `refuse:TYPE` (one type refused), `unnamed` (no
/// `organization` in the SMART configuration; the CapabilityStatement names the hospital). A hospital without them
/// keeps answering as before.
#[tokio::test]
async fn the_reference_data_holders_conventions_are_switches() {
    use tessera_testbed::faults::Fault;
    let reference = vec![
        Fault::ClientJkt,
        Fault::OutcomeRefusals,
        Fault::Refuse("DocumentReference"),
        Fault::Unnamed,
        Fault::OutcomeErrors,
    ];
    let tb = Testbed::start(Config { sites: 2, seed: 3, faults: HashMap::from([(0, reference)]), ..Config::default() })
        .await
        .unwrap();
    let http = reqwest::Client::new();
    for (index, like_reference) in [(0, true), (1, false)] {
        let fhir_base = tb.manifest.hospitals[index].fhir_base_url.clone();
        let wallet = register(&http, &fhir_base, &SigningKey::generate().unwrap()).await;
        let mut claims = valid_claims(&tb, wallet.key.kid());
        claims["access"]["smart_scopes"] = json!(["patient/Condition.rs", "patient/DocumentReference.rs"]);
        let ticket = tb.broker.current_key().sign(&claims, Some("JWT")).unwrap();
        let (status, body) = wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, "c1"), None).await;
        assert_eq!(status, 200, "{body}");
        let (token, patient) = (body["access_token"].as_str().unwrap(), body["patient"].as_str().unwrap());
        let get = |resource: &str, jkt: Option<&str>| {
            let mut request = http.get(format!("{fhir_base}/{resource}?patient={patient}")).bearer_auth(token);
            if let Some(jkt) = jkt {
                request = request.header("X-Client-JKT", jkt);
            }
            async move {
                let response = request.send().await.unwrap();
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            }
        };
        let refusal = if like_reference { 400 } else { 403 };
        let (status, body) = get("Condition", None).await;
        if like_reference {
            assert_eq!(
                (status, body["issue"][0]["diagnostics"].as_str()),
                (400, Some("Access token proof key mismatch"))
            );
        } else {
            assert_eq!((status, body["resourceType"].as_str()), (200, Some("Bundle")), "{body}");
        }
        let (status, body) = get("Condition", Some("not-my-key")).await;
        assert_eq!(status, if like_reference { 400 } else { 200 }, "{body}");
        let (status, body) = get("Condition", Some(wallet.key.kid())).await;
        assert_eq!((status, body["resourceType"].as_str()), (200, Some("Bundle")), "{body}");
        let (status, body) = get("DocumentReference", Some(wallet.key.kid())).await;
        if like_reference {
            assert_eq!((status, body["resourceType"].as_str()), (400, Some("OperationOutcome")), "{body}");
        } else {
            assert_eq!(status, 200, "{body}");
        }
        let (status, body) = get("Observation", Some(wallet.key.kid())).await;
        assert_eq!((status, body["resourceType"].as_str()), (refusal, Some("OperationOutcome")), "{body}");

        let config = fetch_json(&http, &format!("{fhir_base}/.well-known/smart-configuration")).await;
        assert_eq!(config.get("organization").is_none(), like_reference, "{config}");
        let statement = fetch_json(&http, &format!("{fhir_base}/metadata")).await;
        // Registration and token errors: an OperationOutcome there, RFC 6749/7591 JSON elsewhere.
        let registration =
            http.post(config["registration_endpoint"].as_str().unwrap()).body("not json").send().await.unwrap();
        assert_eq!(registration.status().as_u16(), 400);
        let body: Value = registration.json().await.unwrap();
        if like_reference {
            assert_eq!(
                (body["resourceType"].as_str(), body["issue"][0]["code"].as_str()),
                (Some("OperationOutcome"), Some("invalid"))
            );
        } else {
            assert_eq!(body["error"], "invalid_client_metadata");
        }
        let (status, body) = wallet.exchange("not-a-ticket", wallet.assertion(&wallet.token_url, "x1"), None).await;
        assert_eq!(status, 400);
        if like_reference {
            assert_eq!(body["issue"][0]["code"], "processing", "{body}");
        } else {
            assert_eq!(body["error"], "invalid_grant", "{body}");
        }
        assert_eq!(statement["implementation"]["description"], tb.manifest.hospitals[index].name);
    }
    tb.stop().await;
}

/// The broker's dialects (#13): one ticket per site names that hospital as `aud` and in its `data_holder_filter`,
/// and is redeemable there only; the April-2026 kernel keeps the filter; the sensitivity policy is a
/// `must_understand` rule the hospitals honour (sensitive records withheld unless `include`), and a rule they do not
/// know is refused.
#[tokio::test]
async fn the_broker_speaks_other_issuers_dialects() {
    use tessera_testbed::broker::{Dialect, Grant, TicketFormat};
    let dialect = Dialect {
        format: TicketFormat::April2026,
        per_site: true,
        sensitivity_policy: true,
        access_token_secs: None,
        network_limit: None,
    };
    let tb = Testbed::start(Config { sites: 2, seed: 3, dialect, ..Config::default() }).await.unwrap();
    let http = reqwest::Client::new();
    let key = SigningKey::generate().unwrap();
    let patient = &tb.world.people[1];
    let grant = |withhold: Vec<&'static str>| Grant {
        id: "g9".into(),
        patient_id: patient.id.clone(),
        requester_id: None,
        relationship: None,
        ticket_type: tessera_testbed::broker::UC1,
        scopes: vec!["patient/Condition.rs".into()],
        withhold,
        issued_at: 0,
        expires_at: i64::MAX / 2,
        refresh_until: None,
        study: None,
        status_index: 40,
        jkt: key.kid().to_string(),
        per_site: true,
        revoked: false,
    };
    let sites = &tb.broker.directory;
    let decode = |ticket: &str| tessera_jose::decode_unverified(ticket).unwrap().claims;
    let ticket = tb.broker.mint(&grant(vec!["PSY"]), Some(&sites[0])).unwrap();
    let claims = decode(&ticket);
    assert_eq!(claims["aud"], json!([sites[0].fhir_base_url]));
    assert_eq!(claims["aud_type"], "data_holder_url");
    assert_eq!(claims["access"]["data_holder_filter"][0]["organization"][0]["identifier"]["value"], sites[0].npi);
    assert!(claims["access"]["permissions"].is_array(), "April-2026 kernel: {claims}");
    assert_eq!(claims["must_understand"], json!(["sensitivity_policy"]));
    assert_eq!(claims["sensitivity_policy"]["unlisted_sensitive_data"], "exclude");

    for (index, site) in sites.iter().enumerate() {
        let wallet =
            register(&http, &site.fhir_base_url, &SigningKey::from_private_jwk_json(&key.private_jwk_json()).unwrap())
                .await;
        let (status, body) =
            wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, &format!("d{index}")), None).await;
        if index == 0 {
            assert_eq!(status, 200, "its own site: {body}");
        } else {
            assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "another site: {body}");
        }
    }
    // A rule the hospital does not know is refused, in its words.
    let wallet =
        register(&http, &sites[0].fhir_base_url, &SigningKey::from_private_jwk_json(&key.private_jwk_json()).unwrap())
            .await;
    let mut unknown = claims.clone();
    unknown["must_understand"] = json!(["sensitivity_policy", "future_rule"]);
    let signed = tb.broker.current_key().sign(&unknown, Some("JWT")).unwrap();
    let (status, body) = wallet.exchange(&signed, wallet.assertion(&wallet.token_url, "u1"), None).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("Cannot enforce kernel field: future_rule")));
    // `include` shares the sensitive records the same ticket with `exclude` withholds.
    let count = |ticket: String, jti: &'static str| {
        let wallet = &wallet;
        let http = &http;
        let base = sites[0].fhir_base_url.clone();
        async move {
            let (status, body) = wallet.exchange(&ticket, wallet.assertion(&wallet.token_url, jti), None).await;
            assert_eq!(status, 200, "{body}");
            let url = format!("{base}/Condition?patient={}&_count=200", body["patient"].as_str().unwrap());
            get_json(http, &url, body["access_token"].as_str().unwrap()).await["total"].as_u64().unwrap()
        }
    };
    let excluded = count(tb.broker.mint(&grant(vec!["PSY"]), Some(&sites[0])).unwrap(), "e1").await;
    let included = count(tb.broker.mint(&grant(vec![]), Some(&sites[0])).unwrap(), "i1").await;
    let local = tb.hospitals[0].patients.iter().find(|p| p.person_id == patient.id).unwrap();
    let conditions: Vec<&Value> =
        tb.hospitals[0].records[&local.id].iter().filter(|r| r["resourceType"] == "Condition").collect();
    let sensitive = conditions.iter().filter(|r| r.pointer("/meta/security/0/code").is_some()).count() as u64;
    assert!(sensitive > 0, "the patient has a sensitive problem at the first site");
    assert_eq!((included, excluded), (conditions.len() as u64, conditions.len() as u64 - sensitive));
    tb.stop().await;
}
