//! Leak audit: after a full sign-in, connect and records run with logging at TRACE, no token, ticket, key, patient
//! name or birth date appears in the profile folder (SQLite file, WAL and all) or in the logs. The scanner is shown
//! to catch a planted secret first, so the audit can fail. Needs a Secret Service (`scripts/with-keyring.sh`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tessera_core::broker::Browser;
use tessera_core::store::SecretKind;
use tessera_core::vault::Vault;
use tessera_core::wallet::{Wallet, WalletOptions};
use tessera_core::{OsRandom, Profile, Random, SystemClock};
use tessera_testbed::{Config, Testbed};

#[derive(Clone, Default)]
struct LogFile(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .flat_map(|e| if e.path().is_dir() { files(&e.path()) } else { vec![e.path()] })
        .collect()
}

/// Every needle found in any haystack, as `(needle label, where)`.
fn scan(haystacks: &[(String, Vec<u8>)], needles: &[(String, String)]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (label, needle) in needles.iter().filter(|(_, n)| n.len() >= 6) {
        for (place, bytes) in haystacks {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push((label.clone(), place.clone()));
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn no_secret_or_name_reaches_disk_or_logs() {
    let log = LogFile::default();
    let writer = log.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).finish(),
    )
    .unwrap();

    let tb = Testbed::start(Config { sites: 5, seed: 77, ..Config::default() }).await.unwrap();
    let dir = std::env::temp_dir().join(format!("tessera-leaks-{}", OsRandom.token(6)));
    let profile = Profile::open(Some(&dir)).unwrap();
    let vault = Vault::new(profile.namespace());
    let options = WalletOptions {
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
        http: Default::default(),
        fan_out: Default::default(),
        interaction: None,
        idle_lock: None,
    };
    let wallet = Wallet::open(profile.clone(), options).await.unwrap();
    wallet.login(&tb.manifest.broker, &Browser::Fetch, None).await.unwrap();
    let report = wallet.connect(None, tessera_core::hospitals::fan_out::no_progress()).await.unwrap();
    assert!(!report.records.is_empty());
    wallet.grants().await.unwrap();

    // What must never leak: every keychain secret, the key's private part, the people's names and birth dates.
    let mut needles: Vec<(String, String)> = Vec::new();
    for (id, item) in wallet.store().tickets().await.unwrap() {
        let raw = wallet.store().get_secret(&vault, &item).await.unwrap().into_exposed();
        needles.push((format!("ticket {id}"), raw.clone()));
        needles.push((format!("ticket {id} signature"), raw.rsplit('.').next().unwrap().to_string()));
    }
    for kind in [SecretKind::BrokerRefresh, SecretKind::ConnectionRefresh] {
        for item in wallet.store().committed_items(kind).await.unwrap() {
            needles.push((item.clone(), wallet.store().get_secret(&vault, &item).await.unwrap().into_exposed()));
        }
    }
    let key: serde_json::Value = serde_json::from_str(vault.get("identity/key").await.unwrap().expose()).unwrap();
    needles.push(("private key".into(), key["d"].as_str().unwrap().to_string()));
    for person in &tb.manifest.people {
        needles.push((format!("name of {}", person.id), person.name.clone()));
        needles.push((format!("birth date of {}", person.id), person.birth_date.clone()));
    }
    // Access tokens live only in memory; the testbed knows them, so look for those too.
    for hospital in &tb.hospitals {
        for token in hospital.issued_access_tokens() {
            needles.push(("hospital access token".into(), token));
        }
    }
    drop(wallet);

    let mut haystacks: Vec<(String, Vec<u8>)> =
        files(&dir).into_iter().map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())).collect();
    assert!(haystacks.iter().any(|(p, _)| p.ends_with("tessera.db")), "the audit reads the database");
    haystacks.push(("TRACE log".into(), log.0.lock().unwrap().clone()));
    assert!(haystacks.last().unwrap().1.len() > 1000, "TRACE logging produced output");

    // The scanner catches a planted secret (so a clean result means something).
    let planted = [("planted".to_string(), [needles[0].1.as_bytes(), b" in a file"].concat())];
    assert_eq!(scan(&planted, &needles[..1]).len(), 1);

    let leaks = scan(&haystacks, &needles);
    assert!(leaks.is_empty(), "leaked: {leaks:?}");
    let _ = std::fs::remove_dir_all(dir);
    tb.stop().await;
}
