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
