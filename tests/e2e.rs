//! End-to-end: the real Tessera binary in a real window, driven through tauri-driver and WebKitWebDriver.
//!
//! Run inside a display (the test script uses `xvfb-run`): `cargo test --workspace -- --ignored e2e_` (every e2e
//! test's name starts with `e2e_`). `cargo test` builds `target/debug/tessera-app` first. Screenshots go to
//! `target/e2e/`, and the ones the README shows to `docs/screenshots/`.
//!
//! The tests: the caregiver's first run (welcome → the demo network → the broker's consent page → people → six live
//! hospital lines, one down and one needing confirmation → confirm → Retry once the hospital is back → one merged
//! record, a problem several hospitals report shown once with each of them as a source → export, a FHIR Bundle of
//! exactly the shown item's resources → the hospital directory); a research consent ended while one of its
//! hospitals is down (the step stays pending, Retry finishes once the testbed's control route brings it back, the
//! hospital's RFC 7009 log shows it, Activity lists each step); the patient ending his caregiver's access from "Who
//! can see my records" (her next read is refused everywhere, in words); the idle lock with an injected short
//! timeout (a week-long grant's reminder reaches the test's own notification service once, naming no one), unlock,
//! the record read again, Ctrl+L, and locking with the screen; the main flow of both parts by keyboard alone
//! (`AppSession::keyboard_to` presses Tab until the control has a visible focus, then Enter, or an arrow key for
//! the record's tabs); a hospital without tickets read through its patient portal and ended in Grants. Screens
//! along the way are checked with axe-core (`support::audit::assert_accessible`), and each test ends by scanning
//! every captured IPC payload for secrets and raw FHIR.

mod support;

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::Value;
use support::audit::{assert_accessible, captured_ipc, ipc_leaks, start_ipc_capture};
use support::driver::{AppSession, ARROW_RIGHT, ENTER};
use support::notifications::NotificationService;
use support::pages::{submit_page, submit_pages, RecordingBrowser};
use tessera_testbed::{data, demo};

/// The demo world as the app's embedded network builds it, for values only the test network knows.
fn demo_world() -> data::World {
    let mut world = data::generate(demo::SEED, demo::SITES);
    data::name_the_story(&mut world);
    world
}

/// A problem Harold has that the test network reports at both hospital 0 and hospital 1 (and is not sensitive).
fn problem_reported_twice(world: &data::World) -> (String, String) {
    let harold = &world.people[1];
    let conditions = |site: usize| -> Vec<Value> {
        data::records(demo::SEED, harold, site, "x")
            .into_iter()
            .filter(|r| r["resourceType"] == "Condition" && r.pointer("/meta/security").is_none())
            .collect()
    };
    let at_second = conditions(1);
    let shared = conditions(0)
        .into_iter()
        .find(|c| at_second.iter().any(|d| d["code"]["coding"][0]["code"] == c["code"]["coding"][0]["code"]))
        .expect("Harold's long-running problems are reported at every hospital");
    let code = shared["code"]["coding"][0]["code"].as_str().unwrap().to_string();
    (shared["code"]["text"].as_str().unwrap().to_string(), code)
}

/// Every hospital line on the person page: (hospital address, phase, final status, text). Lines move between
/// lists as they settle; a line that went stale while being read makes this return nothing, to be polled again.
async fn lines(session: &AppSession) -> Vec<(String, String, String, String)> {
    async fn read(line: &Element) -> Option<(String, String, String, String)> {
        let attr = |name: &'static str| async move { line.attr(name).await.ok().map(Option::unwrap_or_default) };
        Some((
            attr("data-hospital").await?,
            attr("data-phase").await?,
            attr("data-status").await?,
            // textContent, not the visible text: once read, settled lines fold away behind a disclosure.
            line.prop("textContent").await.ok()?.unwrap_or_default(),
        ))
    }
    let mut out = Vec::new();
    for line in session.client.find_all(Locator::Css("[data-testid=hospital-line]")).await.unwrap_or_default() {
        match read(&line).await {
            Some(read) => out.push(read),
            None => return Vec::new(),
        }
    }
    out
}

/// Waits until the hospital lines satisfy `done` and returns them as the wait saw them (read again, they may be
/// moving into the folded list).
async fn lines_when(
    session: &AppSession,
    what: &str,
    done: impl Fn(&[(String, String, String, String)]) -> bool,
) -> Vec<(String, String, String, String)> {
    let seen = std::sync::Mutex::new(Vec::new());
    session
        .wait_until(60, what, || async {
            let now = lines(session).await;
            let ok = done(&now);
            *seen.lock().unwrap() = now;
            ok
        })
        .await;
    seen.into_inner().unwrap()
}

async fn status_of(session: &AppSession, hospital: &str) -> String {
    lines(session).await.into_iter().find(|l| l.0 == hospital).map(|l| l.2).unwrap_or_default()
}

// Multi-threaded: this test plays the browser (HTTP) while the app waits on its loopback listener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service, tauri-driver and WebKitWebDriver; run by scripts/test.sh"]
async fn e2e_a_caregiver_goes_from_the_welcome_to_one_merged_record() {
    let scratch = std::env::temp_dir().join(format!("tessera-e2e-journey-{}", std::process::id()));
    let exports = scratch.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let browser = RecordingBrowser::new(&scratch);
    let env = [("TESSERA_BROWSER", browser.script.as_path()), ("TESSERA_EXPORT_DIR", exports.as_path())];
    let session = AppSession::start("journey", &env).await;
    let client = &session.client;
    let world = demo_world();
    let harold = &world.people[1];
    start_ipc_capture(&session).await;

    // First run: the welcome, two paths, no navigation yet.
    let welcome = session.text_of("[data-testid=welcome]").await;
    assert!(welcome.contains("Try the demo network"), "{welcome}");
    assert!(client.find(Locator::Css("[data-testid=broker-address]")).await.is_ok());
    assert!(client.find(Locator::Css("nav")).await.is_err(), "no navigation before the first sign-in");
    assert_accessible(&session, "welcome").await;
    session.screenshot_for_docs("welcome").await;

    // The demo network starts inside the app; sign-in goes through the browser and its real consent page.
    session.click("[data-testid=try-demo]").await;
    let waiting = session.text_of("[data-testid=signin-waiting]").await;
    let consent_url = browser.nth_url(1).await;
    let broker = url::Url::parse(&consent_url).unwrap().origin().ascii_serialization();
    assert!(waiting.contains(broker.trim_start_matches("http://")), "the waiting screen names the broker: {waiting}");
    assert!(client.find(Locator::Css("[data-testid=cancel-sign-in]")).await.is_ok());
    assert_accessible(&session, "sign-in waiting").await;
    session.screenshot_for_docs("signin-waiting").await;
    let landing = submit_page(&consent_url, &[("person", &world.people[0].id)], &[("decision", "approve")]).await;
    assert!(landing.contains("close this tab"), "{landing}");

    // Once, after the first sign-in: a passphrase, so that no one else at this computer can unlock Tessera. A short
    // one, or two that differ, are said where they were typed.
    let protect = session.text_of("[data-testid=protect]").await;
    assert!(protect.contains("Keep these records private") && protect.contains("Not now"), "{protect}");
    type_into(&session, "[data-testid=new-passphrase]", "short").await;
    type_into(&session, "[data-testid=repeat-passphrase]", "short").await;
    session.click("[data-testid=set-passphrase]").await;
    session.text_when("[data-testid=passphrase-problem]", "too short", |t| t.contains("at least 8")).await;
    type_into(&session, "[data-testid=new-passphrase]", PASSPHRASE).await;
    type_into(&session, "[data-testid=repeat-passphrase]", "margaret's gardne").await;
    session.click("[data-testid=set-passphrase]").await;
    session.text_when("[data-testid=passphrase-problem]", "not the same", |t| t.contains("not the same")).await;
    type_into(&session, "[data-testid=repeat-passphrase]", PASSPHRASE).await;
    let stale = session.client.find_all(Locator::Css("[data-testid=passphrase-problem]")).await.unwrap();
    assert!(stale.is_empty(), "the problem about the earlier typing is gone once the person types again");
    assert_accessible(&session, "choose a passphrase").await;
    session.screenshot_for_docs("passphrase").await;
    session.click("[data-testid=set-passphrase]").await;

    // People: Harold, with Margaret's authority in words.
    let card = session.text_of("[data-testid=person-card]").await;
    assert!(card.contains("Harold Washington"), "{card}");
    assert!(card.contains("healthcare power of attorney"), "{card}");
    let born = tessera_core::words::describe::iso_date_words(&harold.birth_date);
    assert!(card.contains(&born), "the card gives his birth date in words ({born}): {card}");
    assert_accessible(&session, "people").await;
    session.screenshot_for_docs("people").await;

    // His record: every hospital at once, each with its own live line.
    session.click("[data-testid=person-card]").await;
    let hospitals: Vec<String> = (0..demo::SITES).map(|i| world.hospitals[i].name.clone()).collect();
    // A final status and a final phase on every line: the record's answer and the last progress event can arrive in
    // either order.
    let in_flight = ["discovering", "registering", "exchanging", "reading"];
    let now = lines_when(&session, "a final status on every hospital line", |now| {
        now.len() == demo::SITES && now.iter().all(|l| !l.2.is_empty() && !in_flight.contains(&l.1.as_str()))
    })
    .await;
    let by_name = |name: &str| now.iter().find(|l| l.3.contains(name)).cloned().unwrap();
    let down = by_name(&hospitals[demo::DOWN]);
    assert_eq!((down.1.as_str(), down.2.as_str()), ("failed", "failed"), "{down:?}");
    assert!(down.3.contains("not answering"), "the down hospital says so in words: {down:?}");
    let confirm = by_name(&hospitals[demo::CONFIRM]);
    assert_eq!(confirm.2, "needs_confirmation", "{confirm:?}");
    assert!(confirm.3.contains("Confirm who Harold is"), "{confirm:?}");
    for (index, name) in hospitals.iter().enumerate().filter(|(i, _)| ![demo::DOWN, demo::CONFIRM].contains(i)) {
        assert_eq!(by_name(name).2, "connected", "hospital {index}: {:?}", by_name(name));
    }
    let retry_css = format!("[data-testid=hospital-line][data-hospital=\"{}\"] [data-testid=retry]", down.0);
    assert!(client.find(Locator::Css(&retry_css)).await.is_ok(), "a failed hospital offers Retry");
    assert_accessible(&session, "person (connecting)").await;
    session.screenshot_for_docs("connect").await;

    // Confirming the patient is a step the person takes in the browser, one hospital at a time.
    session.click(&format!("[data-testid=hospital-line][data-hospital=\"{}\"] [data-testid=confirm]", confirm.0)).await;
    let confirm_url = browser.nth_url(2).await;
    let picker = reqwest::get(&confirm_url).await.unwrap().text().await.unwrap();
    let right = picker
        .split("value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|value| value.starts_with("pt") && !value.ends_with("dup"))
        .expect("the hospital lists Harold's record")
        .to_string();
    submit_page(&confirm_url, &[("patient", &right)], &[]).await;
    session
        .wait_until(30, "the confirmed hospital to connect", || async {
            status_of(&session, &confirm.0).await == "connected"
        })
        .await;

    // The hospital that was down comes back; Retry reads it.
    let up = reqwest::Client::new().post(format!("{broker}/testbed/hospitals/{}/up", demo::DOWN)).send().await;
    assert_eq!(up.unwrap().status(), 200);
    session.click(&retry_css).await;
    session
        .wait_until(30, "the retried hospital to connect", || async {
            status_of(&session, &down.0).await == "connected"
        })
        .await;

    // One merged record: a problem reported by two hospitals shows once, with both as sources.
    let (problem, _code) = problem_reported_twice(&world);
    session.click("[data-testid=tab-problem]").await;
    let search = client.find(Locator::Css("[data-testid=record-search]")).await.unwrap();
    search.send_keys(&problem).await.unwrap();
    session
        .wait_until(10, "the search to narrow the record", || async {
            let items = client.find_all(Locator::Css("[data-testid=record-item]")).await.unwrap();
            let mut all_match = !items.is_empty();
            for item in &items {
                all_match &= item.text().await.unwrap_or_default().contains(&problem);
            }
            all_match
        })
        .await;
    let items = client.find_all(Locator::Css("[data-testid=record-item]")).await.unwrap();
    assert_eq!(items.len(), 1, "the same problem from every hospital is one item");
    let folded = session.text_of("[data-testid=settled-lines] summary").await;
    assert!(folded.contains("6 hospitals already read"), "read hospitals fold away once done: {folded}");
    let mut sources = Vec::new();
    for chip in items[0].find_all(Locator::Css("[data-testid=source]")).await.unwrap() {
        sources.push(chip.text().await.unwrap());
    }
    for index in [0, 1, demo::DOWN, demo::CONFIRM] {
        assert!(sources.contains(&hospitals[index]), "{} is a source of {problem}: {sources:?}", hospitals[index]);
    }
    assert_accessible(&session, "record").await;
    session.screenshot_for_docs("record").await;

    // Export what is shown: a FHIR Bundle holding exactly the shown item's resources, one per source.
    session.click("[data-testid=export]").await;
    let result = session.text_of("[data-testid=export-result]").await;
    assert!(result.contains("Saved"), "{result}");
    let file = std::fs::read_dir(&exports).unwrap().next().expect("an exported file").unwrap().path();
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!((bundle["resourceType"].as_str(), bundle["type"].as_str()), (Some("Bundle"), Some("collection")));
    let entries = bundle["entry"].as_array().unwrap();
    assert_eq!(entries.len(), sources.len(), "one resource per source of the one shown item");
    for entry in entries {
        assert_eq!(entry["resource"]["resourceType"], "Condition");
        assert_eq!(entry["resource"]["code"]["text"], problem.as_str());
        let from = entry["fullUrl"].as_str().unwrap();
        assert!(from.starts_with("http://127.0.0.1:") && from.contains("/fhir/Condition/"), "{from}");
    }

    // The hospital directory: names (never host:port), their status.
    session.click("[data-testid=nav-hospitals]").await;
    session
        .wait_until(20, "every hospital in the directory", || async {
            client.find_all(Locator::Css("[data-testid=hospital-row]")).await.unwrap().len() == demo::SITES
        })
        .await;
    let directory = session.text_of("[data-testid=hospitals]").await;
    for name in &hospitals {
        assert!(directory.contains(name.as_str()), "{name} in {directory}");
    }
    assert!(!directory.contains("127.0.0.1"), "no addresses where a name exists: {directory}");
    assert_accessible(&session, "hospitals").await;
    session.screenshot_for_docs("hospitals").await;
    session.click("[data-testid=nav-tickets]").await;
    let tickets = session.text_of("[data-testid=ticket]").await;
    assert!(tickets.contains("healthcare power of attorney"), "{tickets}");
    assert_accessible(&session, "tickets").await;

    finish(session, &scratch).await;
}

/// Ends a run: nothing secret and no raw FHIR crossed IPC during it, the window closes, the scratch folder goes.
async fn finish(session: AppSession, scratch: &std::path::Path) {
    let leaks = ipc_leaks(&captured_ipc(&session).await);
    assert!(leaks.is_empty(), "secrets or raw FHIR crossed IPC: {leaks:?}");
    session.stop().await;
    let _ = std::fs::remove_dir_all(scratch);
}

/// The first run through the demo network, signed in as `person` on the broker's real consent page. Returns the
/// broker's origin.
async fn sign_in_on_the_demo(session: &AppSession, browser: &RecordingBrowser, person: &str) -> String {
    sign_in_on_the_demo_choosing(session, browser, &[("person", person)], false).await
}

/// [`sign_in_on_the_demo`] with these choices on the consent page (`person`, `days`, …), then [`PASSPHRASE`] (when
/// `passphrase`) or "Not now" on the passphrase screen.
async fn sign_in_on_the_demo_choosing(
    session: &AppSession,
    browser: &RecordingBrowser,
    choices: &[(&str, &str)],
    passphrase: bool,
) -> String {
    session.click("[data-testid=try-demo]").await;
    session.text_of("[data-testid=signin-waiting]").await;
    let consent_url = browser.nth_url(1).await;
    let landing = submit_page(&consent_url, choices, &[("decision", "approve")]).await;
    assert!(landing.contains("close this tab"), "{landing}");
    if passphrase {
        choose_the_passphrase(session).await;
    } else {
        choose_no_passphrase(session).await;
    }
    session.text_of("[data-testid=person-card]").await;
    url::Url::parse(&consent_url).unwrap().origin().ascii_serialization()
}

/// The passphrase the end-to-end runs unlock with.
const PASSPHRASE: &str = "margaret's garden";

/// Types `text` into the field matching `css` (waiting for it to appear).
async fn type_into(session: &AppSession, css: &str, text: &str) {
    session.text_of(css).await;
    let field = session.client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// After the first sign-in: chooses "Not now" on the passphrase screen (the lock is then a privacy screen).
async fn choose_no_passphrase(session: &AppSession) {
    session.text_of("[data-testid=protect]").await;
    session.click("[data-testid=skip-passphrase]").await;
}

/// After the first sign-in: sets [`PASSPHRASE`] on the passphrase screen.
async fn choose_the_passphrase(session: &AppSession) {
    type_into(session, "[data-testid=new-passphrase]", PASSPHRASE).await;
    type_into(session, "[data-testid=repeat-passphrase]", PASSPHRASE).await;
    session.click("[data-testid=set-passphrase]").await;
}

/// Unlocks on the lock screen with `passphrase`.
async fn unlock_with(session: &AppSession, passphrase: &str) {
    type_into(session, "[data-testid=unlock-passphrase]", passphrase).await;
    session.click("[data-testid=unlock]").await;
}

/// Opens the first person and waits until every hospital line has its outcome.
async fn open_first_person(session: &AppSession) -> Vec<(String, String, String, String)> {
    session.click("[data-testid=person-card]").await;
    lines_when(session, "a final status on every hospital line", |now| {
        !now.is_empty() && now.iter().all(|l| !l.2.is_empty())
    })
    .await
}

fn control(broker: &str, index: usize, action: &str) -> String {
    format!("{broker}/testbed/hospitals/{index}/{action}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service, tauri-driver and WebKitWebDriver; run by scripts/test.sh"]
async fn e2e_a_consent_is_ended_while_a_hospital_is_down_and_finishes_when_it_is_back() {
    let scratch = std::env::temp_dir().join(format!("tessera-e2e-revoke-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let browser = RecordingBrowser::new(&scratch);
    let session = AppSession::start("revoke", &[("TESSERA_BROWSER", browser.script.as_path())]).await;
    start_ipc_capture(&session).await;
    let world = demo_world();
    let patricia = &world.people[4];
    assert!(patricia.study.is_some(), "the demo's research participant");
    let http = reqwest::Client::new();

    let broker = sign_in_on_the_demo(&session, &browser, &patricia.id).await;
    let _ = http.post(control(&broker, demo::DOWN, "up")).send().await.unwrap();
    let reached = open_first_person(&session).await;
    // A hospital her consent reached (a continuation: the hospital keeps a refresh token for it) goes down.
    let victim = patricia.sites.iter().copied().find(|i| *i != demo::CONFIRM).expect("she was seen somewhere");
    let victim_name = &world.hospitals[victim].name;
    assert!(reached.iter().any(|l| l.3.contains(victim_name.as_str()) && l.2 == "connected"), "{reached:?}");
    assert_eq!(http.post(control(&broker, victim, "down")).send().await.unwrap().status(), 200);

    // Grants → the consent → its detail in words.
    session.click("[data-testid=nav-grants]").await;
    session.text_of("[data-testid=grant-row]").await;
    assert_accessible(&session, "grants").await;
    session.screenshot_for_docs("grants").await;
    session.click("[data-testid=grant-row][data-kind=ticket]").await;
    let detail = session
        .text_when("[data-testid=grant-detail]", "where it was used", |t| t.contains(victim_name.as_str()))
        .await;
    // The broker by the name it gives itself, never its address (the network's address in the details is #22's).
    assert!(detail.contains(&format!("From {}", demo::BROKER_NAME)) && !detail.contains("From 127.0.0.1"), "{detail}");
    assert_accessible(&session, "grant detail").await;
    session.screenshot_for_docs("grant-detail").await;

    // End it: the preview first, then each step live; the hospital that is down stays pending.
    session.click("[data-testid=end-grant]").await;
    session
        .text_when("[data-testid=revoke-preview]", "the step at that hospital", |t| t.contains(victim_name.as_str()))
        .await;
    assert_accessible(&session, "revocation preview").await;
    session.click("[data-testid=confirm-revoke]").await;
    session
        .wait_until(60, "the revocation to stop with a pending step and a Retry", || async {
            session.client.find(Locator::Css("[data-testid=retry-revoke]")).await.is_ok()
        })
        .await;
    let steps = session.client.find_all(Locator::Css("[data-testid=revoke-step]")).await.unwrap();
    let mut pending = Vec::new();
    for step in &steps {
        if step.attr("data-state").await.ok().flatten().as_deref() == Some("pending") {
            pending.push(step.text().await.unwrap());
        }
    }
    assert!(
        pending.iter().any(|p| p.contains(victim_name.as_str())),
        "pending at the hospital that is down: {pending:?}"
    );
    session.screenshot_for_docs("revoke").await;

    // The hospital comes back; Retry finishes; the hospital has revoked the consent's refresh token.
    assert_eq!(http.post(control(&broker, victim, "up")).send().await.unwrap().status(), 200);
    session.click("[data-testid=retry-revoke]").await;
    session.text_when("[data-testid=revoke-receipt]", "the receipt", |t| t.contains("Done")).await;
    // Above the receipt the page says the same: ended, on one date, at every hospital (nothing still "Active").
    session.text_when("[data-testid=grant-status]", "the grant's state, ended", |t| t == "Revoked").await;
    session.text_when("[data-testid=grant-ends]", "when it ended", |t| t.starts_with("It was ended on")).await;
    for used in session.client.find_all(Locator::Css("[data-testid=grant-use]")).await.unwrap() {
        let text = used.text().await.unwrap();
        assert!(text.contains("Ended") && !text.contains("Connected"), "a hospital line after ending: {text}");
    }
    let revoked: Vec<String> =
        http.get(control(&broker, victim, "revocations")).send().await.unwrap().json().await.unwrap();
    assert!(revoked.contains(&"refresh_token".to_string()), "the hospital revoked what it held: {revoked:?}");

    // Activity shows each step, with hospital names.
    session.click("[data-testid=nav-activity]").await;
    session.text_of("[data-testid=activity-row]").await;
    session
        .text_when("[data-testid=activity]", "each revocation step", |t| {
            t.contains("Ended access") && t.contains(victim_name.as_str())
        })
        .await;
    assert_accessible(&session, "activity").await;
    session.screenshot_for_docs("activity").await;

    finish(session, &scratch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service, tauri-driver and WebKitWebDriver; run by scripts/test.sh"]
async fn e2e_the_patient_ends_a_caregivers_access_and_her_next_connect_is_refused() {
    let scratch = std::env::temp_dir().join(format!("tessera-e2e-about-me-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let browser = RecordingBrowser::new(&scratch);
    let session = AppSession::start("about-me", &[("TESSERA_BROWSER", browser.script.as_path())]).await;
    start_ipc_capture(&session).await;
    let world = demo_world();
    let (margaret, harold) = (&world.people[0], &world.people[1]);

    // Margaret signs in; then, on the same computer, Harold signs in for himself.
    sign_in_on_the_demo(&session, &browser, &margaret.id).await;
    session.click("[data-testid=nav-settings]").await;
    session.click("[data-testid=sign-in-again]").await;
    let consent_url = browser.nth_url(2).await;
    submit_page(&consent_url, &[("person", &harold.id)], &[("decision", "approve")]).await;
    session.text_of("[data-testid=person-card]").await;

    // Who can see my records: Margaret's power of attorney.
    session.click("[data-testid=nav-about-me]").await;
    let name = margaret.name();
    session
        .text_when("[data-testid=about-me-grant]", "Margaret's power of attorney", |t| {
            t.contains(&name) && t.contains("healthcare power of attorney")
        })
        .await;
    assert_accessible(&session, "who can see my records").await;
    session.screenshot_for_docs("about-me").await;
    session.click("[data-testid=end-about-me]").await;
    session.text_of("[data-testid=revoke-preview]").await;
    session.click("[data-testid=confirm-revoke]").await;
    session
        .text_when("[data-testid=revoke-receipt]", "the proof, in words", |t| t.contains("hospitals refuse it"))
        .await;

    // Margaret's ticket is now refused everywhere, in words; Harold's own still works.
    session.click("[data-testid=nav-people]").await;
    session.click("[data-testid=person-card]").await;
    session.click("[data-testid=refresh]").await;
    let now = lines_when(&session, "every line of both tickets to end", |now| {
        now.len() == 2 * demo::SITES && now.iter().all(|l| !l.2.is_empty())
    })
    .await;
    let refused = now.iter().filter(|l| l.3.contains("has been revoked")).count();
    assert_eq!(refused, demo::SITES, "Margaret's ticket is refused at every hospital: {now:?}");
    assert!(now.iter().any(|l| l.2 == "connected"), "Harold's own ticket still reads: {now:?}");

    finish(session, &scratch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service, tauri-driver and WebKitWebDriver; run by scripts/test.sh"]
async fn e2e_an_idle_wallet_locks_itself_and_unlocking_reads_the_record_again() {
    let scratch = std::env::temp_dir().join(format!("tessera-e2e-lock-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let browser = RecordingBrowser::new(&scratch);
    // The desktop's notification service, to see the reminders the app sends.
    let notifications = NotificationService::start();
    // A short idle period and a frequent background check, injected for the test: eight and two seconds.
    let (idle, check) = (std::path::Path::new("8"), std::path::Path::new("2"));
    let env = [
        ("TESSERA_BROWSER", browser.script.as_path()),
        ("TESSERA_IDLE_LOCK_SECS", idle),
        ("TESSERA_STATUS_CHECK_SECS", check),
    ];
    let session = AppSession::start("lock", &env).await;
    start_ipc_capture(&session).await;
    let world = demo_world();
    // Margaret gives herself a week: a reminder that the grant ends soon reaches the desktop, naming no one.
    sign_in_on_the_demo_choosing(&session, &browser, &[("person", &world.people[0].id), ("days", "7")], true).await;
    open_first_person(&session).await;
    let reads = |text: &str| text.matches("\"name\":\"open_record\"").count();
    let before = reads(&captured_ipc(&session).await);

    // Left alone, it locks: nothing but the name and Unlock.
    session
        .wait_until(30, "the lock screen", || async {
            session.client.find(Locator::Css("[data-testid=locked]")).await.is_ok()
        })
        .await;
    assert!(session.client.find(Locator::Css("nav")).await.is_err(), "nothing else shows while locked");
    session
        .wait_until(20, "the reminder that the grant ends soon", || async {
            notifications.received().iter().any(|n| n.summary.starts_with("A grant ends within"))
        })
        .await;
    let reminders = notifications.received();
    assert_eq!(reminders.len(), 1, "each reminder is sent once: {reminders:?}");
    for person in &world.people[..2] {
        assert!(!reminders[0].body.contains(&person.name()), "no names on the desktop: {reminders:?}");
    }
    assert_accessible(&session, "locked").await;
    session.screenshot_for_docs("locked").await;

    // A wrong passphrase does not unlock it, and says so; the right one does. Opening Harold then reads his record
    // again (it was dropped from memory).
    unlock_with(&session, "margaret's gardens").await;
    let wrong = session.text_of("[data-testid=unlock-error]").await;
    assert!(wrong.contains("did not unlock") && wrong.contains("wallet.passphrase_wrong"), "{wrong}");
    assert!(session.client.find(Locator::Css("nav")).await.is_err(), "still nothing but the lock screen");
    unlock_with(&session, PASSPHRASE).await;
    open_first_person(&session).await;
    // The lines may be drawn before the read's answer is captured: wait for the answer (it fails if none comes).
    session
        .wait_until(20, "the record read again after unlocking", || async {
            reads(&captured_ipc(&session).await) > before
        })
        .await;

    // Settings, and Ctrl+L locks on demand. Lock after five minutes first (applied at once), so that the short
    // injected idle period cannot lock the window while this screen is checked.
    session.click("[data-testid=nav-settings]").await;
    session.text_when("[data-testid=about-version]", "the version", |t| t.contains(env!("CARGO_PKG_VERSION"))).await;
    session.text_of("[data-testid=setting-lock-after]").await;
    let timeout = session.client.find(Locator::Css("[data-testid=setting-lock-after]")).await.unwrap();
    timeout.select_by_value("5").await.unwrap();
    session.text_of("[data-testid=settings-saved]").await;
    assert_accessible(&session, "settings").await;
    session.screenshot_for_docs("settings").await;
    // Never lock when idle from now on: below, only Ctrl+L and the screen locking can lock it.
    let timeout = session.client.find(Locator::Css("[data-testid=setting-lock-after]")).await.unwrap();
    timeout.select_by_value("0").await.unwrap();
    session
        .wait_until(10, "the setting saved as never", || async {
            let ipc = captured_ipc(&session).await;
            ipc.contains("\"lock_after_minutes\":0")
        })
        .await;
    let body = session.client.find(Locator::Css("body")).await.unwrap();
    body.send_keys("\u{E009}l\u{E000}").await.unwrap();
    session.text_of("[data-testid=locked]").await;

    // The screen locks (the screensaver's D-Bus signal on the session bus): Tessera locks too.
    unlock_with(&session, PASSPHRASE).await;
    // Unlocking returns to the screen the person was on: Settings.
    session.text_of("[data-testid=settings]").await;
    let sent = std::process::Command::new("dbus-send")
        .args(["--session", "--type=signal", "/org/freedesktop/ScreenSaver"])
        .args(["org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true"])
        .status()
        .expect("dbus-send runs");
    assert!(sent.success());
    session
        .wait_until(10, "the lock screen after the screen locked", || async {
            session.client.find(Locator::Css("[data-testid=locked]")).await.is_ok()
        })
        .await;

    finish(session, &scratch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service, tauri-driver and WebKitWebDriver; run by scripts/test.sh"]
async fn e2e_the_main_flow_of_both_parts_works_with_the_keyboard_alone() {
    let scratch = std::env::temp_dir().join(format!("tessera-e2e-keyboard-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let browser = RecordingBrowser::new(&scratch);
    let session = AppSession::start("keyboard", &[("TESSERA_BROWSER", browser.script.as_path())]).await;
    start_ipc_capture(&session).await;
    let world = demo_world();

    // Part 1: the welcome → the demo (the consent page is the browser's) → Harold's record, by Tab and Enter only.
    session.text_of("[data-testid=welcome]").await;
    session.keyboard_to("[data-testid=try-demo]", ENTER).await;
    session.text_of("[data-testid=signin-waiting]").await;
    let consent_url = browser.nth_url(1).await;
    let landing = submit_page(&consent_url, &[("person", &world.people[0].id)], &[("decision", "approve")]).await;
    assert!(landing.contains("close this tab"), "{landing}");
    session.keyboard_to("[data-testid=skip-passphrase]", ENTER).await;
    session.keyboard_to("[data-testid=person-card]", ENTER).await;
    lines_when(&session, "a final status on every hospital line", |now| {
        !now.is_empty() && now.iter().all(|l| !l.2.is_empty())
    })
    .await;
    // The record's tabs are one stop on Tab; the arrow keys move between them (the WAI-ARIA tabs pattern).
    session.keyboard_to("[role=tab][aria-selected=true]", ARROW_RIGHT).await;
    for _ in 0..8 {
        if session.client.find(Locator::Css("[data-testid=tab-problem][aria-selected=true]")).await.is_ok() {
            break;
        }
        session.client.active_element().await.unwrap().send_keys(ARROW_RIGHT).await.unwrap();
    }
    session.text_when("[data-testid=record-item]", "a problem from the record", |t| !t.is_empty()).await;

    // Part 2: Grants → the ticket → end it → the receipt; Activity; lock with Ctrl+L and unlock.
    session.keyboard_to("[data-testid=nav-grants]", ENTER).await;
    session.keyboard_to("[data-testid=grant-row][data-kind=ticket]", ENTER).await;
    session.text_of("[data-testid=grant-detail]").await;
    session.keyboard_to("[data-testid=end-grant]", ENTER).await;
    session.text_of("[data-testid=revoke-preview]").await;
    session.keyboard_to("[data-testid=confirm-revoke]", ENTER).await;
    session
        .wait_until(60, "the revocation's end", || async {
            session.client.find(Locator::Css("[data-testid=revoke-receipt]")).await.is_ok()
                || session.client.find(Locator::Css("[data-testid=retry-revoke]")).await.is_ok()
        })
        .await;
    session.keyboard_to("[data-testid=nav-activity]", ENTER).await;
    session.text_when("[data-testid=activity]", "the revocation in the log", |t| t.contains("Ended access")).await;
    session.client.active_element().await.unwrap().send_keys("\u{E009}l\u{E000}").await.unwrap();
    session.text_of("[data-testid=locked]").await;
    session.keyboard_to("[data-testid=unlock]", ENTER).await;
    session.keyboard_to("[data-testid=nav-people]", ENTER).await;
    session.text_of("[data-testid=people]").await;

    finish(session, &scratch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a display, a Secret Service, tauri-driver and WebKitWebDriver; run by scripts/test.sh"]
async fn e2e_a_hospital_without_tickets_is_read_through_its_patient_portal_and_ended_in_grants() {
    use tessera_testbed::faults::Fault;
    // A test network of its own: two hospitals that take tickets and one that has only its patient portal, with
    // real sign-in pages (the broker's consent, the portal's login and patient picker).
    let faults = std::collections::HashMap::from([(2, vec![Fault::PortalOnly])]);
    let config = tessera_testbed::Config { sites: 3, seed: 21, faults, auto_approve: false, ..Default::default() };
    let tb = tessera_testbed::Testbed::start(config).await.unwrap();
    let scratch = std::env::temp_dir().join(format!("tessera-e2e-portal-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let browser = RecordingBrowser::new(&scratch);
    let session = AppSession::start("portal", &[("TESSERA_BROWSER", browser.script.as_path())]).await;
    start_ipc_capture(&session).await;
    let margaret = tb.manifest.people[0].id.clone();
    let (portal, name) = (tb.manifest.hospitals[2].fhir_base_url.clone(), tb.manifest.hospitals[2].name.clone());

    // Sign in with the test network's broker, its address typed on the welcome screen.
    session.text_of("[data-testid=welcome]").await;
    let address = session.client.find(Locator::Css("[data-testid=broker-address]")).await.unwrap();
    address.send_keys(&tb.manifest.broker).await.unwrap();
    session.click("[data-testid=sign-in]").await;
    let consent_url = browser.nth_url(1).await;
    let landing = submit_page(&consent_url, &[("person", &margaret)], &[("decision", "approve")]).await;
    assert!(landing.contains("close this tab"), "{landing}");
    choose_no_passphrase(&session).await;
    session.click("[data-testid=person-card]").await;
    // Lines arrive as hospitals answer: wait for the portal-only one as well as a final status on each.
    let reached = lines_when(&session, "a final status on every line, the portal-only hospital's among them", |now| {
        now.iter().any(|l| l.0 == portal) && now.iter().all(|l| !l.2.is_empty())
    })
    .await;
    let line = reached.iter().find(|l| l.0 == portal).expect("a line for the portal-only hospital");
    assert_eq!(line.2, "unsupported", "{reached:?}");

    // The line offers the portal; nothing happens until the person chooses it.
    let offer = session.text_of("[data-testid=portal-sign-in]").await;
    assert!(offer.contains(&name) && offer.contains("patient portal"), "{offer}");
    assert_eq!(tb.hospitals[2].portal_grants().len(), 0, "never signed in on its own");
    assert_accessible(&session, "a hospital offering its patient portal").await;
    session.screenshot_for_docs("portal-offered").await;
    session.click("[data-testid=portal-sign-in]").await;
    let waiting = session.text_of("[data-testid=portal-cancel]").await;
    assert!(!waiting.is_empty(), "the wait has a Cancel");
    let portal_url = browser.nth_url(2).await;
    assert!(portal_url.contains("/portal/authorize"), "{portal_url}");
    // The portal's login page (Margaret's own account), then its patient picker (Harold, by proxy access).
    let sign_in: &[(&str, &str)] = &[("decision", "sign-in")];
    let allow: &[(&str, &str)] = &[("decision", "allow")];
    let landing = submit_pages(&portal_url, &[(&[("person", margaret.as_str())], sign_in), (&[], allow)]).await;
    assert!(landing.contains("close this tab"), "{landing}");

    // The hospital is read through the portal, and its records say so.
    session
        .wait_until(60, "the hospital read through its patient portal", || async {
            let css = format!(
                "[data-testid=hospital-line][data-hospital=\"{portal}\"][data-via=portal][data-status=connected]"
            );
            session.client.find(Locator::Css(&css)).await.is_ok()
        })
        .await;
    let chip = session.text_of("[data-testid=source][data-via=portal]").await;
    assert!(chip.contains(&name) && chip.contains("patient portal"), "{chip}");
    assert_eq!(tb.hospitals[2].active_portal_grants(), 1);
    assert_accessible(&session, "a record read through a patient portal").await;

    // Grants: the portal connection, in words, ended with the same preview, steps and receipt as every grant.
    session.click("[data-testid=nav-grants]").await;
    session.click("[data-testid=grant-row][data-kind=portal]").await;
    session
        .text_when("[data-testid=grant-detail]", "the portal grant in words", |t| {
            t.contains("through the hospital's patient portal until you end it")
        })
        .await;
    assert_accessible(&session, "a portal grant").await;
    session.click("[data-testid=end-grant]").await;
    session.text_of("[data-testid=revoke-preview]").await;
    session.click("[data-testid=confirm-revoke]").await;
    session.text_when("[data-testid=revoke-receipt]", "the receipt", |t| t.contains("Done")).await;
    assert_eq!(tb.hospitals[2].active_portal_grants(), 0, "its refresh token was revoked at the hospital");

    finish(session, &scratch).await;
    tb.stop().await;
}
