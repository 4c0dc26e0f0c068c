//! Every command over IPC on Tauri's mock runtime (no window, no display), against the test network on loopback.
//! The tests that need the keychain are `#[ignore]`d and run by `scripts/test.sh` inside a private gnome-keyring.

use crate::AppState;
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::Manager;
use tessera_core::broker::Browser;
use tessera_testbed::{demo, Testbed};

struct Ipc {
    window: tauri::WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
}

impl Ipc {
    fn start(profile_dir: &std::path::Path, browser: Browser) -> Self {
        let profile = tessera_core::Profile::open(Some(profile_dir)).unwrap();
        let app = mock_builder()
            .plugin(tauri_plugin_dialog::init())
            .manage(AppState::new(profile))
            .invoke_handler(super::handler())
            .build(mock_context(noop_assets()))
            .unwrap();
        let _ = app.state::<AppState>().browser.set(browser);
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        Self { window, _app: app }
    }

    fn call(&self, command: &str, args: Option<Value>) -> Result<Value, Value> {
        call(&self.window, command, args)
    }

    fn ok(&self, command: &str, args: Option<Value>) -> Value {
        self.call(command, args).unwrap_or_else(|e| panic!("{command} failed: {e}"))
    }
}

/// Calls `command` with `args` (the command's `args` object, or nothing) as the window would.
fn call(window: &tauri::WebviewWindow<MockRuntime>, command: &str, args: Option<Value>) -> Result<Value, Value> {
    let body = args.map(|a| json!({ "args": a })).unwrap_or_else(|| json!({}));
    {
        get_ipc_response(
            window,
            tauri::webview::InvokeRequest {
                cmd: command.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: tauri::test::INVOKE_KEY.to_string(),
            },
        )
        .map(|response| response.deserialize::<Value>().unwrap())
    }
}

/// What the locked-wallet test fills every command's arguments with: things that exist, so that only the lock can
/// be the reason for a refusal.
struct Example<'a> {
    person: &'a str,
    hospital: &'a str,
    grant: &'a str,
    broker: &'a str,
}

impl Example<'_> {
    /// The `args` object of `command`; a command with arguments that is not listed here fails the test (list it).
    fn args_of(&self, command: &str) -> Value {
        let (person, hospital, grant, broker) = (self.person, self.hospital, self.grant, self.broker);
        match command {
            "sign_in" => json!({ "broker": broker }),
            "open_record" => json!({ "person": person, "refresh": true }),
            "retry_hospital" | "confirm_patient" | "sign_in_at_portal" => {
                json!({ "person": person, "hospital": hospital })
            }
            "export_record" => json!({ "person": person, "items": [] }),
            "confirm_portal_person" | "cancel_portal_sign_in" => json!({ "id": "a-sign-in" }),
            "add_hospital" => json!({ "address": hospital }),
            "import_brands" => json!({ "url": format!("{broker}/brands.json") }),
            "remove_hospital" => json!({ "hospital": hospital }),
            "grant_detail" | "preview_revocation" | "revoke_grant" => json!({ "id": grant }),
            "list_activity" => json!({ "filter": {} }),
            "export_activity" => json!({ "filter": {}, "format": "csv" }),
            "unlock_wallet" => json!({ "passphrase": null }),
            "set_passphrase" => json!({ "current": null, "new": "a long passphrase" }),
            "turn_passphrase_off" => json!({ "current": null }),
            "save_settings" => {
                json!({ "settings": { "lock_after_minutes": 5, "lock_on_sleep": false, "notifications": true } })
            }
            "sign_out" => json!({ "broker": broker }),
            other => panic!("{other} takes arguments: add an example of them to Example::args_of"),
        }
    }
}

fn scratch(label: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tessera-ipc-{label}-{}", std::process::id()))
}

#[test]
fn wallet_status_answers_over_ipc_with_the_profile_name() {
    let dir = scratch("status");
    let ipc = Ipc::start(&dir, Browser::Fetch);
    let status = ipc.ok("wallet_status", None);
    assert_eq!(status["profile"], dir.file_name().unwrap().to_str().unwrap());
    assert_eq!(status["state"], "empty");
    let failure = ipc.call("open_record", Some(json!({ "person": "nobody", "refresh": false }))).unwrap_err();
    assert!(failure["code"].is_string() && failure["message"].is_string() && failure["action"].is_string());
    drop(ipc);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
#[ignore = "needs a Secret Service; run by scripts/test.sh inside a private gnome-keyring"]
fn every_command_answers_over_ipc_against_the_demo_network() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let network = runtime.block_on(Testbed::start(demo::config(true))).unwrap();
    let broker = network.manifest.broker.clone();
    let dir = scratch("commands");
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::env::set_var("TESSERA_EXPORT_DIR", &exports);
    let ipc = Ipc::start(&dir.join("profile"), Browser::Fetch);

    assert_eq!(ipc.ok("known_brokers", None), json!([]));
    let login = ipc.ok("sign_in", Some(json!({ "broker": broker })));
    assert_eq!(login["tickets"].as_array().unwrap().len(), 1, "{login}");
    assert_eq!(ipc.ok("known_brokers", None), json!([broker]));
    assert_eq!(ipc.ok("cancel_sign_in", None), Value::Null, "nothing to cancel is not an error");

    let people = ipc.ok("list_people", None);
    assert_eq!(people[0]["name"], "Harold Washington");
    assert_eq!(people[0]["authority"], "healthcare power of attorney");
    assert_eq!((people[0]["hospitals"].as_u64(), people[0]["connected"].as_u64()), (Some(6), Some(0)));
    let harold = people[0]["id"].as_str().unwrap().to_string();
    let tickets = ipc.ok("list_tickets", None);
    assert_eq!(tickets[0]["status"], "active");
    // The broker is called by the name its metadata gives, on every view that names it.
    assert_eq!(tickets[0]["description"]["issuer"], demo::BROKER_NAME);
    let grants = ipc.ok("list_grants", None);
    assert!(grants.as_array().unwrap().iter().all(|g| g["issuer"] == demo::BROKER_NAME), "{grants}");

    let record = ipc.ok("open_record", Some(json!({ "person": harold, "refresh": false })));
    let status_of = |record: &Value, index: usize| {
        let url = &network.manifest.hospitals[index].fhir_base_url;
        record["hospitals"].as_array().unwrap().iter().find(|h| &h["fhir_base_url"] == url).unwrap()["status"].clone()
    };
    assert_eq!(status_of(&record, demo::DOWN), "failed");
    assert_eq!(status_of(&record, demo::CONFIRM), "needs_confirmation", "never opened in bulk");
    assert_eq!(status_of(&record, 0), "connected");
    assert!(record["missing"].to_string().contains("Not read yet from"), "{}", record["missing"]);
    let first_read = record["read_at"].clone();
    assert!(record["items"][0].get("resources").is_none(), "raw FHIR never crosses IPC");

    // Within the record's age, opening again reads nothing new; Refresh reads again.
    let again = ipc.ok("open_record", Some(json!({ "person": harold, "refresh": false })));
    assert_eq!(again["read_at"], first_read);
    assert_eq!(again["items"], record["items"]);

    let confirm = &network.manifest.hospitals[demo::CONFIRM].fhir_base_url;
    let confirmed = ipc.ok("confirm_patient", Some(json!({ "person": harold, "hospital": confirm })));
    assert_eq!(status_of(&confirmed, demo::CONFIRM), "connected");
    let down = &network.manifest.hospitals[demo::DOWN].fhir_base_url;
    let still_down = ipc.ok("retry_hospital", Some(json!({ "person": harold, "hospital": down })));
    assert_eq!(status_of(&still_down, demo::DOWN), "failed");
    let up =
        runtime.block_on(reqwest::Client::new().post(format!("{broker}/testbed/hospitals/{}/up", demo::DOWN)).send());
    assert_eq!(up.unwrap().status(), 200);
    let retried = ipc.ok("retry_hospital", Some(json!({ "person": harold, "hospital": down })));
    assert!(
        retried["hospitals"].as_array().unwrap().iter().all(|h| h["status"] == "connected"),
        "{}",
        retried["hospitals"]
    );
    assert!(retried["items"].as_array().unwrap().len() >= record["items"].as_array().unwrap().len());
    assert_eq!(ipc.ok("list_people", None)[0]["connected"], 6);

    let shown: Vec<Value> = retried["items"].as_array().unwrap().iter().take(3).map(|i| i["id"].clone()).collect();
    let sources: usize =
        retried["items"].as_array().unwrap().iter().take(3).map(|i| i["sources"].as_array().unwrap().len()).sum();
    let export = ipc.ok("export_record", Some(json!({ "person": harold, "items": shown })));
    assert_eq!((export["saved"].as_bool(), export["resources"].as_u64()), (Some(true), Some(sources as u64)));
    let file = exports.join(export["file_name"].as_str().unwrap());
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(bundle["entry"].as_array().unwrap().len(), sources);

    let refreshed = ipc.ok("open_record", Some(json!({ "person": harold, "refresh": true })));
    assert!(refreshed["hospitals"].as_array().unwrap().iter().all(|h| h["status"] == "connected"));

    let directory = ipc.ok("list_hospitals", None);
    assert_eq!(directory.as_array().unwrap().len(), demo::SITES);
    assert!(directory
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["status"] == "connected" && h["people"] == json!(["Harold Washington"])));
    ipc.ok("remove_hospital", Some(json!({ "hospital": network.manifest.hospitals[0].fhir_base_url })));
    let added = ipc.ok("add_hospital", Some(json!({ "address": network.manifest.hospitals[0].fhir_base_url })));
    assert_eq!(added["name"], network.manifest.hospitals[0].name.as_str(), "named by the hospital, not host:port");
    let imported = ipc.ok("import_brands", Some(json!({ "url": format!("{broker}/brands.json") })));
    assert_eq!(imported.as_array().unwrap().len(), demo::SITES);
    let refused = ipc.call("add_hospital", Some(json!({ "address": "not an address" }))).unwrap_err();
    assert_eq!(refused["code"], "input.invalid");

    // Activity: filtered, hospital names, exported.
    let reads = ipc.ok("list_activity", Some(json!({ "filter": { "kind": "records_read", "person": harold } })));
    let reads = reads.as_array().unwrap();
    assert!(reads.len() >= demo::SITES && reads.iter().all(|e| e["kind"] == "records_read"), "{reads:?}");
    assert!(reads.iter().all(|e| !e["hospital"].as_str().unwrap().contains("127.0.0.1")), "names, not addresses");
    let exported = ipc.ok("export_activity", Some(json!({ "filter": {}, "format": "csv" })));
    let csv = std::fs::read_to_string(exports.join(exported["file_name"].as_str().unwrap())).unwrap();
    assert!(csv.starts_with("time,kind,what,hospital,grant,outcome,detail\n") && !csv.contains("Harold"), "{csv}");

    // Settings and About.
    assert_eq!(ipc.ok("load_settings", None)["lock_after_minutes"], 15);
    let saved = ipc.ok(
        "save_settings",
        Some(json!({ "settings": { "lock_after_minutes": 5, "lock_on_sleep": false, "notifications": true } })),
    );
    assert_eq!((saved["lock_after_minutes"].as_u64(), ipc.ok("load_settings", None)), (Some(5), saved.clone()));
    assert_eq!(ipc.ok("about_tessera", None)["version"], env!("CARGO_PKG_VERSION"));

    // Lock: every command in the list is called while locked and held to its mark — the few marked
    // `answers_while_locked` answer, every other one refuses with `wallet.locked` — and none of them unlocks it.
    let grant = ipc.ok("list_grants", None)[0]["id"].as_str().unwrap().to_string();
    let hospital = network.manifest.hospitals[0].fhir_base_url.clone();
    ipc.ok("lock_wallet", None);
    assert_eq!(ipc.ok("wallet_status", None)["state"], "locked");
    let example = Example { person: &harold, hospital: &hospital, grant: &grant, broker: &broker };
    for spec in super::contract().into_iter().filter(|spec| spec.name != "unlock_wallet") {
        let answer = ipc.call(spec.name, spec.args_type.as_ref().map(|_| example.args_of(spec.name)));
        let refused = answer.as_ref().err().is_some_and(|error| error["code"] == "wallet.locked");
        assert_eq!(refused, !spec.answers_while_locked, "{} while locked answered {answer:?}", spec.name);
        assert_eq!(ipc.ok("wallet_status", None)["state"], "locked", "{} unlocked the wallet", spec.name);
    }
    assert_eq!(ipc.ok("load_settings", None)["lock_after_minutes"], 5, "settings read while locked");
    ipc.ok("unlock_wallet", Some(json!({ "passphrase": null })));
    assert_eq!(ipc.ok("wallet_status", None)["state"], "ready");

    // A passphrase: chosen once, then unlocking needs it (a wrong one is refused with its own code).
    assert_eq!(ipc.ok("wallet_status", None)["protection"], "unset");
    let short = ipc.call("set_passphrase", Some(json!({ "current": null, "new": "short" }))).unwrap_err();
    assert_eq!(short["code"], "passphrase.too_short");
    ipc.ok("set_passphrase", Some(json!({ "current": null, "new": "a long passphrase" })));
    assert_eq!(ipc.ok("wallet_status", None)["protection"], "passphrase");
    ipc.ok("lock_wallet", None);
    let wrong = ipc.call("unlock_wallet", Some(json!({ "passphrase": "a wrong passphrase" }))).unwrap_err();
    assert_eq!(wrong["code"], "wallet.passphrase_wrong");
    assert_eq!(
        ipc.call("unlock_wallet", Some(json!({ "passphrase": null }))).unwrap_err()["code"],
        "wallet.passphrase_wrong"
    );
    assert_eq!(ipc.call("list_people", None).unwrap_err()["code"], "wallet.locked", "still locked");
    ipc.ok("unlock_wallet", Some(json!({ "passphrase": "a long passphrase" })));
    ipc.ok("turn_passphrase_off", Some(json!({ "current": "a long passphrase" })));
    assert_eq!(ipc.ok("wallet_status", None)["protection"], "off");

    let grants = ipc.ok("list_grants", None);
    let ticket = grants.as_array().unwrap().iter().find(|g| g["kind"] == "ticket").unwrap()["id"].clone();
    let detail = ipc.ok("grant_detail", Some(json!({ "id": ticket })));
    assert_eq!(detail["end_action"], "End your access");
    assert_eq!(detail["used"].as_array().unwrap().len(), demo::SITES, "{detail}");
    assert!(detail["description"]["headline"].as_str().unwrap().contains("Harold Washington"));
    let preview = ipc.ok("preview_revocation", Some(json!({ "id": ticket })));
    assert!(preview.as_array().unwrap().iter().all(|s| s["state"] == "planned"));
    assert!(preview.to_string().contains("every hospital refuses it"), "{preview}");
    let steps = ipc.ok("revoke_grant", Some(json!({ "id": ticket })));
    assert!(steps.as_array().unwrap().iter().all(|s| s["state"] == "done"), "{steps}");
    assert_eq!(ipc.ok("retry_revocations", None), 0);
    // The proof: the broker's status list marks Margaret's grant revoked, which every hospital checks.
    let margaret = &network.manifest.people[0].id;
    let hers: Vec<_> =
        network.broker.grants().into_iter().filter(|g| g.requester_id.as_deref() == Some(margaret.as_str())).collect();
    assert!(!hers.is_empty() && hers.iter().all(|g| g.revoked && network.broker.is_revoked_index(g.status_index)));

    // Signing in again brings a new grant; signing out revokes the broker's refresh token and forgets the broker.
    ipc.ok("sign_in", Some(json!({ "broker": broker })));
    ipc.ok("sign_out", Some(json!({ "broker": broker })));
    assert_eq!(ipc.ok("known_brokers", None), json!([]));

    drop(ipc);
    runtime.block_on(network.stop());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[ignore = "needs a Secret Service; run by scripts/test.sh inside a private gnome-keyring"]
fn a_sign_in_waiting_for_the_browser_can_be_cancelled_and_the_demo_network_starts_in_the_app() {
    let dir = scratch("cancel");
    // The in-app demo network asks a person to consent; a "browser" that opens nothing leaves the sign-in waiting.
    let ipc = Ipc::start(&dir, Browser::Command("true".into()));
    let demo = ipc.ok("start_demo_network", None);
    assert_eq!(demo["hospitals"], demo::SITES as u64);
    assert_eq!(ipc.ok("start_demo_network", None), demo, "started once");
    let waiting = {
        let window = ipc.window.clone();
        let broker = demo["broker"].clone();
        std::thread::spawn(move || call(&window, "sign_in", Some(json!({ "broker": broker }))))
    };
    std::thread::sleep(std::time::Duration::from_millis(1500));
    ipc.ok("cancel_sign_in", None);
    let cancelled = waiting.join().unwrap().unwrap_err();
    assert_eq!(cancelled["code"], "signin.cancelled");
    assert_eq!(ipc.ok("wallet_status", None)["state"], "empty", "nothing was kept");
    let _ = std::fs::remove_dir_all(dir);
}
