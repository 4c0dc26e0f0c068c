//! What a trust broker is called on screen: the name its own metadata gives (`organization.name`, else
//! `organization_name`, in its SMART configuration; kept at sign-in), else "your trust broker" — never its address.

use crate::base::text::{plain, MAX_NAME};
use crate::store::rows::BrokerRow;
use serde_json::Value;
use std::collections::HashMap;

/// How a broker that gives no name is called.
pub const UNNAMED: &str = "your trust broker";

/// The names of the brokers signed in with, by issuer.
#[derive(Debug, Clone, Default)]
pub struct IssuerNames(HashMap<String, String>);

impl IssuerNames {
    /// The names the `brokers` gave.
    pub fn new(brokers: &[BrokerRow]) -> Self {
        Self(brokers.iter().filter_map(|b| Some((b.url.clone(), b.name.clone()?))).collect())
    }

    /// What to call `issuer`: its name, else [`UNNAMED`].
    pub fn of(&self, issuer: &str) -> String {
        self.0.get(issuer.trim_end_matches('/')).cloned().unwrap_or_else(|| UNNAMED.to_string())
    }
}

/// What to call `broker`: its name, else [`UNNAMED`].
pub fn called(broker: &BrokerRow) -> String {
    broker.name.clone().unwrap_or_else(|| UNNAMED.to_string())
}

/// The name a broker's SMART configuration gives itself, cleaned and capped.
pub(crate) fn from_metadata(config: &Value) -> Option<String> {
    ["/organization/name", "/organization_name"]
        .iter()
        .find_map(|pointer| config.pointer(pointer).and_then(Value::as_str).and_then(|n| plain(n, MAX_NAME)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn broker(url: &str, name: Option<&str>) -> BrokerRow {
        BrokerRow {
            url: url.into(),
            client_id: "c".into(),
            token_endpoint: format!("{url}/token"),
            revocation_endpoint: None,
            management_endpoint: None,
            name: name.map(String::from),
        }
    }

    #[test]
    fn a_broker_is_called_by_the_name_it_gives_else_your_trust_broker_never_its_address() {
        let names = IssuerNames::new(&[
            broker("http://127.0.0.1:4000", Some("Lakeside Trust Broker")),
            broker("https://other.example", None),
        ]);
        assert_eq!(names.of("http://127.0.0.1:4000/"), "Lakeside Trust Broker");
        assert_eq!(names.of("https://other.example"), UNNAMED);
        assert_eq!(names.of("https://never.example"), UNNAMED);
    }

    #[test]
    fn the_name_comes_from_the_organization_cleaned() {
        assert_eq!(from_metadata(&json!({ "organization": { "name": "Lakeside" } })).as_deref(), Some("Lakeside"));
        assert_eq!(from_metadata(&json!({ "organization_name": "A\u{1b}[2JB" })).as_deref(), Some("A[2JB"));
        assert_eq!(from_metadata(&json!({ "organization_name": "   " })), None);
        assert_eq!(from_metadata(&json!({ "organization_name": 7 })), None);
        assert_eq!(from_metadata(&json!({})), None);
    }
}
