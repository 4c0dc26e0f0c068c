//! Tessera against a trust broker whose authorization server we did not write: `oidc-provider` (a certified
//! OpenID Provider, from npm) in `tests/fixtures/oidc-broker`, started with `node` on loopback. Sign-in, the ticket
//! re-mint through the refresh token (with rotation) and sign-out by RFC 7009 revocation must all pass against it.
//! Needs a Secret Service and the fixture's packages (`scripts/setup.sh` runs `npm ci` there): run with
//! `scripts/with-keyring.sh cargo test -p tessera-core --test interop_oidc -- --ignored`.

mod support;

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tessera_core::base::http::{Http, HttpPolicy};
use tessera_core::broker::{self, Browser};
use tessera_core::grants::status::{GrantKind, GrantStatus};
use tessera_core::oauth::Grant;
use tessera_core::store::SecretKind;
use tessera_core::vault::identity::Identity;
use tessera_core::vault::Vault;
use tessera_core::wallet::{Wallet, WalletOptions};
use tessera_core::{Clock, ErrorCode, ManualClock, OsRandom, Profile, Random, Sensitive};

/// The fixture's folder.
fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/oidc-broker")
}

/// The fixture running as a child `node` process; dropping it (also when a test panics) kills the process.
struct OidcBroker {
    child: Child,
    issuer: String,
    client: reqwest::Client,
}

impl OidcBroker {
    /// Starts the fixture and waits for its issuer address. `None` (with a message) when its packages are not
    /// installed and this is not CI; under CI a missing install fails the test.
    fn start() -> Option<Self> {
        let dir = fixture_dir();
        if !dir.join("node_modules/oidc-provider").is_dir() {
            let message = "oidc-provider is not installed in tests/fixtures/oidc-broker: run `scripts/setup.sh test` \
                           (it runs `npm ci --prefix tests/fixtures/oidc-broker`)";
            assert!(std::env::var_os("CI").is_none(), "{message}");
            // Written past the test harness's capture, so that a skip is seen.
            let _ = writeln!(std::io::stderr(), "SKIPPED interop_oidc: {message}");
            return None;
        }
        let mut child = Command::new("node")
            .arg("broker.mjs")
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node could not be started (Node.js 20 or newer is needed)");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (first_line, issuer_line) = std::sync::mpsc::channel();
        // The fixture's own output goes to the test's (captured) output: shown when the test fails.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
            if let Some(line) = lines.next() {
                let _ = first_line.send(line);
            }
            lines.for_each(|line| eprintln!("[oidc-broker] {line}"));
        });
        std::thread::spawn(move || {
            BufReader::new(stderr).lines().map_while(Result::ok).for_each(|line| eprintln!("[oidc-broker] {line}"));
        });
        let mut broker = Self { child, issuer: String::new(), client: reqwest::Client::new() };
        let line = issuer_line.recv_timeout(Duration::from_secs(30)).expect("the fixture printed no issuer");
        broker.issuer = line.strip_prefix("issuer=").expect("issuer=URL").to_string();
        assert!(broker.issuer.starts_with("http://127.0.0.1:"), "{line}");
        Some(broker)
    }

    /// Moves the fixture's clock (oidc-provider's included) to the test's.
    async fn set_clock(&self, clock: &ManualClock) {
        let answer = self
            .client
            .post(format!("{}/fixture/clock", self.issuer))
            .json(&serde_json::json!({ "now": clock.unix_now() }))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
    }

    /// What the fixture saw, in order (no secrets).
    async fn events(&self) -> Vec<Value> {
        let answer = self.client.get(format!("{}/fixture/events", self.issuer)).send().await.unwrap();
        answer.json::<Vec<Value>>().await.unwrap()
    }

    /// The events named `name`.
    async fn events_named(&self, name: &str) -> Vec<Value> {
        self.events().await.into_iter().filter(|e| e["event"] == name).collect()
    }
}

impl Drop for OidcBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn options(clock: &ManualClock) -> WalletOptions {
    support::wallet_options(clock, Duration::from_secs(10), 4)
}

/// The broker refresh token the wallet holds now.
async fn held_refresh_token(wallet: &Wallet, vault: &Vault) -> Sensitive<String> {
    let items = wallet.store().committed_items(SecretKind::BrokerRefresh).await.unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    wallet.store().get_secret(vault, &items[0]).await.unwrap()
}

/// What the broker answers a refresh with `refresh_token`, presented as the wallet would: authenticated with its
/// key as `client_id`. `None` when it was accepted.
async fn refresh_refused(
    token_endpoint: &str,
    client_id: &str,
    identity: &Identity,
    clock: &ManualClock,
    refresh_token: &Sensitive<String>,
) -> Option<ErrorCode> {
    let auth = identity.as_client(client_id, clock, &OsRandom);
    let http = Http::new(HttpPolicy::default(), Arc::new(OsRandom)).unwrap();
    let grant = Grant::RefreshToken(refresh_token.clone());
    broker::token_request(&http, token_endpoint, &auth, &grant).await.err().map(|e| e.code())
}

#[tokio::test]
#[ignore = "needs a Secret Service and Node.js: scripts/with-keyring.sh"]
async fn sign_in_re_mint_and_sign_out_pass_against_oidc_provider() {
    let Some(broker) = OidcBroker::start() else { return };
    let clock = ManualClock::new(time::OffsetDateTime::now_utc());
    broker.set_clock(&clock).await;
    let dir = std::env::temp_dir().join(format!("tessera-interop-oidc-{}", OsRandom.token(6)));
    let profile = Profile::open(Some(&dir)).unwrap();
    let vault = Vault::new(profile.namespace());
    let wallet = Wallet::open(profile, options(&clock)).await.unwrap();

    // Sign-in: discovery, RFC 7591 registration, authorization code + PKCE through oidc-provider's interactions
    // (approved by the fixture), RFC 9207 `iss`, the code exchange with private_key_jwt.
    let login = match wallet.login(&broker.issuer, &Browser::Fetch, None).await {
        Ok(login) => login,
        Err(error) => panic!("sign-in failed: {error:?}\nthe fixture saw: {:#?}", broker.events().await),
    };
    assert_eq!(login.broker, broker.issuer);
    assert_eq!(login.tickets.len(), 1);
    let description = &login.tickets[0].description;
    assert_eq!(description.headline, "Your own records");
    assert!(description.patient.starts_with("Robin Okafor"), "{description:?}");
    assert!(!description.access.is_empty(), "{description:?}");
    assert_eq!(login.hospitals, 1);
    let hospitals = wallet.hospitals().await.unwrap();
    assert_eq!(hospitals[0].name, "Riverside Hospital");
    let tickets = wallet.tickets().await.unwrap();
    assert_eq!(tickets.len(), 1);
    let first_expiry = tickets[0].expires_at;

    // oidc-provider registered a native app with only the grants the broker offers, and the ticket is bound to
    // this device's key.
    let identity = Identity::load_or_create(&vault).await.unwrap();
    let registration = broker.events_named("registration").await.remove(0);
    assert_eq!(registration["application_type"], "native");
    assert_eq!(registration["grant_types"], serde_json::json!(["authorization_code", "refresh_token"]));
    assert_eq!(registration["jkt"], identity.thumbprint());
    let issued = broker.events_named("token").await;
    assert_eq!(issued.len(), 1);
    assert_eq!(
        (issued[0]["grant_type"].as_str(), issued[0]["tickets"].as_u64()),
        (Some("authorization_code"), Some(1))
    );
    // The ticket's status list (served beside oidc-provider) is read: the grant shows as active.
    let grants = wallet.grants().await.unwrap();
    let held = grants.iter().find(|g| g.kind == GrantKind::Ticket).expect("the ticket is listed");
    assert_eq!(held.status, GrantStatus::Active, "{held:?}");

    // Re-mint: 50 minutes into the tickets' hour (past 80 %), the refresh token brings fresh tickets; oidc-provider
    // rotates it.
    let first_refresh = held_refresh_token(&wallet, &vault).await;
    clock.advance(time::Duration::minutes(20));
    broker.set_clock(&clock).await;
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 0, "not due yet");
    clock.advance(time::Duration::minutes(30));
    broker.set_clock(&clock).await;
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 1);
    let tickets = wallet.tickets().await.unwrap();
    assert_eq!(tickets.len(), 1, "the same grant keeps one ticket id");
    assert!(tickets[0].expires_at >= first_expiry + 50 * 60, "{first_expiry} → {}", tickets[0].expires_at);
    let second_refresh = held_refresh_token(&wallet, &vault).await;
    assert_ne!(second_refresh.expose(), first_refresh.expose(), "the refresh token was rotated");
    let refreshed = broker.events_named("token").await.remove(1);
    assert_eq!((refreshed["grant_type"].as_str(), refreshed["rotated"].as_bool()), (Some("refresh_token"), Some(true)));
    assert_eq!(broker.events_named("refresh_token_consumed").await.len(), 1);

    // Rotation: the old refresh token is refused. oidc-provider takes its reuse for theft and ends the whole grant,
    // so Tessera's next renewal is refused too: it logs that and keeps the tickets it holds.
    let row = wallet.store().brokers().await.unwrap().remove(0);
    let refused = refresh_refused(&row.token_endpoint, &row.client_id, &identity, &clock, &first_refresh).await;
    assert_eq!(refused, Some(ErrorCode::BrokerDenied));
    let revoked = broker.events_named("grant_revoked").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["route"], "token");
    clock.advance(time::Duration::minutes(50));
    broker.set_clock(&clock).await;
    assert_eq!(wallet.remint_due_tickets().await.unwrap(), 0);
    let log = wallet.store().activity(None, None, None).await.unwrap();
    let last = log.iter().rev().find(|a| a.kind == tessera_core::store::ActivityKind::Refresh).unwrap();
    assert_eq!(last.outcome, Err(tessera_core::ErrorCode::BrokerDenied), "{last:?}");
    assert_eq!(wallet.tickets().await.unwrap().len(), 1);

    // Sign in again, then sign out: the refresh token is revoked at oidc-provider (RFC 7009) and forgotten here.
    let again = wallet.login(&broker.issuer, &Browser::Fetch, None).await.unwrap();
    assert_eq!(again.tickets.len(), 1);
    let third_refresh = held_refresh_token(&wallet, &vault).await;
    let row = wallet.store().brokers().await.unwrap().remove(0);
    wallet.sign_out(&broker.issuer).await.unwrap();
    let revocations = broker.events_named("revocation").await;
    assert_eq!(revocations.len(), 1, "{revocations:?}");
    assert_eq!(revocations[0]["status"], 200);
    assert_eq!(revocations[0]["kind"], "RefreshToken");
    assert_eq!(revocations[0]["client_id"], row.client_id.as_str());
    assert!(broker.events_named("grant_revoked").await.iter().any(|e| e["route"] == "revocation"));
    assert!(wallet.store().brokers().await.unwrap().is_empty());
    assert!(wallet.store().committed_items(SecretKind::BrokerRefresh).await.unwrap().is_empty());
    // The revoked token no longer works there.
    let refused = refresh_refused(&row.token_endpoint, &row.client_id, &identity, &clock, &third_refresh).await;
    assert_eq!(refused, Some(ErrorCode::BrokerDenied));

    // oidc-provider reported nothing but the refused refreshes above (the reused token, Tessera's renewal of the
    // grant that ended — tried again when `tickets` re-mints due tickets before listing them —, the revoked token).
    let errors: Vec<Value> = broker
        .events()
        .await
        .into_iter()
        .filter(|e| e["event"].as_str().is_some_and(|n| n.ends_with("error")))
        .collect();
    assert!(errors.iter().all(|e| e["event"] == "grant.error" && e["error"] == "invalid_grant"), "{errors:#?}");
    assert_eq!(errors.len(), 4, "{errors:#?}");
    drop(broker);
    let _ = std::fs::remove_dir_all(dir);
}
