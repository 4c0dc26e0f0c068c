//! Crash consistency across the keychain and SQLite: a child process writes a long series of grants (chunked
//! keychain items + index rows) and is killed with SIGKILL at random points, many times. After each kill, opening
//! the store recovers: every grant the child reported committed is intact, nothing is half-written, and no keychain
//! item is left that the index does not reference. Needs a Secret Service (`scripts/with-keyring.sh`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use tessera_core::store::Store;
use tessera_core::vault::Vault;
use tessera_core::{OsRandom, Random, Sensitive};

const CHILD_ENV: &str = "TESSERA_CRASH_CHILD_DIR";
const NAMESPACE_ENV: &str = "TESSERA_CRASH_CHILD_NAMESPACE";

fn value_for(i: usize) -> String {
    format!("{i}:").repeat(80) // several chunks with the small chunk limit below
}

/// The child: writes grants forever, printing each index once it is committed.
#[tokio::test]
#[ignore = "run by crash_recovery_keeps_every_committed_grant"]
async fn crash_child_writer() {
    let (Ok(dir), Ok(namespace)) = (std::env::var(CHILD_ENV), std::env::var(NAMESPACE_ENV)) else { return };
    let store = Store::open(std::path::Path::new(&dir)).await.unwrap();
    let vault = Vault::new(namespace).with_chunk_limit(64);
    let start = store.tickets().await.unwrap().len();
    for i in start.. {
        let item = format!("ticket/{i}");
        store
            .put_secret(&vault, &item, "ticket", "Tessera — crash test", &Sensitive::new(value_for(i)), 0)
            .await
            .unwrap();
        store.save_ticket(&format!("t{i}"), "http://broker", &item, "p", 0, 0).await.unwrap();
        println!("committed {i}");
    }
}

#[tokio::test]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn crash_recovery_keeps_every_committed_grant() {
    let dir = std::env::temp_dir().join(format!("tessera-crash-{}", OsRandom.token(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let namespace = format!("tessera-crash:{}", OsRandom.token(6));
    let vault = Vault::new(namespace.clone());
    let mut committed: i64 = -1;
    for round in 0..8 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child_writer", "--ignored", "--nocapture", "--test-threads", "1"])
            .env(CHILD_ENV, &dir)
            .env(NAMESPACE_ENV, &namespace)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stop_after = 1 + OsRandom.below(4) as usize;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while seen < stop_after {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(n) = line.strip_prefix("committed ") {
                committed = committed.max(n.trim().parse().unwrap());
                seen += 1;
            }
        }
        // Let it get somewhere inside the next write, then SIGKILL.
        std::thread::sleep(std::time::Duration::from_millis(OsRandom.below(40)));
        child.kill().unwrap();
        let _ = child.wait();

        let store = Store::open(&dir).await.unwrap();
        store.recover(&vault).await.unwrap();
        let tickets = store.tickets().await.unwrap();
        assert!(tickets.len() as i64 > committed, "round {round}: lost committed grants");
        for (id, item) in &tickets {
            let i: usize = id.trim_start_matches('t').parse().unwrap();
            assert_eq!(vault.get(item).await.unwrap().expose(), &value_for(i), "round {round}: {id} damaged");
        }
        // No orphan: the next index is either fully committed (listed above) or absent, chunks included.
        let next = format!("ticket/{}", tickets.len());
        assert!(!vault.contains(&next).await.unwrap(), "round {round}: orphan header");
        assert!(!vault.contains(&format!("{next}#1")).await.unwrap(), "round {round}: orphan chunk");
        assert!(store.committed_items("ticket").await.unwrap().len() == tickets.len(), "round {round}: index mismatch");
    }
    let store = Store::open(&dir).await.unwrap();
    for (_, item) in store.tickets().await.unwrap() {
        store.delete_secret(&vault, &item).await.unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}
