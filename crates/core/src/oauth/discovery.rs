//! Discovery, as the broker and the hospitals share it: a server's SMART configuration
//! (`{base}/.well-known/smart-configuration`, which carries its OAuth endpoints) fetched only from an https base
//! (or loopback), and read defensively — endpoints only on the base's own origin, lists only of text. What each
//! party requires of it is the party's own (`broker::discover`, `hospital::endpoints`).

use crate::base::http::{normalise_base, same_origin, Answer, Http, Party};
use crate::Result;
use serde_json::Value;

/// Fetches the SMART configuration of the server at `base` (refused before anything is sent unless https or
/// loopback). The answer is returned as it came: what a status means is the party's.
pub async fn fetch(http: &Http, party: Party, base: &str) -> Result<Answer> {
    normalise_base(base)?;
    http.get(party, &format!("{base}/.well-known/smart-configuration"), None).await
}

/// A SMART configuration of the server at `base`, read member by member; a member of the wrong type counts as
/// absent.
#[derive(Debug, Clone, Copy)]
pub struct Metadata<'a> {
    base: &'a str,
    json: &'a Value,
}

impl<'a> Metadata<'a> {
    /// The configuration `json` published by the server at `base`.
    pub fn new(base: &'a str, json: &'a Value) -> Self {
        Self { base, json }
    }

    /// A text member.
    pub fn text(&self, name: &str) -> Option<&'a str> {
        self.json.get(name).and_then(Value::as_str)
    }

    /// The text items of a list member (none when it is not a list).
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.json
            .get(name)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default()
    }

    /// Whether a list member holds `item`.
    pub fn lists(&self, name: &str, item: &str) -> bool {
        self.json.get(name).and_then(Value::as_array).is_some_and(|items| items.iter().any(|v| v == item))
    }

    /// Whether a member is `true`.
    pub fn flag(&self, name: &str) -> bool {
        self.json.get(name) == Some(&Value::Bool(true))
    }

    /// An endpoint: `None` when absent (or not text); refused, with the reason, when it is not on the base's
    /// origin (another host, port or scheme — a token or an assertion sent there would leave the server).
    pub fn endpoint(&self, name: &str) -> std::result::Result<Option<String>, String> {
        match self.text(name) {
            Some(url) if same_origin(self.base, url) => Ok(Some(url.to_string())),
            Some(_) => Err(format!("{name} points at another origin")),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_are_kept_only_on_the_servers_origin() {
        let config = json!({
            "token_endpoint": "https://h.example/token",
            "registration_endpoint": "https://evil.example/register",
            "revocation_endpoint": 443,
            "grant_types_supported": ["a", 1, "b"],
            "flag": true,
        });
        let metadata = Metadata::new("https://h.example/fhir", &config);
        assert_eq!(metadata.endpoint("token_endpoint"), Ok(Some("https://h.example/token".into())));
        assert!(metadata.endpoint("registration_endpoint").is_err());
        assert_eq!(metadata.endpoint("revocation_endpoint"), Ok(None));
        assert_eq!(metadata.endpoint("authorization_endpoint"), Ok(None));
        assert_eq!(metadata.strings("grant_types_supported"), ["a", "b"]);
        assert!(metadata.lists("grant_types_supported", "b") && !metadata.lists("flag", "b"));
        assert!(metadata.flag("flag") && !metadata.flag("token_endpoint"));
    }
}
