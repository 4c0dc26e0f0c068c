//! Plays the person's browser for the pages Tessera opens: reads the URL Tessera handed to `TESSERA_BROWSER`,
//! loads the page, fills its form the way a person would (keeping the page's defaults) and submits it, then
//! follows the redirect back to Tessera's loopback listener.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// A `TESSERA_BROWSER` that records each URL Tessera asks to open, one per line.
pub struct RecordingBrowser {
    /// The script to pass as `TESSERA_BROWSER`.
    pub script: PathBuf,
    log: PathBuf,
}

impl RecordingBrowser {
    /// Writes the script into `dir`.
    pub fn new(dir: &Path) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let script = dir.join("browser.sh");
        let log = dir.join("opened-urls.txt");
        std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display())).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { script, log }
    }

    /// Waits for the `n`-th URL (1-based) Tessera opened.
    pub async fn nth_url(&self, n: usize) -> String {
        for _ in 0..300 {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Some(url) = text.lines().nth(n - 1) {
                return url.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("Tessera did not open a page in the browser (wanted page {n})");
    }
}

/// One `<input>`/`<option>` tag's attributes.
fn attributes(tag: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = tag.trim_start_matches('<').split_once(' ').map_or("", |(_, r)| r);
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic()) {
        rest = &rest[start..];
        let end = rest.find(|c: char| c == '=' || c.is_whitespace() || c == '>').unwrap_or(rest.len());
        let name = rest[..end].to_string();
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix("=\"") {
            let close = after.find('"').unwrap_or(after.len());
            out.push((name, Some(html_unescape(&after[..close]))));
            rest = &after[(close + 1).min(after.len())..];
        } else {
            out.push((name, None));
        }
    }
    out
}

fn html_unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The fields a browser would submit for the first form on `html`: hidden inputs, checked radios and checkboxes,
/// selected options; `choose` overrides radio groups and selects (name → value) the way a person picks another option.
pub fn form_fields(html: &str, choose: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    let form = &html[html.find("<form").expect("the page has a form")..];
    let action = attributes(&form[..form.find('>').unwrap()])
        .into_iter()
        .find(|(n, _)| n == "action")
        .and_then(|(_, v)| v)
        .expect("the form has an action");
    let mut fields = Vec::new();
    let mut select: Option<String> = None;
    for piece in form.split('<').skip(1) {
        let tag = format!("<{}", piece.split('>').next().unwrap_or(""));
        let attrs = attributes(&tag);
        let get = |name: &str| attrs.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.clone());
        let has = |name: &str| attrs.iter().any(|(n, _)| n == name);
        if tag.starts_with("<select") {
            select = get("name");
        } else if tag.starts_with("<option") {
            if let (Some(name), Some(value)) = (select.clone(), get("value")) {
                let picked = match choose.iter().find(|(n, _)| *n == name) {
                    Some((_, wanted)) => value == *wanted,
                    None => has("selected"),
                };
                if picked {
                    fields.push((name, value));
                }
            }
        } else if tag.starts_with("<input") {
            let (Some(name), value) = (get("name"), get("value").unwrap_or_default()) else { continue };
            let kind = get("type").unwrap_or_default();
            if let Some((_, wanted)) = choose.iter().find(|(n, _)| *n == name) {
                if kind == "radio" {
                    if value == *wanted {
                        fields.push((name, value));
                    }
                    continue;
                }
            }
            let submitted = match kind.as_str() {
                "radio" | "checkbox" => has("checked"),
                _ => true,
            };
            if submitted {
                fields.push((name, value));
            }
        }
    }
    (action, fields)
}

/// Opens `url` as the browser would, submits its form with `extra` fields (e.g. the button pressed) and radio
/// choices `choose`, and follows the answer's redirect back to Tessera. Returns the page Tessera's listener served.
pub async fn submit_page(url: &str, choose: &[(&str, &str)], extra: &[(&str, &str)]) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let page = http.get(url).send().await.expect("the page loads").text().await.unwrap();
    let (action, mut fields) = form_fields(&page, choose);
    fields.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    let target = url::Url::parse(url).unwrap().join(&action).unwrap();
    let answer = http.post(target).form(&fields).send().await.expect("the form posts");
    let back = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_else(|| panic!("the page did not send the browser back to Tessera: HTTP {}", answer.status()))
        .to_string();
    http.get(&back).send().await.expect("Tessera's listener answers").text().await.unwrap()
}

/// One page's form as a person fills it: the radio and select choices, and the extra fields (the button pressed).
pub type Form<'a> = (&'a [(&'a str, &'a str)], &'a [(&'a str, &'a str)]);

/// Like [`submit_page`] for a sign-in of several pages (a login page, then a patient picker): submits each page's
/// form in turn — `forms` gives each one's radio choices and extra fields — and
/// follows the last answer's redirect back to Tessera. Returns the page Tessera's listener served.
pub async fn submit_pages(url: &str, forms: &[Form<'_>]) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut page = http.get(url).send().await.expect("the page loads").text().await.unwrap();
    for (index, (choose, extra)) in forms.iter().enumerate() {
        let (action, mut fields) = form_fields(&page, choose);
        fields.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        let target = url::Url::parse(url).unwrap().join(&action).unwrap();
        let answer = http.post(target).form(&fields).send().await.expect("the form posts");
        if index + 1 < forms.len() {
            assert!(answer.status().is_success(), "page {} of the sign-in: HTTP {}", index + 1, answer.status());
            page = answer.text().await.unwrap();
            continue;
        }
        let back = answer
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_else(|| panic!("the page did not send the browser back to Tessera: HTTP {}", answer.status()))
            .to_string();
        return http.get(&back).send().await.expect("Tessera's listener answers").text().await.unwrap();
    }
    panic!("no form to submit")
}

#[test]
fn forms_are_filled_like_a_browser_would() {
    let html = r#"<form method="post" action="/authorize"><input type="hidden" name="request" value="r1">
<label><input type="radio" name="person" value="p1" checked> A</label><label><input type="radio" name="person" value="p2"> B</label>
<label><input type="checkbox" name="type" value="Condition" checked> x</label><label><input type="checkbox" name="sensitive" value="yes"> y</label>
<select name="days"><option value="30">30</option><option value="365" selected>1 year</option></select></form>"#;
    let (action, fields) = form_fields(html, &[("person", "p2")]);
    assert_eq!(action, "/authorize");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(pairs, [("request", "r1"), ("person", "p2"), ("type", "Condition"), ("days", "365")]);
    let (_, fields) = form_fields(html, &[("days", "30")]);
    assert!(
        fields.contains(&("days".to_string(), "30".to_string()))
            && fields.iter().filter(|f| f.0 == "days").count() == 1
    );
}
