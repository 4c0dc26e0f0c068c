//! Vault tests against a real Secret Service. Run them with `scripts/with-keyring.sh cargo test -- --ignored
//! keychain` (a private D-Bus session with an unlocked gnome-keyring); the test script does.

use tessera_core::vault::Vault;
use tessera_core::{ErrorCode, OsRandom, Random, Sensitive};

fn fresh_vault() -> Vault {
    Vault::new(format!("tessera-test:{}", OsRandom.token(6)))
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn keychain_round_trip_update_and_delete() {
    let vault = fresh_vault();
    vault.probe().await.expect("the keychain is reachable and unlocked");
    let secret = Sensitive::new("refresh-token-abc".to_string());
    vault.put("broker/refresh", "Tessera — test refresh token", &secret).await.unwrap();
    assert_eq!(vault.get("broker/refresh").await.unwrap().expose(), "refresh-token-abc");
    vault.put("broker/refresh", "Tessera — test refresh token", &Sensitive::new("rotated".into())).await.unwrap();
    assert_eq!(vault.get("broker/refresh").await.unwrap().expose(), "rotated");
    vault.delete("broker/refresh").await.unwrap();
    assert_eq!(vault.get("broker/refresh").await.unwrap_err().code(), ErrorCode::VaultItemMissing);
    vault.delete("broker/refresh").await.expect("deleting twice is harmless");
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn keychain_chunks_large_values_and_cleans_up_stale_chunks() {
    let vault = fresh_vault().with_chunk_limit(64);
    let big = "ticket-".repeat(100); // 700 bytes → 11 chunks of 64
    vault.put("ticket/1", "Tessera — big ticket", &Sensitive::new(big.clone())).await.unwrap();
    assert_eq!(vault.get("ticket/1").await.unwrap().expose(), &big);
    assert!(vault.contains("ticket/1#11").await.unwrap());

    vault.put("ticket/1", "Tessera — big ticket", &Sensitive::new("small".into())).await.unwrap();
    assert_eq!(vault.get("ticket/1").await.unwrap().expose(), "small");
    assert!(!vault.contains("ticket/1#1").await.unwrap(), "stale chunks are removed");

    vault.put("ticket/2", "Tessera — big ticket", &Sensitive::new(big.clone())).await.unwrap();
    vault.delete("ticket/2").await.unwrap();
    for index in 1..=11 {
        assert!(!vault.contains(&format!("ticket/2#{index}")).await.unwrap());
    }
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn keychain_namespaces_keep_profiles_apart() {
    let (alice, bob) = (fresh_vault(), fresh_vault());
    alice.put("key", "Tessera — alice", &Sensitive::new("alice-secret".into())).await.unwrap();
    assert_eq!(bob.get("key").await.unwrap_err().code(), ErrorCode::VaultItemMissing);
    assert_eq!(alice.get("key").await.unwrap().expose(), "alice-secret");
    alice.delete("key").await.unwrap();
}

/// Run as a child without any session bus: the keychain is unreachable.
#[tokio::test]
#[ignore = "run by keychain_missing_secret_service_is_a_coded_error"]
async fn keychain_child_without_bus() {
    if std::env::var_os("TESSERA_NO_BUS_CHILD").is_none() {
        return;
    }
    let error = fresh_vault().probe().await.unwrap_err();
    println!("code={}", error.code());
}

#[test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
fn keychain_missing_secret_service_is_a_coded_error() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "keychain_child_without_bus", "--ignored", "--nocapture"])
        .env("TESSERA_NO_BUS_CHILD", "1")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tessera-bus")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("code=vault.unavailable"), "{stdout}");
}

/// Run by `keychain_locked_is_a_coded_error_and_loses_nothing` in a keyring of its own: locks the collection and
/// checks what the vault reports.
#[tokio::test]
#[ignore = "run by keychain_locked_is_a_coded_error_and_loses_nothing"]
async fn keychain_child_locked_collection() {
    if std::env::var_os("TESSERA_LOCK_CHILD").is_none() {
        return;
    }
    let vault = fresh_vault();
    vault.put("ticket/locked", "Tessera — locked test", &Sensitive::new("kept".into())).await.unwrap();
    let locked = std::process::Command::new("gdbus")
        .args(["call", "--session", "--dest", "org.freedesktop.secrets", "--object-path", "/org/freedesktop/secrets"])
        .args(["--method", "org.freedesktop.Secret.Service.Lock", "['/org/freedesktop/secrets/collection/login']"])
        .status()
        .expect("gdbus runs");
    assert!(locked.success());
    let read = vault.get("ticket/locked").await.unwrap_err();
    let write = vault.put("ticket/other", "Tessera — locked test", &Sensitive::new("x".into())).await.unwrap_err();
    // Nothing is lost or replaced: the item is still there, only locked (not reported missing).
    let still = vault.contains("ticket/locked").await.unwrap_err();
    println!("read={} write={} contains={}", read.code(), write.code(), still.code());
}

#[test]
#[ignore = "needs gnome-keyring and dbus-run-session: scripts/with-keyring.sh"]
fn keychain_locked_is_a_coded_error_and_loses_nothing() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/with-keyring.sh");
    let output = std::process::Command::new(script)
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "keychain_child_locked_collection", "--ignored", "--nocapture"])
        .env("TESSERA_LOCK_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("read=vault.locked write=vault.locked contains=vault.locked"), "{stdout}");
}
