//! Audits run inside the real window: accessibility (axe-core, injected through WebDriver) and the IPC leak
//! capture (every command result and event payload the window receives, recorded by `ui/src/lib/backend` when the
//! test asks for it).

use super::driver::{workspace_root, AppSession};

/// Fails when axe-core finds a serious or critical violation on the screen now shown; `screen` names it in the
/// failure. axe-core comes from the UI's dev dependencies (`ui/node_modules/axe-core`).
pub async fn assert_accessible(session: &AppSession, screen: &str) {
    let axe = std::fs::read_to_string(workspace_root().join("ui/node_modules/axe-core/axe.min.js"))
        .expect("axe-core is installed with the UI's npm packages");
    session.client.execute(&format!("{axe}\nreturn typeof window.axe;"), vec![]).await.expect("axe-core loads");
    let run = r#"
        const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ["violations"] }).then((result) => {
          const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
          done(JSON.stringify(bad.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ")) }))));
        }).catch((e) => done("axe failed: " + e));
    "#;
    let found = session.client.execute_async(run, vec![]).await.expect("axe-core runs");
    let found = found.as_str().unwrap_or_default().to_string();
    assert_eq!(found, "[]", "accessibility violations (serious or critical) on the {screen} screen: {found}");
}

/// Asks the window to record every command result and event payload from now on.
pub async fn start_ipc_capture(session: &AppSession) {
    session
        .client
        .execute("window.__TESSERA_IPC_CAPTURE__ = window.__TESSERA_IPC_CAPTURE__ || []; return true;", vec![])
        .await
        .expect("the capture starts");
}

/// Everything captured so far, as JSON text.
pub async fn captured_ipc(session: &AppSession) -> String {
    let text = session
        .client
        .execute("return JSON.stringify(window.__TESSERA_IPC_CAPTURE__ || []);", vec![])
        .await
        .expect("the capture is readable");
    text.as_str().unwrap_or_default().to_string()
}

/// What must never cross to the window, found in `text`: compact JWTs (tickets, client assertions), token and key
/// members, PKCE verifiers, PEM keys, raw FHIR resources.
pub fn ipc_leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for member in [
        "access_token",
        "refresh_token",
        "client_assertion",
        "code_verifier",
        "\"d\":",
        "-----BEGIN",
        "\"resourceType\"",
        "valueQuantity",
    ] {
        if text.contains(member) {
            found.push(member.to_string());
        }
    }
    // A compact JWS: base64url JSON header ("eyJ"), a dot, base64url payload, a dot.
    for (start, _) in text.match_indices("eyJ") {
        let rest = &text[start..];
        let segment =
            |s: &str| s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(s.len());
        let header = segment(rest);
        if header >= 10 && rest[header..].starts_with('.') {
            let payload = segment(&rest[header + 1..]);
            if payload >= 10 && rest[header + 1 + payload..].starts_with('.') {
                found.push(format!("a JWT starting {}", &rest[..16]));
            }
        }
    }
    found
}

#[test]
fn the_leak_detector_finds_planted_secrets_and_passes_clean_payloads() {
    let planted_ticket =
        r#"[{"kind":"response","payload":{"x":"eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2IifQ.sig"}}]"#;
    assert_eq!(ipc_leaks(planted_ticket).len(), 1);
    assert_eq!(ipc_leaks(r#"{"refresh_token":"abc"}"#), ["refresh_token"]);
    assert_eq!(ipc_leaks(r#"{"resource":{"resourceType":"Condition"}}"#), ["\"resourceType\""]);
    let clean =
        r#"[{"kind":"response","name":"people","payload":[{"name":"Harold Washington","born":"15 Jul 1943"}]}]"#;
    assert!(ipc_leaks(clean).is_empty());
}
