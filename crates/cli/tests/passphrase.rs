//! The unlock passphrase from the command line, against the testbed: once set, every command but `status` needs it
//! (from `TESSERA_PASSPHRASE`, as a script gives it; there is no terminal here to type it), a wrong one is refused
//! with its code and unlocks nothing, and `passphrase off` needs the right one. Needs a Secret Service
//! (`scripts/with-keyring.sh`).

mod support;

use support::{tessera, tessera_with};
use tessera_testbed::{Config, Testbed};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: scripts/with-keyring.sh"]
async fn once_a_passphrase_is_set_every_command_needs_it_and_a_wrong_one_opens_nothing() {
    let tb = Testbed::start(Config { sites: 2, seed: 27, ..Config::default() }).await.unwrap();
    let home = std::env::temp_dir().join(format!("tessera-passphrase-{}", std::process::id()));
    let caregiver = tb.manifest.people[0].clone();
    let browser = "curl -s -L -o /dev/null";
    let (ok, login) = tessera(
        &home,
        &["login", "--broker", &tb.manifest.broker, "--browser", browser, "--login-hint", &caregiver.id],
    );
    assert!(ok, "{login}");
    let (_, status) = tessera(&home, &["status"]);
    assert_eq!(status["protection"], "unset", "{status}");

    // Too short is refused and nothing changes.
    let (ok, short) = tessera_with(&home, &[("TESSERA_NEW_PASSPHRASE", "short")], &["passphrase", "set"]);
    assert!(!ok && short["error"]["code"] == "passphrase.too_short", "{short}");
    let (ok, _) = tessera(&home, &["people"]);
    assert!(ok, "no passphrase yet: people answers without one");

    let garden = "margaret's garden";
    let (ok, set) = tessera_with(&home, &[("TESSERA_NEW_PASSPHRASE", garden)], &["passphrase", "set"]);
    assert!(ok && set["protection"] == "passphrase", "{set}");
    let (_, status) = tessera(&home, &["status"]);
    assert_eq!(status["protection"], "passphrase", "status answers without the passphrase: {status}");

    // Without it (no terminal to type it), or with a wrong one, nothing about anyone answers.
    let (ok, none) = tessera(&home, &["people"]);
    assert!(!ok && none["error"]["code"] == "wallet.passphrase_wrong", "{none}");
    let (ok, wrong) = tessera_with(&home, &[("TESSERA_PASSPHRASE", "margaret's gardens")], &["people"]);
    assert!(!ok && wrong["error"]["code"] == "wallet.passphrase_wrong", "{wrong}");
    assert!(wrong.get("people").is_none(), "a wrong passphrase shows no one: {wrong}");
    let (ok, people) = tessera_with(&home, &[("TESSERA_PASSPHRASE", garden)], &["people"]);
    assert!(ok, "{people}");
    assert_eq!(people["people"].as_array().map(Vec::len), Some(1), "{people}");

    // Turning it off needs the right one; afterwards commands answer without it.
    let (ok, refused) = tessera_with(&home, &[("TESSERA_PASSPHRASE", "guess")], &["passphrase", "off"]);
    assert!(!ok && refused["error"]["code"] == "wallet.passphrase_wrong", "{refused}");
    let (ok, off) = tessera_with(&home, &[("TESSERA_PASSPHRASE", garden)], &["passphrase", "off"]);
    assert!(ok && off["protection"] == "off", "{off}");
    let (ok, people) = tessera(&home, &["people"]);
    assert!(ok, "{people}");
    let _ = std::fs::remove_dir_all(&home);
}
