//! The patient-portal fallback against the testbed on loopback, with the keychain in a real Secret Service: one
//! person with four ticket hospitals and one `portal-only` hospital — offered, signed in (never on its own), read
//! with the others into one record with each source's provenance, listed as a grant and ended there (RFC 7009) —
//! and the sign-ins that must keep nothing: another patient than the one asked for, a forged redirect, a wrong
//! `iss`, a new person not confirmed. Run with
//! `scripts/with-keyring.sh cargo test -p tessera-core --test portal -- --ignored`.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tessera_core::broker::Browser;
use tessera_core::grants::activity::ActivityFilter;
use tessera_core::grants::status::{GrantKind, GrantStatus, StepState};
use tessera_core::hospitals::fan_out::{no_progress, ConnectionStatus};
use tessera_core::portal::{self, PortalRequest, PortalSignInStatus};
use tessera_core::records::Via;
use tessera_core::store::ActivityKind;
use tessera_core::store::{ConnectionState, SecretKind, VaultItem};
use tessera_core::vault::Vault;
use tessera_core::view::Relationship;
use tessera_core::wallet::{Wallet, WalletOptions};
use tessera_core::{Clock, ErrorCode, ManualClock, Profile};
use tessera_testbed::faults::Fault;
use tessera_testbed::portal_state::RefreshState;
use tessera_testbed::{Config, Testbed};

/// The portal-only hospital's index.
const PORTAL: usize = 3;

fn temp_profile(name: &str) -> Profile {
    support::temp_profile("portal", name)
}

fn options(clock: &ManualClock) -> WalletOptions {
    support::wallet_options(clock, Duration::from_secs(2), 8)
}

/// Five hospitals on `clock`'s time, the fourth portal-only; the first person (the caregiver) acts for the second.
async fn network(clock: &ManualClock) -> Testbed {
    network_with(clock, &[]).await
}

/// The portal-only network with more switches on the portal-only hospital.
async fn network_with(clock: &ManualClock, more: &[Fault]) -> Testbed {
    let now = clock.clone();
    let mut faults = vec![Fault::PortalOnly];
    faults.extend_from_slice(more);
    let config = Config {
        sites: 5,
        seed: 21,
        faults: HashMap::from([(PORTAL, faults)]),
        now: Arc::new(move || now.unix_now()),
        ..Config::default()
    };
    Testbed::start(config).await.unwrap()
}

/// A wallet signed in as the caregiver, and the profile's keychain.
async fn signed_in(tb: &Testbed, clock: &ManualClock, name: &str) -> (Wallet, Vault) {
    let profile = temp_profile(name);
    let vault = Vault::new(profile.namespace());
    let wallet = Wallet::open(profile, options(clock)).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, Some(&tb.manifest.people[0].id)).await.unwrap();
    (wallet, vault)
}

/// The refresh token a portal connection keeps, read from the keychain the way Tessera wrote it.
/// A portal account at the portal-only hospital whose first patient is not Harold: someone Tessera does not know.
fn stranger(tb: &Testbed) -> &tessera_testbed::portal_state::PortalAccount {
    let hospital = &tb.hospitals[PORTAL];
    let harold_here = &hospital.patients.iter().find(|p| p.person_id == tb.world.people[1].id).unwrap().id;
    hospital.portal_accounts.iter().find(|a| &a.charts[0].0 != harold_here).expect("another account")
}

async fn kept_refresh_token(wallet: &Wallet, vault: &Vault, grant: &str) -> Option<String> {
    let items = wallet.store().keychain_items(&portal::secret_item(grant)).await.unwrap();
    let item = items.first()?;
    let raw = vault.get(item).await.ok()?;
    let json: serde_json::Value = serde_json::from_str(raw.expose()).unwrap();
    json["refresh_token"].as_str().map(String::from)
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_portal_only_hospital_joins_the_record_the_grants_and_the_revoke_button() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, vault) = signed_in(&tb, &clock, "journey").await;
    let harold = wallet.people().await.unwrap().remove(0);
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();

    // Connect: four hospitals read with the ticket; the portal-only one takes no ticket but offers its portal.
    let report = wallet.connect(Some(&harold.id), no_progress()).await.unwrap();
    assert_eq!(report.hospitals.len(), 5);
    let line = report.hospitals.iter().find(|o| o.fhir_base_url == portal_base).unwrap();
    assert_eq!(line.status, ConnectionStatus::Unsupported);
    assert_eq!(line.error.as_ref().map(|e| e.code.as_str()), Some("hospital.unsupported"));
    assert!(line.portal_sign_in, "the portal is offered: {line:?}");
    assert!(line.error.as_ref().unwrap().message.contains("its own patient portal"));
    assert!(report
        .hospitals
        .iter()
        .filter(|o| o.fhir_base_url != portal_base)
        .all(|o| { o.status == ConnectionStatus::Connected && !o.portal_sign_in && o.via == Via::Ticket }));
    assert_eq!(tb.hospitals[PORTAL].portal_grants().len(), 0, "never signed in on its own");

    // Sign in at the portal for Harold (auto-approve: the caregiver's account, Harold picked by proxy access).
    let request = PortalRequest { person: Some(&harold.id), ..PortalRequest::default() };
    let signed = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    assert_eq!(signed.status, PortalSignInStatus::Connected);
    assert_eq!(signed.person.as_deref(), Some(harold.id.as_str()));
    assert!(!signed.new_person);
    let grant_at_hospital = tb.hospitals[PORTAL].portal_grants().remove(0);
    assert_eq!(grant_at_hospital.account, tb.manifest.people[0].id, "signed in with the caregiver's own account");
    assert_eq!(grant_at_hospital.patient_person, tb.world.people[1].id, "the patient is Harold");
    for scope in ["launch/patient", "offline_access", "patient/Condition.rs", "patient/Observation.rs"] {
        assert!(grant_at_hospital.scope.split(' ').any(|s| s == scope), "{scope} in {}", grant_at_hospital.scope);
    }
    let first_token = kept_refresh_token(&wallet, &vault, &signed.id).await.expect("kept in the keychain");
    assert_eq!(tb.hospitals[PORTAL].portal_refresh_token(&first_token), Some(RefreshState::Active));

    // Connect again: five lines, the portal one read through the portal, one record from all five.
    let report = wallet.connect(Some(&harold.id), no_progress()).await.unwrap();
    assert_eq!(report.hospitals.len(), 5, "{:?}", report.hospitals);
    let line = report.hospitals.iter().find(|o| o.fhir_base_url == portal_base).unwrap();
    assert_eq!(
        (line.status, line.via, line.ticket_id.as_str()),
        (ConnectionStatus::Connected, Via::Portal, signed.id.as_str())
    );
    assert!(line.resources > 0 && !line.granted.is_empty());
    assert!(report.hospitals.iter().all(|o| o.status == ConnectionStatus::Connected), "{:?}", report.hospitals);
    let sources: BTreeSet<(&str, Via)> =
        report.records.iter().flat_map(|item| item.sources.iter().map(|s| (s.fhir_base_url.as_str(), s.via))).collect();
    let hospitals: BTreeSet<&str> = sources.iter().map(|(base, _)| *base).collect();
    assert_eq!(hospitals.len(), 5, "items from all five hospitals");
    assert!(sources.contains(&(portal_base.as_str(), Via::Portal)));
    assert!(!sources.contains(&(portal_base.as_str(), Via::Ticket)));
    assert!(sources.iter().filter(|(base, _)| *base != portal_base).all(|(_, via)| *via == Via::Ticket));
    // The portal's refresh token was rotated, the new one kept before reading.
    let rotated = kept_refresh_token(&wallet, &vault, &signed.id).await.unwrap();
    assert_ne!(rotated, first_token);
    assert_eq!(tb.hospitals[PORTAL].portal_refresh_token(&first_token), Some(RefreshState::Rotated));
    assert_eq!(tb.hospitals[PORTAL].portal_refresh_token(&rotated), Some(RefreshState::Active));
    // The hospital list and the person say so.
    let listed = wallet.hospitals().await.unwrap();
    let at_portal = listed.iter().find(|h| h.fhir_base_url == portal_base).unwrap();
    assert_eq!(at_portal.status, Some(ConnectionStatus::Connected));
    assert_eq!(at_portal.portal.len(), 1);
    let people = wallet.people().await.unwrap();
    assert_eq!(people.len(), 1, "filed under Harold, no new person");
    assert_eq!((people[0].hospitals, people[0].connected), (5, 5));

    // Activity names the sign-in and the portal's reads under Harold (never a token or a name).
    let filter = ActivityFilter { person: Some(harold.id.clone()), ..ActivityFilter::default() };
    let log = wallet.activity(&filter).await.unwrap();
    assert!(log.iter().any(|e| e.kind == ActivityKind::PortalSignIn && e.ok), "{log:?}");
    assert!(log.iter().any(|e| e.kind == ActivityKind::RecordsRead && e.grant.as_deref() == Some(signed.id.as_str())));

    // The portal connection is a grant of its own kind, in words.
    let grants = wallet.grants().await.unwrap();
    let grant = grants.iter().find(|g| g.kind == GrantKind::Portal).expect("listed");
    assert_eq!((grant.id.as_str(), grant.status), (signed.id.as_str(), GrantStatus::Active));
    assert!(grant.summary.starts_with("Tessera can read"), "{}", grant.summary);
    assert!(grant.summary.contains("through the hospital's patient portal until you end it"), "{}", grant.summary);
    let detail = wallet.grant_detail(&grant.id).await.unwrap();
    assert!(detail.end_action.starts_with("End the portal connection to"));
    assert_eq!(detail.used.len(), 1);

    // Ending it: previewed, then the refresh token revoked at the hospital and its keychain item gone.
    let preview = wallet.revoke_preview(&grant.id).await.unwrap();
    assert_eq!(preview.len(), 2);
    assert!(preview.iter().all(|s| s.state == StepState::Planned));
    let steps = wallet.revoke(&grant.id).await.unwrap();
    assert!(steps.iter().all(|s| s.state == StepState::Done), "{steps:?}");
    assert_eq!(tb.hospitals[PORTAL].portal_refresh_token(&rotated), Some(RefreshState::Revoked));
    assert_eq!(tb.hospitals[PORTAL].active_portal_grants(), 0);
    assert!(wallet.store().keychain_items(&portal::secret_item(&signed.id)).await.unwrap().is_empty());
    assert_eq!(kept_refresh_token(&wallet, &vault, &signed.id).await, None);
    assert!(!wallet.grants().await.unwrap().iter().any(|g| g.kind == GrantKind::Portal));
    // And the hospital is offered again, as before.
    let report = wallet.connect(Some(&harold.id), no_progress()).await.unwrap();
    let line = report.hospitals.iter().find(|o| o.fhir_base_url == portal_base).unwrap();
    assert_eq!((line.status, line.portal_sign_in), (ConnectionStatus::Unsupported, true));
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_sign_in_for_another_patient_or_a_tampered_redirect_keeps_nothing() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, _vault) = signed_in(&tb, &clock, "negative").await;
    let harold = wallet.people().await.unwrap().remove(0);
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let hospital = &tb.hospitals[PORTAL];
    let stranger = stranger(&tb);

    // A token for a patient the user did not choose (someone Tessera does not know): never filed under Harold; it
    // waits for the user to add that patient as a new person, and giving up revokes it at the hospital.
    let request =
        PortalRequest { person: Some(&harold.id), login_hint: Some(&stranger.person_id), ..PortalRequest::default() };
    let waiting = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    assert_eq!((waiting.status, waiting.person.as_deref()), (PortalSignInStatus::NeedsConfirmation, None));
    assert_ne!(waiting.patient, harold.name);
    wallet.cancel_portal_sign_in(&waiting.id).await.unwrap();
    assert_eq!(hospital.portal_grants().len(), 1);
    assert_eq!(hospital.active_portal_grants(), 0, "its token was revoked at the hospital");
    assert!(!wallet.grants().await.unwrap().iter().any(|g| g.kind == GrantKind::Portal));
    assert_eq!(wallet.people().await.unwrap().len(), 1);

    // A redirect with another issuer's `iss` (RFC 9207 is promised): refused before any code is exchanged.
    let script = std::env::temp_dir().join(format!("tessera-portal-forge-{}.sh", std::process::id()));
    std::fs::write(
        &script,
        "#!/bin/sh\nloc=$(curl -s -o /dev/null -w '%{redirect_url}' \"$1\")\ncurl -s -o /dev/null \"$(echo \"$loc\" | sed 's/iss=[^&]*/iss=http%3A%2F%2Fevil.example/')\"\n",
    )
    .unwrap();
    let forging = Browser::Command(format!("sh {}", script.display()));
    let request = PortalRequest { person: Some(&harold.id), ..PortalRequest::default() };
    let error = wallet.portal_sign_in(&portal_base, request, &forging).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::SigninIssuerMismatch);
    assert_eq!(hospital.portal_grants().len(), 1, "no code was exchanged");

    // A forged redirect (another `state`, from a process probing the port) gets the neutral page and is ignored;
    // the real one that follows completes the sign-in.
    let status = std::env::temp_dir().join(format!("tessera-portal-forged-{}", std::process::id()));
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nloc=$(curl -s -o /dev/null -w '%{{redirect_url}}' \"$1\")\ncurl -s -o /dev/null -w '%{{http_code}}' \"$(echo \"$loc\" | sed 's/state=[^&]*/state=forged/')\" > {}\ncurl -s -o /dev/null \"$loc\"\n",
            status.display()
        ),
    )
    .unwrap();
    let signed = wallet.portal_sign_in(&portal_base, request, &forging).await.unwrap();
    assert_eq!(std::fs::read_to_string(&status).unwrap(), "400", "the forged redirect got the neutral page");
    assert_eq!(signed.status, PortalSignInStatus::Connected);
    assert_eq!(hospital.active_portal_grants(), 1);
    let _ = std::fs::remove_file(script);
    let _ = std::fs::remove_file(status);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_patient_nobody_matches_becomes_a_new_person_only_once_confirmed() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, _vault) = signed_in(&tb, &clock, "newperson").await;
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let hospital = &tb.hospitals[PORTAL];
    let stranger = stranger(&tb);
    let request = PortalRequest { login_hint: Some(&stranger.person_id), ..PortalRequest::default() };

    // Nobody known: the sign-in waits for the user; cancelling revokes the token and keeps nothing.
    let waiting = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    assert_eq!(waiting.status, PortalSignInStatus::NeedsConfirmation);
    assert!(waiting.person.is_none() && waiting.new_person && !waiting.patient.is_empty());
    assert_eq!(hospital.active_portal_grants(), 1, "held in memory while the user decides");
    wallet.cancel_portal_sign_in(&waiting.id).await.unwrap();
    assert_eq!(hospital.active_portal_grants(), 0);
    assert_eq!(wallet.people().await.unwrap().len(), 1);
    assert_eq!(wallet.confirm_portal_person(&waiting.id).await.unwrap_err().code(), ErrorCode::PortalExpired);

    // Confirmed: a new person, read through the portal alone.
    let waiting = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    let kept = wallet.confirm_portal_person(&waiting.id).await.unwrap();
    assert_eq!(kept.status, PortalSignInStatus::Connected);
    let person = kept.person.clone().unwrap();
    let people = wallet.people().await.unwrap();
    assert_eq!(people.len(), 2);
    let added = people.iter().find(|p| p.id == person).unwrap();
    assert_eq!((added.name.as_str(), added.relationship.code()), (kept.patient.as_str(), "portal"));
    let report = wallet.connect(Some(&person), no_progress()).await.unwrap();
    assert_eq!(report.hospitals.len(), 1, "{:?}", report.hospitals);
    assert_eq!((report.hospitals[0].status, report.hospitals[0].via), (ConnectionStatus::Connected, Via::Portal));
    // Signing in again with the new person's account is filed under the same person (added beforehand: no question).
    let again = PortalRequest { add_new_person: true, ..request };
    let signed = wallet.portal_sign_in(&portal_base, again, &Browser::Fetch).await.unwrap();
    assert_eq!(
        (signed.status, signed.person.as_deref(), signed.new_person),
        (PortalSignInStatus::Connected, Some(person.as_str()), false)
    );
    assert_eq!(hospital.active_portal_grants(), 1, "the earlier connection was ended when replaced");
    // A sign-in for Harold that brings back this other known person: refused, revoked at the hospital, nothing kept.
    let harold =
        wallet.people().await.unwrap().into_iter().find(|p| p.relationship != Relationship::PortalProxy).unwrap();
    let for_harold = PortalRequest { person: Some(&harold.id), ..request };
    let error = wallet.portal_sign_in(&portal_base, for_harold, &Browser::Fetch).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::PortalOtherPatient);
    assert!(error.message().contains(&harold.name), "{}", error.message());
    assert_eq!(hospital.active_portal_grants(), 1, "the refused sign-in's token was revoked");
    assert_eq!(wallet.grants().await.unwrap().iter().filter(|g| g.kind == GrantKind::Portal).count(), 1);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn reads_and_an_end_at_once_present_each_refresh_token_once_and_an_ended_connection_stays_ended() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, vault) = signed_in(&tb, &clock, "race").await;
    let harold = wallet.people().await.unwrap().remove(0);
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let hospital = &tb.hospitals[PORTAL];
    let request = PortalRequest { person: Some(&harold.id), ..PortalRequest::default() };
    let signed = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    // The hospital is not removed from the directory while read through its portal (its token would stay live).
    let kept_in = wallet.remove_hospital(&portal_base).await.unwrap_err();
    assert_eq!(kept_in.code(), ErrorCode::PortalStillConnected);
    let (action, ended_first) = (kept_in.action(), "End the portal connection first: in Grants");
    assert!(action.starts_with(ended_first) && !action.contains("tessera"), "{action}");

    // Two reads at once: each presents the token the keychain holds once it has the connection to itself, so the
    // hospital never sees a rotated token again (which would end the grant).
    let (first, second) =
        tokio::join!(wallet.connect(Some(&harold.id), no_progress()), wallet.connect(Some(&harold.id), no_progress()));
    for report in [first.unwrap(), second.unwrap()] {
        let line = report.hospitals.iter().find(|o| o.fhir_base_url == portal_base).unwrap();
        assert_eq!((line.status, line.via), (ConnectionStatus::Connected, Via::Portal), "{line:?}");
    }
    assert_eq!(hospital.active_portal_grants(), 1, "no refresh token was presented twice");
    let kept = kept_refresh_token(&wallet, &vault, &signed.id).await.unwrap();
    assert_eq!(hospital.portal_refresh_token(&kept), Some(RefreshState::Active));

    // A read and the end of the connection at once: ended at the hospital, nothing left here, and the read that
    // finishes afterwards brings nothing back.
    let (_read, ended) = tokio::join!(wallet.connect(Some(&harold.id), no_progress()), wallet.revoke(&signed.id));
    assert!(ended.unwrap().iter().all(|s| s.state == StepState::Done));
    assert_eq!(hospital.active_portal_grants(), 0);
    assert!(!wallet.grants().await.unwrap().iter().any(|g| g.kind == GrantKind::Portal));
    assert_eq!(kept_refresh_token(&wallet, &vault, &signed.id).await, None);
    // A late writer (a read finishing after the end) can neither revive the row nor the token.
    let store = wallet.store();
    store.set_portal_status(&signed.id, ConnectionState::Connected, None, None, Some(1)).await.unwrap();
    let row = store.portal_connections().await.unwrap().into_iter().find(|r| r.id == signed.id).unwrap();
    assert_eq!(row.status, ConnectionState::Revoked);
    let item = portal::secret_item(&signed.id);
    let late = tessera_core::Sensitive::new("{}".to_string());
    let refused = store
        .put_rotated(&vault, VaultItem { id: &item, kind: SecretKind::PortalRefresh, label: "late" }, &late, 1)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::VaultItemMissing);
    assert!(store.keychain_items(&item).await.unwrap().is_empty());
    assert!(!store.has_secret(&item).await.unwrap());
    wallet.remove_hospital(&portal_base).await.expect("once the portal connection is ended");
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_refresh_answer_without_the_patient_is_read_with_the_patient_kept() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network_with(&clock, &[Fault::RefreshWithoutPatient]).await;
    let (wallet, vault) = signed_in(&tb, &clock, "nopatient").await;
    let harold = wallet.people().await.unwrap().remove(0);
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let request = PortalRequest { person: Some(&harold.id), ..PortalRequest::default() };
    let signed = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    for _ in 0..2 {
        let report = wallet.connect(Some(&harold.id), no_progress()).await.unwrap();
        let line = report.hospitals.iter().find(|o| o.fhir_base_url == portal_base).unwrap();
        assert_eq!((line.status, line.via), (ConnectionStatus::Connected, Via::Portal), "{line:?}");
        assert!(line.resources > 0);
    }
    let kept = kept_refresh_token(&wallet, &vault, &signed.id).await.unwrap();
    assert_eq!(tb.hospitals[PORTAL].portal_refresh_token(&kept), Some(RefreshState::Active));
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_sign_in_waiting_for_confirmation_is_revoked_when_the_wallet_locks_or_its_time_runs_out() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, _vault) = signed_in(&tb, &clock, "lockpending").await;
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let hospital = &tb.hospitals[PORTAL];
    let stranger = stranger(&tb);
    let request = PortalRequest { login_hint: Some(&stranger.person_id), ..PortalRequest::default() };

    let waiting = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    assert_eq!(waiting.status, PortalSignInStatus::NeedsConfirmation);
    assert_eq!(hospital.active_portal_grants(), 1);
    wallet.lock().await;
    assert_eq!(hospital.active_portal_grants(), 0, "locking gave the sign-in up and revoked its token");
    assert_eq!(wallet.confirm_portal_person(&waiting.id).await.unwrap_err().code(), ErrorCode::PortalExpired);
    wallet.unlock(None).await.unwrap();

    // Past the time to confirm, the next call gives it up (and revokes it) too.
    let waiting = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    assert_eq!(hospital.active_portal_grants(), 1);
    clock.advance(time::Duration::minutes(11));
    assert_eq!(wallet.confirm_portal_person("pending-other").await.unwrap_err().code(), ErrorCode::PortalExpired);
    assert_eq!(hospital.active_portal_grants(), 0, "the expired sign-in's token was revoked");
    assert_eq!(wallet.confirm_portal_person(&waiting.id).await.unwrap_err().code(), ErrorCode::PortalExpired);
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn cancelling_a_portal_sign_in_never_leaves_a_token_live_at_the_hospital() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, _vault) = signed_in(&tb, &clock, "cancel").await;
    let harold = wallet.people().await.unwrap().remove(0);
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let hospital = &tb.hospitals[PORTAL];
    let request = PortalRequest { person: Some(&harold.id), ..PortalRequest::default() };

    // Cancelled while the browser is out: nothing was exchanged.
    let cancelled =
        wallet.portal_sign_in_cancellable(&portal_base, request, &Browser::Fetch, std::future::ready(())).await;
    assert_eq!(cancelled.unwrap_err().code(), ErrorCode::SigninCancelled);
    assert_eq!(hospital.portal_grants().len(), 0);

    // Cancelled the moment the hospital has issued the grant (the code is back): the sign-in finishes — kept —
    // instead of being dropped with a live token.
    let issued = async {
        while hospital.portal_grants().is_empty() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    let signed = wallet.portal_sign_in_cancellable(&portal_base, request, &Browser::Fetch, issued).await;
    match signed {
        Ok(signed) => {
            assert_eq!(signed.status, PortalSignInStatus::Connected);
            assert_eq!(hospital.active_portal_grants(), 1);
        }
        Err(error) => {
            assert_eq!(error.code(), ErrorCode::SigninCancelled);
            assert_eq!(hospital.active_portal_grants(), 0, "cancelled only before any token was issued");
        }
    }
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_portal_that_forgot_tesseras_client_is_signed_in_at_again_with_a_new_registration() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, _vault) = signed_in(&tb, &clock, "forgotclient").await;
    let harold = wallet.people().await.unwrap().remove(0);
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let hospital = &tb.hospitals[PORTAL];
    let request = PortalRequest { person: Some(&harold.id), ..PortalRequest::default() };
    let signed = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    let first_client = hospital.portal_grants()[0].client_id.clone();

    // The portal forgets its clients: the read is refused (`invalid_client`) and offers to sign in again.
    hospital.forget_portal_clients();
    let report = wallet.connect(Some(&harold.id), no_progress()).await.unwrap();
    let line = report.hospitals.iter().find(|o| o.fhir_base_url == portal_base).unwrap();
    // Refused for another reason than `invalid_grant`: not `portal.ended` (the access itself was not ended).
    assert_eq!(line.error.as_ref().map(|e| e.code.as_str()), Some("hospital.client_rejected"), "{line:?}");
    assert!(line.portal_sign_in);
    let row = wallet.store().portal_connections().await.unwrap().into_iter().find(|r| r.id == signed.id).unwrap();
    assert_eq!((row.status, row.error_code), (ConnectionState::Failed, Some(ErrorCode::HospitalClientRejected)));
    let grant = wallet.grants().await.unwrap().into_iter().find(|g| g.id == signed.id).unwrap();
    assert_ne!(grant.status, GrantStatus::Expired, "not shown as ended by the hospital");

    // Signing in again registers Tessera anew (the forgotten client would end at the portal's "unknown app" page).
    let again = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    assert_eq!(again.status, PortalSignInStatus::Connected);
    let newest = hospital.portal_grants().pop().unwrap();
    assert_ne!(newest.client_id, first_client, "a new registration");
    let report = wallet.connect(Some(&harold.id), no_progress()).await.unwrap();
    let line = report.hospitals.iter().find(|o| o.fhir_base_url == portal_base).unwrap();
    assert_eq!((line.status, line.via), (ConnectionStatus::Connected, Via::Portal), "{line:?}");
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_portal_that_withholds_the_patient_keeps_nothing_and_says_why() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network_with(&clock, &[Fault::PortalWithholdsPatient]).await;
    let (wallet, _vault) = signed_in(&tb, &clock, "withheld").await;
    let harold = wallet.people().await.unwrap().remove(0);
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let request = PortalRequest { person: Some(&harold.id), ..PortalRequest::default() };
    let error = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::PortalPatientNotShared);
    assert!(error.action().contains("name and birth date"), "{}", error.action());
    assert_eq!(tb.hospitals[PORTAL].portal_grants().len(), 1);
    assert_eq!(tb.hospitals[PORTAL].active_portal_grants(), 0, "the unkept token was revoked");
    assert!(!wallet.grants().await.unwrap().iter().any(|g| g.kind == GrantKind::Portal));
    tb.stop().await;
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_portal_patient_two_known_people_fit_is_filed_under_neither() {
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    let tb = network(&clock).await;
    let (wallet, vault) = signed_in(&tb, &clock, "ambiguous").await;
    let portal_base = tb.manifest.hospitals[PORTAL].fhir_base_url.clone();
    let hospital = &tb.hospitals[PORTAL];
    let stranger = stranger(&tb);
    let request = PortalRequest { login_hint: Some(&stranger.person_id), add_new_person: true, ..Default::default() };
    let kept = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap();
    assert!(kept.new_person);

    // A second person with the very same name and birth date (as two people known only through portals could be).
    let store = wallet.store();
    let row = store.portal_connections().await.unwrap().into_iter().find(|r| r.id == kept.id).unwrap();
    let item = store.keychain_items(&portal::secret_item(&kept.id)).await.unwrap().remove(0);
    let mut secret: serde_json::Value = serde_json::from_str(vault.get(&item).await.unwrap().expose()).unwrap();
    secret["person"] = "pp-twin".into();
    let twin = tessera_core::store::PortalRow {
        id: "p-twin".into(),
        vault_item: portal::secret_item("p-twin"),
        person_ref: "twin".into(),
        ..row
    };
    let secret = tessera_core::Sensitive::new(secret.to_string());
    store.put_portal(&vault, &twin, "Tessera — twin", &secret).await.unwrap();
    assert_eq!(wallet.people().await.unwrap().len(), 3, "Harold, and the two alike");

    // Tessera does not guess: nothing kept, the token revoked.
    let request = PortalRequest { login_hint: Some(&stranger.person_id), ..PortalRequest::default() };
    let error = wallet.portal_sign_in(&portal_base, request, &Browser::Fetch).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::PortalAmbiguousPerson);
    assert_eq!(hospital.portal_grants().len(), 2);
    assert_eq!(hospital.active_portal_grants(), 1, "only the first sign-in's grant is live");
    assert_eq!(wallet.people().await.unwrap().len(), 3);
    tb.stop().await;
}
