//! Crash consistency across the keychain and SQLite: a child process writes a long series of new grants (chunked
//! keychain items + index rows) and, between them, rotates one long-lived secret (as a broker refresh-token rotation
//! or a ticket re-mint does), and is killed with SIGKILL at random points, many times. After each kill, opening the
//! store recovers: every grant the child reported committed is intact, the rotated secret holds either the last
//! value reported or the one after it — never neither —, nothing is half-written, and no keychain item is left that
//! the index does not point at. Needs a Secret Service (`scripts/with-keyring.sh`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use tessera_core::store::{SecretKind, VaultItem};
use tessera_core::store::{Store, TicketRow};
use tessera_core::vault::Vault;
use tessera_core::{OsRandom, Random, Sensitive};

const CHILD_ENV: &str = "TESSERA_CRASH_CHILD_DIR";
const NAMESPACE_ENV: &str = "TESSERA_CRASH_CHILD_NAMESPACE";
/// The secret rotated again and again.
const ROTATED: &str = "broker/abc/refresh";

fn value_for(i: usize) -> String {
    format!("{i}:").repeat(80) // several chunks with the small chunk limit below
}

fn ticket(i: usize) -> TicketRow {
    TicketRow {
        id: format!("t{i}"),
        broker_url: "http://broker".into(),
        vault_item: format!("ticket/{i}"),
        person_ref: "p".into(),
        expires_at: 0,
        received_at: 0,
    }
}

/// The child: writes grants and rotations forever, printing each once it is committed.
#[tokio::test]
#[ignore = "run by crash_recovery_keeps_every_committed_grant"]
async fn crash_child_writer() {
    let (Ok(dir), Ok(namespace)) = (std::env::var(CHILD_ENV), std::env::var(NAMESPACE_ENV)) else { return };
    let store = Store::open(std::path::Path::new(&dir)).await.unwrap();
    let vault = Vault::new(namespace).with_chunk_limit(64);
    let start = store.tickets().await.unwrap().len();
    for i in start.. {
        let secret = Sensitive::new(value_for(i));
        store.put_ticket(&vault, &ticket(i), "Tessera — crash test", &secret).await.unwrap();
        println!("committed {i}");
        store
            .put_secret(
                &vault,
                VaultItem { id: ROTATED, kind: SecretKind::BrokerRefresh, label: "Tessera — crash test" },
                &secret,
                0,
            )
            .await
            .unwrap();
        println!("rotated {i}");
    }
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn crash_recovery_keeps_every_committed_grant() {
    let dir = std::env::temp_dir().join(format!("tessera-crash-{}", OsRandom.token(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let namespace = format!("tessera-crash:{}", OsRandom.token(6));
    let vault = Vault::new(namespace.clone());
    let (mut committed, mut rotated): (i64, i64) = (-1, -1);
    for round in 0..10 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child_writer", "--ignored", "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, &dir)
            .env(NAMESPACE_ENV, &namespace)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stop_after = 1 + OsRandom.below(6) as usize;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while seen < stop_after {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(n) = line.strip_prefix("committed ") {
                committed = committed.max(n.trim().parse().unwrap());
                seen += 1;
            } else if let Some(n) = line.strip_prefix("rotated ") {
                rotated = rotated.max(n.trim().parse().unwrap());
                seen += 1;
            }
        }
        // Let it get somewhere inside the next write or rotation, then SIGKILL.
        std::thread::sleep(std::time::Duration::from_millis(OsRandom.below(40)));
        child.kill().unwrap();
        let _ = child.wait();

        let store = Store::open(&dir).await.unwrap();
        store.recover(&vault).await.unwrap();
        let tickets = store.tickets().await.unwrap();
        assert!(tickets.len() as i64 > committed, "round {round}: lost committed grants");
        for (id, item) in &tickets {
            let i: usize = id.trim_start_matches('t').parse().unwrap();
            let value = store.get_secret(&vault, item).await.unwrap();
            assert_eq!(value.expose(), &value_for(i), "round {round}: {id} damaged");
            assert_eq!(store.keychain_items(item).await.unwrap().len(), 1, "round {round}: {id} left extra items");
        }
        // The rotated secret: the last value reported, or a later one the child was writing when killed (a round may
        // skip an index when it was killed between a grant and its rotation); never neither, never an older one.
        if rotated >= 0 {
            let value = store.get_secret(&vault, ROTATED).await.expect("the rotated secret survives every kill");
            let newest = tickets.len();
            assert!(
                (rotated as usize..=newest).any(|k| value.expose() == &value_for(k)),
                "round {round}: the rotated secret is neither the last reported value nor a newer one"
            );
        }
        // No orphan: each secret's neighbouring generations are absent from the keychain, chunks included.
        for id in [format!("ticket/{}", tickets.len()), ROTATED.to_string()] {
            let kept = store.keychain_items(&id).await.unwrap();
            let generation = kept
                .first()
                .and_then(|item| item.rsplit_once('~'))
                .and_then(|(_, g)| g.parse::<u64>().ok())
                .unwrap_or(0);
            for candidate in [generation.saturating_sub(1), generation + 1, generation + 2] {
                let item = format!("{id}~{candidate}");
                if kept.contains(&item) {
                    continue;
                }
                assert!(!vault.contains(&item).await.unwrap(), "round {round}: orphan {item}");
                assert!(!vault.contains(&format!("{item}#1")).await.unwrap(), "round {round}: orphan chunk of {item}");
            }
        }
        assert!(
            store.committed_items(SecretKind::Ticket).await.unwrap().len() == tickets.len(),
            "round {round}: index mismatch"
        );
    }
    let store = Store::open(&dir).await.unwrap();
    for (_, item) in store.tickets().await.unwrap() {
        store.delete_secret(&vault, &item).await.unwrap();
    }
    store.delete_secret(&vault, ROTATED).await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// A crash between writing a refresh token's next generation and the switch to it: the hospital (or the broker)
/// already honours only the new token, so recovery rolls a fully written next item forward (and drops the old one); a next item that
/// never got written whole is rolled back as for any secret.
#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn a_rotated_refresh_token_interrupted_before_its_commit_is_rolled_forward() {
    let dir = std::env::temp_dir().join(format!("tessera-rollforward-{}", OsRandom.token(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let vault = Vault::new(format!("tessera-crash:{}", OsRandom.token(6))).with_chunk_limit(64);
    let store = Store::open(&dir).await.unwrap();
    for (kind, name) in [
        (SecretKind::PortalRefresh, "portal_refresh"),
        (SecretKind::ConnectionRefresh, "connection_refresh"),
        (SecretKind::BrokerRefresh, "broker_refresh"),
    ] {
        let id = format!("{name}/x/refresh");
        let item = VaultItem { id: &id, kind, label: "Tessera — crash test" };
        store.put_secret(&vault, item, &Sensitive::new(value_for(1)), 0).await.unwrap();
        let old = store.keychain_items(&id).await.unwrap().remove(0);
        // What a crash leaves: the intent recorded and the next item written, no switch.
        let next = format!("{id}~9");
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join(tessera_core::store::DB_FILE).display()))
            .await
            .unwrap();
        sqlx::query("UPDATE vault_items SET next_item = ?, generation = 9 WHERE id = ?")
            .bind(&next)
            .bind(&id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        vault.put_new(&next, "Tessera — crash test", &Sensitive::new(value_for(2))).await.unwrap();
        store.recover(&vault).await.unwrap();
        let kept = store.get_secret(&vault, &id).await.unwrap();
        assert_eq!(kept.expose(), &value_for(2), "{kind:?}");
        assert_eq!(store.keychain_items(&id).await.unwrap().len(), 1, "{kind:?}");
        assert!(!vault.contains(&old).await.unwrap(), "{kind:?}: {old} left behind");

        // A next item never written whole (no header): rolled back, the committed value kept.
        let committed = store.get_secret(&vault, &id).await.unwrap().expose().clone();
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join(tessera_core::store::DB_FILE).display()))
            .await
            .unwrap();
        sqlx::query("UPDATE vault_items SET next_item = ?, generation = 20 WHERE id = ?")
            .bind(format!("{id}~20"))
            .bind(&id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        store.recover(&vault).await.unwrap();
        assert_eq!(store.get_secret(&vault, &id).await.unwrap().expose(), &committed, "{kind:?}");
        store.delete_secret(&vault, &id).await.unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}
