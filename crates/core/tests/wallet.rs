//! The wallet against the testbed on loopback, with the keychain in a real Secret Service. Run with
//! `scripts/with-keyring.sh cargo test -p tessera-core --test wallet -- --ignored` (the test script does).

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_core::broker::Browser;
use tessera_core::grants::status::{GrantKind, GrantStatus, StepState};
use tessera_core::hospitals::fan_out::{FanOut, Phase, ProgressEvent};
use tessera_core::store::{ActivityKind, SecretKind};
use tessera_core::wallet::{Wallet, WalletOptions};
use tessera_core::{Clock, ErrorCode, ManualClock, Profile};
use tessera_testbed::faults::Fault;
use tessera_testbed::{Config, Testbed};

fn temp_profile(name: &str) -> Profile {
    support::temp_profile("wallet", name)
}

fn options(clock: &ManualClock) -> WalletOptions {
    support::wallet_options(clock, Duration::from_secs(2), 8)
}

fn testbed_clock(clock: &ManualClock) -> tessera_testbed::Now {
    let clock = clock.clone();
    Arc::new(move || clock.unix_now())
}

/// Starts the testbed on `clock`'s time.
async fn network(clock: &ManualClock, config: Config) -> Testbed {
    Testbed::start(Config { now: testbed_clock(clock), ..config }).await.unwrap()
}

/// The research participant of the generated network.
fn participant(tb: &Testbed) -> &tessera_testbed::ManifestPerson {
    tb.manifest.people.iter().find(|p| matches!(p.role, tessera_testbed::data::Role::ResearchParticipant)).unwrap()
}

fn now() -> ManualClock {
    ManualClock::new(time::OffsetDateTime::now_utc())
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn sign_in_then_connect_to_many_hospitals_with_faults() {
    let clock = now();
    let faults: HashMap<usize, Vec<Fault>> = HashMap::from([
        (2, vec![Fault::Down]),
        (4, vec![Fault::ServerError]),
        (5, vec![Fault::RateLimit(1)]),
        (6, vec![Fault::NoTickets]),
        (7, vec![Fault::PatientNotFound]),
        (8, vec![Fault::Revoked]),
        (9, vec![Fault::Malformed]),
        (10, vec![Fault::LoopNext]),
        (11, vec![Fault::WrongPatient]),
        (12, vec![Fault::Oversized]),
        (13, vec![Fault::Hang]),
        (14, vec![Fault::Flaky(1)]),
        (15, vec![Fault::Interaction]),
        (16, vec![Fault::BadBundle]),
    ]);
    let tb = network(&clock, Config { sites: 50, seed: 11, faults, ..Config::default() }).await;
    // Five seconds per hospital: the hanging one still times out alone, while a healthy one is never taken for it
    // when this runs beside the other tests on two cores.
    let options = support::wallet_options(&clock, Duration::from_secs(5), 8);
    let wallet = Wallet::open(temp_profile("fanout"), options).await.unwrap();

    let caregiver = &tb.manifest.people[0];
    let login = wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&caregiver.id)).await.unwrap();
    assert_eq!(login.tickets.len(), 1);
    assert!(login.tickets[0].description.headline.contains("healthcare power of attorney"));
    assert_eq!(login.hospitals, 50);
    let people = wallet.people().await.unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].relationship.code(), "HPOWATT");
    assert_eq!(people[0].name, tb.manifest.people[1].name);

    let events: Arc<Mutex<Vec<ProgressEvent>>> = Arc::default();
    let sink = events.clone();
    let report = wallet.connect(None, Arc::new(move |e| sink.lock().unwrap().push(e))).await.unwrap();
    assert_eq!(report.hospitals.len(), 50);
    let expected: HashMap<usize, (&str, Option<&str>)> = HashMap::from([
        (2, ("failed", Some("hospital.unreachable"))),
        (4, ("failed", Some("hospital.server_error"))),
        (6, ("unsupported", Some("hospital.unsupported"))),
        // Both refuse with `invalid_grant`: classified by `error` alone (the descriptions, "Unable to resolve ticket
        // subject" and "Ticket has been revoked", are only the log's detail; see below). A ticket revoked at its
        // issuer is `ticket.revoked` from the status list, before any hospital is asked.
        (7, ("no_records", Some("hospital.nothing_shared"))),
        (8, ("no_records", Some("hospital.nothing_shared"))),
        (9, ("failed", Some("hospital.invalid_response"))),
        (10, ("failed", Some("records.invalid"))),
        (11, ("failed", Some("records.wrong_patient"))),
        (12, ("failed", Some("records.too_large"))),
        (13, ("failed", Some("hospital.timeout"))),
        (15, ("needs_confirmation", Some("hospital.interaction_required"))),
        (16, ("failed", Some("records.invalid"))),
    ]);
    let patient_id = &tb.world.people[1].id;
    let mut healthy_total = 0;
    for (index, outcome) in report.hospitals.iter().enumerate() {
        let position = tb.manifest.hospitals.iter().position(|h| h.fhir_base_url == outcome.fhir_base_url).unwrap();
        match expected.get(&position) {
            Some((status, code)) => {
                assert_eq!(outcome.status.as_str(), *status, "hospital {position} ({index}): {outcome:?}");
                assert_eq!(outcome.error.as_ref().map(|e| e.code.as_str()), *code, "hospital {position}");
            }
            None => {
                assert_eq!(outcome.status.as_str(), "connected", "hospital {position}: {outcome:?}");
                // Compare with the testbed's own data: everything about the patient except withheld labels.
                let hospital = &tb.hospitals[position];
                let local = hospital.patients.iter().find(|p| &p.person_id == patient_id).unwrap();
                let visible = hospital.records[&local.id]
                    .iter()
                    .filter(|r| {
                        r.pointer("/meta/security/0/code")
                            .and_then(|c| c.as_str())
                            .is_none_or(|c| !["PSY", "ETH", "HIV"].contains(&c))
                    })
                    .count();
                assert_eq!(outcome.resources as usize, visible, "hospital {position}");
                healthy_total += visible;
            }
        }
    }
    assert!(healthy_total > 0);
    // Duplicates across hospitals are merged: the elder's chronic problems are reported everywhere, shown once.
    let problems: Vec<_> =
        report.records.iter().filter(|r| r.category == tessera_core::records::Category::Problem).collect();
    assert!(!problems.is_empty() && problems.len() <= 3, "{problems:?}");
    assert!(problems.iter().all(|p| p.sources.len() > 30), "each problem comes from every healthy hospital");
    // Live progress: every hospital reached a final phase.
    let events = events.lock().unwrap().clone();
    for outcome in &report.hospitals {
        assert!(events
            .iter()
            .any(|e| e.fhir_base_url == outcome.fhir_base_url && matches!(e.phase, Phase::Done | Phase::Failed)));
    }
    // The activity log has reads with counts and no names.
    let activity = wallet.store().activity(None, None, None).await.unwrap();
    assert!(activity
        .iter()
        .any(|a| a.kind == ActivityKind::RecordsRead && a.detail.as_deref().unwrap_or("").contains("Condition:")));
    let name = &tb.manifest.people[1].name;
    assert!(activity.iter().all(|a| !format!("{a:?}").contains(name.as_str())));
    // Each refusal keeps the hospital's own words, as the detail of its coded outcome.
    for (position, words) in
        [(7, "invalid_grant: Unable to resolve ticket subject"), (8, "invalid_grant: Ticket has been revoked")]
    {
        let hospital = &tb.manifest.hospitals[position].fhir_base_url;
        let refusal = activity
            .iter()
            .find(|a| {
                a.kind == ActivityKind::Redemption
                    && a.hospital.as_deref() == Some(hospital.as_str())
                    && a.outcome.is_err()
            })
            .unwrap_or_else(|| panic!("hospital {position}'s refusal is logged"));
        assert_eq!(refusal.outcome, Err(ErrorCode::HospitalNothingShared));
        assert!(refusal.detail.as_deref().is_some_and(|d| d.contains(words)), "{refusal:?}");
    }
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn research_consent_keeps_working_past_exp_until_revoked() {
    let clock = now();
    let tb = network(&clock, Config { sites: 6, seed: 5, ticket_lifetime_secs: 3600, ..Config::default() }).await;
    let participant = participant(&tb);
    let wallet = Wallet::open(temp_profile("research"), options(&clock)).await.unwrap();
    let login = wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&participant.id)).await.unwrap();
    assert_eq!(login.tickets.len(), 1);
    let description = &login.tickets[0].description;
    assert!(description.headline.contains("consent to the study"), "{description:?}");
    assert!(description.details.iter().any(|d| d.starts_with("Connections stay active until")));

    let first = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(first.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{:?}", first.hospitals);

    // Two days later the ticket has expired; the hospitals' continuation refresh tokens keep the consent working.
    clock.advance(time::Duration::days(2));
    // The ticket itself has expired, the grant has not: one status says so everywhere.
    let tickets = wallet.tickets().await.unwrap();
    assert!(tickets.iter().all(|t| t.expires_at < clock.unix_now() && t.status == GrantStatus::Active), "{tickets:?}");
    let later = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(later.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{:?}", later.hospitals);
    let refreshes = wallet
        .store()
        .activity(None, None, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == ActivityKind::Refresh)
        .count();
    assert_eq!(refreshes, first.hospitals.len());

    // Revoking the consent at the broker ends it everywhere, continuation included.
    let grant = tb.broker.grants()[0].id.clone();
    assert!(tb.broker.revoke_grant(&grant));
    let after = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(
        after.hospitals.iter().all(|h| h.error.as_ref().is_some_and(|e| e.code == "ticket.revoked")),
        "{:?}",
        after.hospitals
    );
    // `tickets` and `grants` agree: revoked.
    let ticket = wallet.tickets().await.unwrap().remove(0);
    let grant = wallet.grants().await.unwrap().into_iter().find(|g| g.id == ticket.id).unwrap();
    assert_eq!((ticket.status, grant.status), (GrantStatus::Revoked, GrantStatus::Revoked));
    assert_eq!(ticket.ends_at, grant.expiry, "one end date");
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_wrong_issuer_on_the_redirect_is_refused_and_a_forged_state_is_ignored() {
    let clock = now();
    let tb = network(&clock, Config { sites: 1, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("hostile"), options(&clock)).await.unwrap();
    // A "browser" that rewrites the redirect: it fetches the authorization URL without following redirects and
    // calls the loopback callback with a forged issuer.
    let script = std::env::temp_dir().join(format!("tessera-forge-{}.sh", std::process::id()));
    std::fs::write(
        &script,
        "#!/bin/sh\nloc=$(curl -s -o /dev/null -w '%{redirect_url}' \"$1\")\ncurl -s -o /dev/null \"$(echo \"$loc\" | sed 's/iss=[^&]*/iss=http%3A%2F%2Fevil.example/')\"\n",
    )
    .unwrap();
    let browser = Browser::Command(format!("sh {}", script.display()));
    let error = wallet.login(&tb.manifest.broker, &browser, None).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::SigninIssuerMismatch);
    assert_eq!(wallet.status().await.unwrap().tickets, 0, "nothing was kept");
    // A forged state (another process probing the port) is answered with a neutral page and ignored: the real
    // redirect that follows still completes the sign-in.
    let forged = std::env::temp_dir().join(format!("tessera-forged-status-{}", std::process::id()));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nloc=$(curl -s -o /dev/null -w '%{{redirect_url}}' \"$1\")\ncurl -s -o /dev/null -w '%{{http_code}}' \"$(echo \"$loc\" | sed 's/state=[^&]*/state=forged/')\" > {}\ncurl -s -o /dev/null \"$loc\"\n",
            forged.display()
        ),
    )
    .unwrap();
    wallet.login(&tb.manifest.broker, &browser, None).await.unwrap();
    assert_eq!(std::fs::read_to_string(&forged).unwrap(), "400", "the forged redirect got the neutral page");
    assert_eq!(wallet.status().await.unwrap().tickets, 1);
    let _ = std::fs::remove_file(script);
    let _ = std::fs::remove_file(forged);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn an_ambiguous_patient_is_confirmed_once_through_the_hospital_launch() {
    let clock = now();
    let faults = HashMap::from([(0, vec![Fault::Interaction])]);
    let tb = network(&clock, Config { sites: 2, seed: 9, faults, ..Config::default() }).await;
    let wallet = Wallet::open(
        temp_profile("interaction"),
        WalletOptions { interaction: Some(Browser::Fetch), ..options(&clock) },
    )
    .await
    .unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let first = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(first.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{:?}", first.hospitals);
    let launches = || async {
        wallet
            .store()
            .activity(None, None, None)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.kind == ActivityKind::Interaction)
            .count()
    };
    assert_eq!(launches().await, 1);
    // The same ticket now redeems silently at that hospital.
    let second = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(second.hospitals.iter().all(|h| h.status.as_str() == "connected"));
    assert_eq!(launches().await, 1);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_re_mint_that_fails_after_the_broker_answered_keeps_the_rotated_refresh_token() {
    use tessera_testbed::broker::Hostility;
    let clock = now();
    let tb = network(&clock, Config { sites: 2, seed: 4, ticket_lifetime_secs: 86_400, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("remint-fails"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let before = wallet.tickets().await.unwrap()[0].expires_at;
    // The broker rotates the refresh token, then its key set cannot be read: the new tickets cannot be checked.
    // (Locking forgets the cached key set, so the re-mint must fetch it.)
    wallet.lock().await;
    wallet.unlock(None).await.unwrap();
    tb.broker.set_hostility(Some(Hostility::EmptyJwks));
    clock.advance(time::Duration::hours(21));
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 0);
    assert_eq!(wallet.tickets().await.unwrap()[0].expires_at, before, "the unchecked tickets were not kept");
    let log = wallet.store().activity(None, None, None).await.unwrap();
    let failed = log.iter().rev().find(|a| a.kind == ActivityKind::Refresh).unwrap();
    assert_eq!(failed.outcome, Err(ErrorCode::BrokerInvalid), "{failed:?}");
    // Once the keys can be read again, the next re-mint works: the refresh token the broker rotated to was kept
    // (the spent one would be refused, and every later re-mint with it).
    tb.broker.set_hostility(None);
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 1);
    assert!(wallet.tickets().await.unwrap()[0].expires_at > before + 20 * 3600);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn tickets_are_re_minted_through_the_broker_before_they_expire() {
    let clock = now();
    let tb = network(&clock, Config { sites: 3, seed: 4, ticket_lifetime_secs: 86_400, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("remint"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let before = wallet.tickets().await.unwrap()[0].expires_at;
    // Early in its life: nothing to do.
    clock.advance(time::Duration::hours(2));
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 0);
    // At 21 hours of 24 the ticket is re-minted with the rotated refresh token, then again the next day.
    clock.advance(time::Duration::hours(19));
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(report.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{:?}", report.hospitals);
    let after = wallet.tickets().await.unwrap()[0].expires_at;
    assert!(after > before + 20 * 3600, "{before} → {after}");
    clock.advance(time::Duration::hours(22));
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 1);
    assert_eq!(wallet.tickets().await.unwrap().len(), 1, "the same grant keeps one ticket id");
    let log = wallet.store().activity(None, None, None).await.unwrap();
    assert!(log
        .iter()
        .any(|a| a.kind == ActivityKind::Refresh
            && a.detail.as_deref().is_some_and(|d| d.starts_with("1 ticket re-minted"))));

    // The grant is revoked at the broker: the next renewal brings no ticket, and the log says exactly that.
    assert!(tb.broker.revoke_grant(&tb.broker.grants()[0].id));
    clock.advance(time::Duration::hours(22));
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 0);
    let log = wallet.store().activity(None, None, None).await.unwrap();
    let last = log.iter().rev().find(|a| a.kind == ActivityKind::Refresh).unwrap();
    assert!(last.detail.as_deref().unwrap().ends_with("renewed the sign-in but sent no ticket"), "{last:?}");
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn giving_up_a_ticket_with_two_hospitals_down_completes_when_they_return() {
    use std::sync::atomic::Ordering;
    let clock = now();
    let tb = network(&clock, Config { sites: 8, seed: 5, ..Config::default() }).await;
    let participant = participant(&tb);
    let wallet = Wallet::open(temp_profile("pending"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&participant.id)).await.unwrap();
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let reached: Vec<String> = report.hospitals.iter().map(|h| h.fhir_base_url.clone()).collect();
    assert!(reached.len() >= 2);
    let grants = wallet.grants().await.unwrap();
    let ticket = grants.iter().find(|g| g.kind == GrantKind::Ticket).unwrap().clone();
    assert_eq!(
        grants.iter().filter(|g| g.kind == GrantKind::Connection).count(),
        reached.len(),
        "the consent lists every hospital it reached"
    );

    // Two hospitals are down while the ticket is given up.
    let down: Vec<_> = reached.iter().take(2).map(|url| tb.hospital(url).unwrap().clone()).collect();
    down.iter().for_each(|h| h.offline.store(true, Ordering::SeqCst));
    let preview = wallet.revoke_preview(&ticket.id).await.unwrap();
    assert!(preview.iter().all(|s| s.state == StepState::Planned));
    let reported = Mutex::new(Vec::new());
    let steps =
        wallet.revoke_with_progress(&ticket.id, &|step| reported.lock().unwrap().push(step.clone())).await.unwrap();
    assert_eq!(*reported.lock().unwrap(), steps, "every step is reported as it happens");
    assert_eq!(
        steps.iter().filter(|s| s.state == StepState::Pending).count(),
        3,
        "two hospitals and the ticket deletion wait: {steps:?}"
    );
    let pending = wallet.grants().await.unwrap().into_iter().find(|g| g.id == ticket.id).unwrap();
    assert_eq!(pending.status, GrantStatus::RevocationPending);
    assert!(pending.summary.contains("revocation pending at 2 hospitals"), "{}", pending.summary);
    for h in reached.iter().skip(2) {
        assert_eq!(tb.hospital(h).unwrap().live_refresh_tokens(), 0, "reachable hospitals revoked the refresh token");
    }

    // They come back: the retry completes, the hospitals show the tokens revoked, the ticket is gone.
    down.iter().for_each(|h| h.offline.store(false, Ordering::SeqCst));
    assert_eq!(wallet.retry_pending_revocations().await.unwrap(), 0);
    for h in &down {
        assert!(h.revoked_tokens().contains(&"refresh_token".to_string()));
        assert_eq!(h.live_refresh_tokens(), 0);
    }
    let steps = wallet.revoke(&ticket.id).await.unwrap();
    assert!(steps.iter().all(|s| s.state == StepState::Done), "{steps:?}");
    assert!(wallet.grants().await.unwrap().iter().all(|g| g.kind == GrantKind::AboutMe), "nothing held any more");
    assert!(wallet.tickets().await.unwrap().is_empty());
    for kind in [SecretKind::Ticket, SecretKind::ConnectionRefresh, SecretKind::BrokerRefresh] {
        assert!(
            wallet.store().committed_items(kind).await.unwrap().is_empty(),
            "{kind:?} items are gone from the keychain"
        );
    }
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn an_idle_wallet_forgets_its_secrets_and_answers_nothing_about_anyone_until_unlocked() {
    use tessera_core::status::WalletState;
    let clock = now();
    let tb = network(&clock, Config { sites: 2, seed: 8, ..Config::default() }).await;
    let idle = WalletOptions { idle_lock: Some(Duration::from_secs(600)), ..options(&clock) };
    let wallet = Wallet::open(temp_profile("idle"), idle).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    assert_eq!(wallet.status().await.unwrap().state, WalletState::Ready);
    clock.advance(time::Duration::minutes(5));
    assert!(!wallet.lock_if_idle().await, "not idle long enough");
    clock.advance(time::Duration::minutes(6));
    assert!(wallet.lock_if_idle().await);
    assert_eq!(wallet.status().await.unwrap().state, WalletState::Locked);
    // Locked: nothing about anyone answers, and asking does not unlock it.
    let locked = Some(ErrorCode::WalletLocked);
    assert_eq!(wallet.people().await.err().map(|e| e.code()), locked);
    assert_eq!(wallet.tickets().await.err().map(|e| e.code()), locked);
    assert_eq!(wallet.grants().await.err().map(|e| e.code()), locked);
    assert_eq!(wallet.hospitals().await.err().map(|e| e.code()), locked);
    let reading = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await;
    assert_eq!(reading.err().map(|e| e.code()), locked);
    assert_eq!(wallet.status().await.unwrap().state, WalletState::Locked, "still locked after every refusal");
    wallet.unlock(None).await.unwrap();
    assert_eq!(wallet.people().await.unwrap().len(), 1);
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(report.hospitals.iter().all(|h| h.status.as_str() == "connected"));
    assert_eq!(wallet.status().await.unwrap().state, WalletState::Ready);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_hostile_broker_gets_a_coded_error_and_nothing_is_kept() {
    use tessera_testbed::broker::Hostility;
    let clock = now();
    let tb = network(&clock, Config { sites: 1, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("hostile-broker"), options(&clock)).await.unwrap();
    let cases = [
        (Hostility::ForeignEndpoints, ErrorCode::BrokerInvalid),
        (Hostility::EmptyJwks, ErrorCode::BrokerInvalid),
        (Hostility::HugeJwks, ErrorCode::BrokerInvalid),
        (Hostility::NoAccessToken, ErrorCode::BrokerInvalid),
        (Hostility::AlgNoneTickets, ErrorCode::TicketSignatureInvalid),
        (Hostility::UnpublishedKey, ErrorCode::TicketUnknownKey),
    ];
    for (hostility, code) in cases {
        tb.broker.set_hostility(Some(hostility));
        let error = wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap_err();
        assert_eq!(error.code(), code, "{hostility:?}: {error:?}");
        assert!(!error.message().contains("eyJ") && !format!("{error:?}").contains("eyJ"), "no token in errors");
        assert_eq!(wallet.tickets().await.unwrap().len(), 0, "{hostility:?}: nothing kept");
        let status = wallet.status().await.unwrap();
        assert_eq!((status.brokers, status.tickets, status.hospitals), (0, 0, 0), "{hostility:?}: nothing kept");
    }
    tb.broker.set_hostility(None);
    assert_eq!(wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap().tickets.len(), 1);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn discovery_is_cached_and_registrations_remembered_across_connects() {
    use std::sync::atomic::Ordering;
    let clock = now();
    let tb = network(&clock, Config { sites: 3, seed: 6, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("cache"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let requests = || tb.hospitals.iter().map(|h| h.requests.load(Ordering::SeqCst)).collect::<Vec<_>>();
    let before = requests();
    wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let first = requests();
    wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let second = requests();
    for i in 0..3 {
        // The first connect discovers, registers, exchanges and reads; the second only exchanges and reads.
        assert_eq!(second[i] - first[i], first[i] - before[i] - 2, "hospital {i}");
    }
    // After max-age (one hour) discovery happens again.
    clock.advance(time::Duration::minutes(61));
    wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let third = requests();
    assert_eq!(third[0] - second[0], second[0] - first[0] + 1);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_hospital_added_years_later_is_reached_with_the_same_consent() {
    let clock = now();
    let tb = network(&clock, Config { sites: 8, seed: 5, ticket_lifetime_secs: 3600, ..Config::default() }).await;
    let participant = participant(&tb);
    let wallet = Wallet::open(temp_profile("later"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&participant.id)).await.unwrap();
    // The participant has not been to the last of her hospitals yet: it is not in the directory.
    let later = wallet.hospitals().await.unwrap().last().unwrap().fhir_base_url.clone();
    wallet.remove_hospital(&later).await.unwrap();
    let first = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(first.hospitals.iter().all(|h| h.status.as_str() == "connected" && h.fhir_base_url != later));

    // Two years on the ticket itself has long expired; the consent (five years, continuation) has not.
    clock.advance(time::Duration::days(2 * 365));
    wallet.add_hospital(&later).await.unwrap();
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let new_one = report.hospitals.iter().find(|h| h.fhir_base_url == later).unwrap();
    assert_eq!(new_one.status.as_str(), "connected", "{new_one:?}");
    assert!(report.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{:?}", report.hospitals);
    assert_eq!(report.hospitals.len(), first.hospitals.len() + 1);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn expiry_warnings_fire_at_30_and_7_days_and_at_the_end() {
    let clock = now();
    let tb = network(&clock, Config { sites: 2, seed: 3, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("expiry"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let ticket = || async { wallet.grants().await.unwrap().into_iter().find(|g| g.kind == GrantKind::Ticket).unwrap() };
    // The caregiver's authority runs for a year: no warning now, even though each ticket lives 30 days.
    let fresh = ticket().await;
    assert_eq!((fresh.status, fresh.warning.clone()), (GrantStatus::Active, None));
    clock.advance(time::Duration::days(340));
    let month = ticket().await;
    assert_eq!(month.status, GrantStatus::Expiring);
    assert!(month.warning.as_deref().unwrap().starts_with("Ends within 30 days"), "{month:?}");
    clock.advance(time::Duration::days(21));
    assert!(ticket().await.warning.as_deref().unwrap().starts_with("Ends within a week"));
    clock.advance(time::Duration::days(7));
    let ended = ticket().await;
    assert_eq!(ended.status, GrantStatus::Expired);
    assert!(ended.warning.as_deref().unwrap().starts_with("Ended on"));
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn the_background_check_works_while_locked_never_unlocks_and_never_counts_as_use() {
    let clock = now();
    let tb = network(&clock, Config { sites: 2, seed: 3, ..Config::default() }).await;
    let idle = WalletOptions { idle_lock: Some(Duration::from_secs(600)), ..options(&clock) };
    let wallet = Wallet::open(temp_profile("background"), idle).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();

    // Unlocked: the check does not count as use, so the wallet still locks on time.
    clock.advance(time::Duration::minutes(5));
    assert!(wallet.check_in_background(true).await.unwrap().is_empty(), "the authority runs for a year");
    let quiet =
        wallet.in_background(wallet.connect(None, tessera_core::hospitals::fan_out::no_progress())).await.unwrap();
    assert!(quiet.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{:?}", quiet.hospitals);
    clock.advance(time::Duration::minutes(6));
    assert!(wallet.lock_if_idle().await, "background work kept the wallet awake");
    let refused = wallet.in_background(wallet.connect(None, tessera_core::hospitals::fan_out::no_progress())).await;
    assert_eq!(refused.err().map(|e| e.code()), Some(ErrorCode::WalletLocked), "background work never unlocks");

    // Locked: reminders come from the public facts kept at sign-in, each once, and the wallet stays locked.
    clock.advance(time::Duration::days(340));
    let month = wallet.check_in_background(true).await.unwrap();
    assert_eq!(month.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["A grant ends within 30 days"]);
    assert!(wallet.check_in_background(true).await.unwrap().is_empty(), "sent once");
    assert!(wallet.check_in_background(false).await.unwrap().is_empty(), "notifications off");
    clock.advance(time::Duration::days(21));
    let week = wallet.check_in_background(true).await.unwrap();
    assert_eq!(week.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["A grant ends within a week"]);
    assert!(week.iter().all(|r| !r.body.contains(&tb.manifest.people[0].name)), "no names on a lock screen");
    assert!(wallet.is_locked());

    // The issuer revokes the grant while the wallet is locked: the status list says so, no secret needed.
    let grant = tb.broker.grants()[0].id.clone();
    assert!(tb.broker.revoke_grant(&grant));
    wallet.check_in_background(true).await.unwrap();
    assert!(wallet.is_locked(), "the background check never unlocks");
    let seen = wallet.store().activity(None, None, None).await.unwrap();
    assert!(
        seen.iter().any(|a| a.kind == ActivityKind::StatusCheck && a.outcome == Err(ErrorCode::TicketRevoked)),
        "{seen:?}"
    );
    assert_eq!(wallet.grants().await.err().map(|e| e.code()), Some(ErrorCode::WalletLocked));
    wallet.unlock(None).await.unwrap();
    let ticket = wallet.grants().await.unwrap().into_iter().find(|g| g.kind == GrantKind::Ticket).unwrap();
    assert_eq!(ticket.status, GrantStatus::Revoked);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_status_list_that_cannot_be_read_shows_the_grant_as_unchecked_never_active() {
    let clock = now();
    let tb = network(&clock, Config { sites: 2, seed: 3, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("unchecked"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let held = || async { wallet.grants().await.unwrap().into_iter().filter(|g| g.kind != GrantKind::AboutMe) };
    assert!(held().await.all(|g| g.status == GrantStatus::Active));

    tb.broker.set_hostility(Some(tessera_testbed::broker::Hostility::StatusListDown));
    let unknown: Vec<_> = held().await.collect();
    assert!(unknown.iter().all(|g| g.status == GrantStatus::Unchecked), "{unknown:?}");
    let ticket = unknown.iter().find(|g| g.kind == GrantKind::Ticket).unwrap();
    assert!(ticket.warning.as_deref().unwrap().starts_with("Tessera could not check with"), "{ticket:?}");

    tb.broker.set_hostility(None);
    assert!(held().await.all(|g| g.status == GrantStatus::Active), "checked again once the issuer answers");
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_network_ticket_is_shown_only_where_the_broker_the_network_or_the_person_says() {
    use tessera_core::hospitals::reach::ConnectScope;
    let clock = now();
    // Every hospital but the first says nothing about belonging to the network's trust framework.
    let faults: HashMap<usize, Vec<Fault>> = (1..4).map(|i| (i, vec![Fault::OutsideNetwork])).collect();
    let tb = network(&clock, Config { sites: 4, seed: 9, faults, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("disclosure"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let person = wallet.people().await.unwrap()[0].id.clone();
    // The broker named them all; the person now keeps them as hospitals added by hand (no broker hint any more).
    let named: Vec<String> = wallet.hospitals().await.unwrap().into_iter().map(|h| h.fhir_base_url).collect();
    for url in &named {
        wallet.remove_hospital(url).await.unwrap();
        wallet.add_hospital(url).await.unwrap();
    }
    let inside = &tb.manifest.hospitals[0].fhir_base_url;
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let disclosed = |url: String| {
        let wallet = &wallet;
        async move {
            let log = wallet.store().activity(Some(&url), None, None).await.unwrap();
            log.iter().any(|a| a.kind == ActivityKind::Disclosure)
        }
    };
    for outcome in &report.hospitals {
        if &outcome.fhir_base_url == inside {
            assert_eq!(outcome.status.as_str(), "connected", "it says it is in the network: {outcome:?}");
            assert!(disclosed(outcome.fhir_base_url.clone()).await, "the disclosure is in the activity log");
        } else {
            assert_eq!(outcome.status.as_str(), "not_shown", "{outcome:?}");
            assert_eq!(outcome.error.as_ref().unwrap().code, "hospital.not_chosen");
            assert!(!disclosed(outcome.fhir_base_url.clone()).await, "nothing was shown there");
        }
    }
    assert!(report.hospitals.iter().any(|h| h.status.as_str() == "not_shown"), "{:?}", report.hospitals);

    // The person chooses one of them for this patient: the ticket is shown there, and the log says so.
    let chosen = report.hospitals.iter().find(|h| h.status.as_str() == "not_shown").unwrap().fhir_base_url.clone();
    let scope = ConnectScope { person: Some(&person), hospital: Some(&chosen), interaction: None };
    let once = wallet.connect_scoped(scope, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert_eq!(once.hospitals[0].status.as_str(), "connected", "{:?}", once.hospitals);
    assert!(disclosed(chosen.clone()).await);
    tb.stop().await;
}

/// The fan-out's policy for the scale tests: every hospital at once, `per_origin` requests at each.
fn all_at_once(clock: &ManualClock, per_origin: usize, per_hospital: Duration) -> WalletOptions {
    WalletOptions { fan_out: FanOut { concurrency: 1_000, per_hospital, per_origin }, ..options(clock) }
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_hospitals_searches_run_in_parallel_but_never_beyond_the_per_origin_cap() {
    use std::sync::atomic::Ordering;
    let clock = now();
    // Latency keeps each request open long enough for the hospital to see the searches that overlap.
    let tb = network(&clock, Config { sites: 12, seed: 11, latency_ms: 30, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("cap"), all_at_once(&clock, 2, Duration::from_secs(30))).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    for connect in ["first", "second"] {
        tb.hospitals.iter().for_each(|h| h.most_in_flight.store(0, Ordering::SeqCst));
        let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
        assert!(report.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{connect}: {:?}", report.hospitals);
        let most: Vec<u64> = tb.hospitals.iter().map(|h| h.most_in_flight.load(Ordering::SeqCst)).collect();
        assert!(most.iter().all(|m| *m <= 2), "{connect}: the cap is 2 requests per hospital: {most:?}");
        assert!(most.contains(&2), "{connect}: a hospital's searches overlap up to the cap: {most:?}");
    }
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_hanging_hospital_does_not_hold_up_the_others_when_all_are_in_flight() {
    let clock = now();
    let faults = HashMap::from([(0, vec![Fault::Hang])]);
    let tb = network(&clock, Config { sites: 60, seed: 11, faults, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("hang"), all_at_once(&clock, 4, Duration::from_secs(8))).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let events: Arc<Mutex<Vec<ProgressEvent>>> = Arc::default();
    let sink = events.clone();
    let report = wallet.connect(None, Arc::new(move |e| sink.lock().unwrap().push(e))).await.unwrap();
    let hanging = &tb.manifest.hospitals[0].fhir_base_url;
    for outcome in &report.hospitals {
        if &outcome.fhir_base_url == hanging {
            assert_eq!(outcome.error.as_ref().map(|e| e.code.as_str()), Some("hospital.timeout"), "{outcome:?}");
        } else {
            assert_eq!(outcome.status.as_str(), "connected", "{outcome:?}");
        }
    }
    // Every other hospital was done before the hanging one gave up: it held none of them up.
    let events = events.lock().unwrap().clone();
    let finals: Vec<&ProgressEvent> =
        events.iter().filter(|e| matches!(e.phase, Phase::Done | Phase::Failed)).collect();
    assert_eq!(finals.len(), 60);
    assert_eq!(&finals.last().unwrap().fhir_base_url, hanging, "the hanging hospital ends last");
    assert!(finals[..59].iter().all(|e| e.phase == Phase::Done));
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_status_list_shared_by_many_tickets_is_read_once_per_connect() {
    use std::sync::atomic::Ordering;
    let clock = now();
    let tb = network(&clock, Config { sites: 6, seed: 5, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("status-once"), options(&clock)).await.unwrap();
    // Three people sign in with the same broker: three tickets, one status list.
    for person in tb.manifest.people.iter().filter(|p| !matches!(p.role, tessera_testbed::data::Role::Patient)) {
        wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&person.id)).await.unwrap();
    }
    let tickets = wallet.tickets().await.unwrap();
    assert!(tickets.len() >= 3, "{tickets:?}");
    // The broker counts every read of its list; the hospitals count their own (each token exchange checks it).
    let wallet_reads = || {
        let hospitals: u64 = tb.hospitals.iter().map(|h| h.status_list_reads.load(Ordering::SeqCst)).sum();
        tb.broker.status_list_reads.load(Ordering::SeqCst) - hospitals
    };
    let before = wallet_reads();
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(report.hospitals.iter().all(|h| h.status.as_str() == "connected"), "{:?}", report.hospitals);
    assert!(report.hospitals.len() > tickets.len(), "{:?}", report.hospitals);
    assert_eq!(wallet_reads() - before, 1, "one read of the list for {} tickets", tickets.len());
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_consent_used_at_many_hospitals_is_revoked_at_all_of_them_at_once() {
    let clock = now();
    let config = Config { sites: 40, seed: 5, participant_everywhere: true, ..Config::default() };
    let tb = network(&clock, config).await;
    let participant = participant(&tb).id.clone();
    let wallet =
        Wallet::open(temp_profile("revoke-all"), all_at_once(&clock, 4, Duration::from_secs(30))).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&participant)).await.unwrap();
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert_eq!(report.hospitals.iter().filter(|h| h.status.as_str() == "connected").count(), 40);
    let ticket = wallet.tickets().await.unwrap().remove(0).id;
    let steps = wallet.revoke(&ticket).await.unwrap();
    assert!(steps.iter().all(|s| s.state == StepState::Done), "{steps:?}");
    assert_eq!(steps.iter().filter(|s| s.what.starts_with("End the connection")).count(), 40);
    assert!(tb.hospitals.iter().all(|h| h.live_refresh_tokens() == 0), "every hospital revoked its refresh token");
    for kind in [SecretKind::Ticket, SecretKind::ConnectionRefresh] {
        assert!(wallet.store().committed_items(kind).await.unwrap().is_empty(), "no {kind:?} left in the keychain");
    }
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_hospitals_refusal_keeps_its_own_reason_in_the_activity_log() {
    let clock = now();
    let faults: HashMap<usize, Vec<Fault>> = HashMap::from([(1, vec![Fault::Revoked])]);
    let tb = network(&clock, Config { sites: 2, seed: 3, faults, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("reason"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let refusing = &tb.manifest.hospitals[1].fhir_base_url;
    let log = wallet.store().activity(Some(refusing), None, None).await.unwrap();
    let refusal =
        log.iter().find(|a| a.kind == ActivityKind::Redemption && a.outcome.is_err()).expect("the refusal is logged");
    // The hospital says "revoked" only in its description: the outcome is what its `error` says (the issuer's
    // status list, not a hospital's words, is what makes a ticket `ticket.revoked`); its words stay as the detail.
    // Tessera read the status list again after the refusal: the issuer has not revoked it.
    assert_eq!(refusal.outcome, Err(ErrorCode::HospitalNothingShared));
    let detail = refusal.detail.as_deref().unwrap_or_default();
    assert!(detail.contains("invalid_grant") && detail.contains("Ticket has been revoked"), "{refusal:?}");
    tb.stop().await;
}

/// A hospital that behaves like the spec's reference Data Holder (#13), its tickets written as the reference issuer
/// writes them (April-2026 kernel, one key-bound ticket per site, a sensitivity policy to understand): it wants
/// `X-Client-JKT` with key-bound tokens, answers refusals with 400 + OperationOutcome and its OAuth errors as
/// OperationOutcomes, refuses a scope wider than the ticket, refuses one type, and names itself only in its
/// CapabilityStatement. Tessera reads everything else there, says which kind of record was not available, keeps the
/// hospital's words in the activity log, and names the hospital from its CapabilityStatement when added by address.
#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_hospital_like_the_reference_data_holder_is_read_except_what_it_refuses() {
    let clock = now();
    let reference = vec![
        Fault::ClientJkt,
        Fault::OutcomeRefusals,
        Fault::Refuse("DocumentReference"),
        Fault::Unnamed,
        Fault::OutcomeErrors,
        Fault::StrictScopes,
    ];
    let declining = vec![Fault::OutcomeErrors, Fault::PatientNotFound];
    let faults = HashMap::from([(0, reference), (2, declining)]);
    // And its issuer's dialect: the April-2026 kernel, one ticket per site, the sensitivity policy.
    use tessera_testbed::broker::{Dialect, TicketFormat};
    let dialect = Dialect {
        format: TicketFormat::April2026,
        per_site: true,
        sensitivity_policy: true,
        access_token_secs: Some(300),
        network_limit: None,
    };
    let tb = network(&clock, Config { sites: 3, seed: 3, faults, dialect, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("reference"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let like_reference = &tb.manifest.hospitals[0].fhir_base_url;
    let at = |base: &str| report.hospitals.iter().find(|h| h.fhir_base_url == base).unwrap().clone();
    let (reference, plain) = (at(like_reference), at(&tb.manifest.hospitals[1].fhir_base_url));
    assert_eq!(reference.status.as_str(), "connected", "{reference:?}");
    assert_eq!(reference.not_available, vec!["Documents".to_string()]);
    assert!(plain.not_available.is_empty(), "{plain:?}");
    // Everything else about the patient was read there: the testbed's own count, less the documents.
    let patient_id = &tb.world.people[1].id;
    let hospital = &tb.hospitals[0];
    let local = hospital.patients.iter().find(|p| &p.person_id == patient_id).unwrap();
    let sensitive = |r: &serde_json::Value| {
        r.pointer("/meta/security/0/code").and_then(|c| c.as_str()).is_some_and(|c| ["PSY", "ETH", "HIV"].contains(&c))
    };
    let all = &hospital.records[&local.id];
    let documents = all.iter().filter(|r| r["resourceType"] == "DocumentReference" && !sensitive(r)).count();
    let visible = all.iter().filter(|r| !sensitive(r)).count();
    assert!(documents > 0 && visible > documents, "the patient has documents and more there");
    assert_eq!(reference.resources as usize, visible - documents);
    let from_reference = |category| {
        report
            .records
            .iter()
            .any(|r| r.category == category && r.sources.iter().any(|s| &s.fhir_base_url == like_reference))
    };
    assert!(!from_reference(tessera_core::records::Category::Document));
    assert!(from_reference(tessera_core::records::Category::Problem));
    let log = wallet.store().activity(Some(like_reference), None, None).await.unwrap();
    let read = log.iter().find(|a| a.kind == ActivityKind::RecordsRead).expect("the reading is logged");
    let detail = read.detail.as_deref().unwrap_or_default();
    assert!(detail.contains("DocumentReference: not available (HTTP 400 DocumentReference is not shared"), "{detail}");
    // Its token endpoint's refusals are OperationOutcomes: read by their issue code, kept in the hospital's words.
    let declined = at(&tb.manifest.hospitals[2].fhir_base_url);
    assert_eq!(declined.status.as_str(), "no_records", "{declined:?}");
    assert_eq!(declined.error.as_ref().map(|e| e.code.as_str()), Some("hospital.nothing_shared"));
    let log = wallet.store().activity(Some(&tb.manifest.hospitals[2].fhir_base_url), None, None).await.unwrap();
    let refusal =
        log.iter().find(|a| a.kind == ActivityKind::Redemption && a.outcome.is_err()).expect("the refusal is logged");
    let words = refusal.detail.as_deref().unwrap_or_default();
    assert!(words.contains("OperationOutcome processing: Unable to resolve ticket subject"), "{words}");

    // The issuer's own access token lives five minutes: past it, listing grants still works (a new one is fetched).
    clock.advance(time::Duration::seconds(301));
    assert!(wallet.grants().await.unwrap().iter().any(|g| g.kind == GrantKind::Ticket), "grants after the token's end");

    wallet.remove_hospital(like_reference).await.unwrap();
    let added = wallet.add_hospital(like_reference).await.unwrap();
    assert_eq!(added.name, tb.manifest.hospitals[0].name, "named from its CapabilityStatement, not host:port");
    tb.stop().await;
}

/// An issuer that writes one ticket per hospital (#13, the reference issuer's "one ticket per site"), in the
/// April-2026 kernel with a sensitivity policy Tessera must understand: one sign-in brings a ticket for each of the
/// patient's hospitals, Tessera keeps every one, presents each only at its own hospital, and says what the policy
/// withholds.
#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn one_ticket_per_hospital_is_kept_and_shown_only_at_its_hospital() {
    use tessera_testbed::broker::{Dialect, TicketFormat};
    let clock = now();
    let dialect =
        Dialect { format: TicketFormat::April2026, per_site: true, sensitivity_policy: true, ..Dialect::default() };
    let tb = network(&clock, Config { sites: 4, seed: 3, dialect, ..Config::default() }).await;
    let wallet = Wallet::open(temp_profile("per-site"), options(&clock)).await.unwrap();
    let summary = wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let patient = &tb.world.people[1];
    let sites = patient.sites.len();
    assert!(sites > 1, "the patient is seen at several hospitals");
    let held = wallet.held_tickets().await.unwrap();
    let theirs: Vec<_> = held.iter().filter(|t| t.ticket.claims.patient_key == patient.id).collect();
    assert_eq!(theirs.len(), sites, "one ticket per hospital, all kept: {:?}", summary.tickets.len());
    for ticket in &theirs {
        let described = tessera_core::words::describe::describe(&ticket.ticket);
        let words = described.not_shared.join("\n");
        assert!(words.contains("sensitive"), "the policy is described: {described:?}");
    }
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    let lines: Vec<_> = report.hospitals.iter().filter(|h| theirs.iter().any(|t| t.id == h.ticket_id)).collect();
    assert_eq!(lines.len(), sites, "each ticket shown once, at its own hospital: {lines:?}");
    assert!(lines.iter().all(|h| h.status.as_str() == "connected"), "{lines:?}");
    for line in &lines {
        let ticket = theirs.iter().find(|t| t.id == line.ticket_id).unwrap();
        assert!(ticket.ticket.usable_at(&line.fhir_base_url), "{} shown at {}", line.ticket_id, line.fhir_base_url);
    }
    tb.stop().await;
}

/// A hospital's `invalid_grant` is "nothing shared here" (#14): the hospital's words never make a ticket revoked.
/// But when the issuer revoked the ticket after the connect's own check (here: the moment the first hospital is
/// shown it), Tessera reads the status list again on the refusal and says so: `ticket.revoked`.
#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_ticket_revoked_during_a_connect_is_reported_revoked_not_just_declined() {
    let clock = now();
    let tb = Arc::new(network(&clock, Config { sites: 2, seed: 3, ..Config::default() }).await);
    let wallet = Wallet::open(temp_profile("revoked-during"), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let grant = tb.broker.grants().into_iter().next().unwrap();
    let broker = tb.clone();
    let progress: tessera_core::hospitals::fan_out::Progress = Arc::new(move |event: ProgressEvent| {
        if event.phase == Phase::Exchanging {
            broker.broker.set_status_bit(grant.status_index);
        }
    });
    let report = wallet.connect(None, progress).await.unwrap();
    let codes: Vec<_> = report.hospitals.iter().map(|h| h.error.as_ref().map(|e| e.code.clone())).collect();
    assert!(!codes.is_empty());
    assert!(codes.iter().all(|c| c.as_deref() == Some("ticket.revoked")), "{codes:?}");
    match Arc::try_unwrap(tb) {
        Ok(tb) => tb.stop().await,
        Err(_) => panic!("the testbed is still shared"),
    }
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_ticket_is_shown_only_at_hospitals_its_own_limits_admit() {
    use std::sync::atomic::Ordering;
    use tessera_core::hospitals::fan_out::ConnectionStatus;
    use tessera_testbed::broker::{Dialect, NetworkLimit};
    let clock = now();
    let tb = network(&clock, Config { sites: 8, seed: 11, ..Config::default() }).await;
    let requests = |i: usize| tb.hospitals[i].requests.load(Ordering::SeqCst);
    let index_of = |url: &str| tb.manifest.hospitals.iter().position(|h| h.fhir_base_url == url).unwrap();
    // Each limit kind in turn: the hospitals of one state, then the first three hospitals by NPI. The broker still
    // names every hospital holding the patient's records in its hints.
    let state: &'static str = Box::leak(tb.manifest.hospitals[0].state.clone().into_boxed_str());
    let limits = [
        (
            NetworkLimit::State(state),
            Box::new(move |i: usize, tb: &Testbed| tb.manifest.hospitals[i].state == state)
                as Box<dyn Fn(usize, &Testbed) -> bool>,
        ),
        (NetworkLimit::FirstHospitals(3), Box::new(|i: usize, _: &Testbed| i < 3)),
    ];
    for (n, (limit, inside)) in limits.into_iter().enumerate() {
        tb.broker.set_dialect(Dialect { network_limit: Some(limit), ..Dialect::default() });
        let wallet = Wallet::open(temp_profile(&format!("holder-limit-{n}")), options(&clock)).await.unwrap();
        wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
        let before: Vec<u64> = (0..tb.hospitals.len()).map(requests).collect();
        let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
        let (mut covered, mut left_out) = (0, 0);
        for outcome in &report.hospitals {
            let i = index_of(&outcome.fhir_base_url);
            if inside(i, &tb) {
                covered += 1;
                assert_ne!(outcome.status, ConnectionStatus::NotCovered, "{limit:?}: {outcome:?}");
                assert!(requests(i) > before[i], "{limit:?}: hospital {i} inside the limit was reached");
            } else {
                left_out += 1;
                assert_eq!(outcome.status, ConnectionStatus::NotCovered, "{limit:?}: {outcome:?}");
                assert_eq!(outcome.error.as_ref().unwrap().code, "hospital.not_covered");
                assert_eq!(requests(i), before[i], "{limit:?}: hospital {i} outside the limit was contacted");
            }
        }
        assert!(covered > 0 && left_out > 0, "{limit:?}: {covered} covered, {left_out} left out");
        // The hospitals list says the same as the record's lines.
        let listed = wallet.hospitals().await.unwrap();
        for hospital in listed.iter().filter(|h| !inside(index_of(&h.fhir_base_url), &tb)) {
            assert!(matches!(hospital.status, Some(ConnectionStatus::NotCovered) | None), "{hospital:?}");
        }
    }
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn with_a_passphrase_the_wallet_opens_locked_and_only_the_passphrase_unlocks_it() {
    use tessera_core::vault::passphrase::{Passphrase, Protection, FREE_TRIES};
    let typed = |text: &str| Some(Passphrase::new(text.into()));
    let clock = now();
    let tb = network(&clock, Config { sites: 2, seed: 31, ..Config::default() }).await;
    let profile = temp_profile("passphrase");
    let wallet = Wallet::open(profile.clone(), options(&clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    assert_eq!(wallet.status().await.unwrap().protection, Protection::Unset, "not chosen until the person does");
    let short = wallet.set_passphrase(None, Passphrase::new("short".into())).await.unwrap_err();
    assert_eq!(short.code(), ErrorCode::PassphraseTooShort);
    wallet.set_passphrase(None, Passphrase::new("margaret's garden".into())).await.unwrap();
    assert_eq!(wallet.status().await.unwrap().protection, Protection::Passphrase);
    // The keychain holds a verifier, never the passphrase.
    let verifier = tessera_core::vault::Vault::new(profile.namespace())
        .get(tessera_core::vault::passphrase::VERIFIER_ITEM)
        .await
        .unwrap();
    assert!(verifier.expose().starts_with("$argon2id$") && !verifier.expose().contains("garden"));

    // Locked, nothing answers, and Unlock without the passphrase or with a wrong one does not open it.
    wallet.lock().await;
    assert_eq!(wallet.people().await.unwrap_err().code(), ErrorCode::WalletLocked);
    assert_eq!(wallet.unlock(None).await.unwrap_err().code(), ErrorCode::PassphraseWrong);
    assert_eq!(wallet.unlock(typed("").as_ref()).await.unwrap_err().code(), ErrorCode::PassphraseWrong);
    for _ in 0..FREE_TRIES {
        assert_eq!(
            wallet.unlock(typed("margaret's gardens").as_ref()).await.unwrap_err().code(),
            ErrorCode::PassphraseWrong
        );
    }
    assert_eq!(wallet.people().await.unwrap_err().code(), ErrorCode::WalletLocked, "still locked");
    // One more wrong try, and the next one waits, even the right one; after the wait the right one opens it.
    assert_eq!(wallet.unlock(typed("guess").as_ref()).await.unwrap_err().code(), ErrorCode::PassphraseWrong);
    let waiting = wallet.unlock(typed("margaret's garden").as_ref()).await.unwrap_err();
    assert_eq!(waiting.code(), ErrorCode::UnlockWait, "{waiting:?}");
    clock.advance(time::Duration::seconds(2));
    wallet.unlock(typed("margaret's garden").as_ref()).await.unwrap();
    assert_eq!(wallet.people().await.unwrap().len(), 1);

    // A new process (the CLI, the window started again) starts locked.
    let reopened = Wallet::open(profile.clone(), options(&clock)).await.unwrap();
    assert!(reopened.is_locked());
    assert_eq!(reopened.tickets().await.unwrap_err().code(), ErrorCode::WalletLocked);
    assert_eq!(reopened.status().await.unwrap().state, tessera_core::status::WalletState::Locked);
    reopened.unlock(typed("margaret's garden").as_ref()).await.unwrap();
    // Signed out of every broker, it still asks for the passphrase first (the lock screen, not the welcome).
    reopened.sign_out(&tb.manifest.broker).await.unwrap();
    let signed_out = Wallet::open(profile.clone(), options(&clock)).await.unwrap();
    assert_eq!(signed_out.status().await.unwrap().state, tessera_core::status::WalletState::Locked);

    // Changing it needs the current one; turning it off too, and then the lock is a privacy screen again.
    let changed = reopened.set_passphrase(typed("wrong one").as_ref(), Passphrase::new("a new garden".into())).await;
    assert_eq!(changed.unwrap_err().code(), ErrorCode::PassphraseWrong);
    reopened.set_passphrase(typed("margaret's garden").as_ref(), Passphrase::new("a new garden".into())).await.unwrap();
    assert_eq!(reopened.turn_passphrase_off(None).await.unwrap_err().code(), ErrorCode::PassphraseWrong);
    reopened.turn_passphrase_off(typed("a new garden").as_ref()).await.unwrap();
    assert_eq!(reopened.status().await.unwrap().protection, Protection::Off);
    reopened.lock().await;
    reopened.unlock(None).await.unwrap();
    let after = Wallet::open(profile, options(&clock)).await.unwrap();
    assert!(!after.is_locked(), "without a passphrase a new process opens as before");
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_broker_is_called_by_its_own_name_else_your_trust_broker_never_its_address() {
    use tessera_core::broker::names::UNNAMED;
    let clock = now();
    for (name, called) in [(Some("Riverside Trust Broker"), "Riverside Trust Broker"), (None, UNNAMED)] {
        let config = Config { sites: 2, seed: 41, broker_name: name.map(String::from), ..Config::default() };
        let tb = network(&clock, config).await;
        let wallet = Wallet::open(temp_profile("broker-name"), options(&clock)).await.unwrap();
        wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
        let tickets = wallet.tickets().await.unwrap();
        assert!(tickets.iter().all(|t| t.description.issuer == called), "{tickets:?}");
        let grants = wallet.grants().await.unwrap();
        assert!(!grants.is_empty() && grants.iter().all(|g| g.issuer == called), "{grants:?}");
        let detail = wallet.grant_detail(&grants[0].id).await.unwrap();
        assert_eq!(detail.grant.issuer, called);
        tb.stop().await;
    }
}
