//! `portal-clients.json` in the profile folder: the client ids a person (or their IT department) configured for
//! patient portals that do not offer RFC 7591 registration — real EHRs register apps through their vendor. The
//! format (documented in the README):
//!
//! ```json
//! {
//!   "hospitals": {
//!     "https://fhir.hospital.example/r4": "client-id-for-this-hospital",
//!     "https://ehr.clinic.example/fhir": { "client_id": "another-id", "auth": "private_key_jwt" }
//!   },
//!   "issuers": {
//!     "https://auth.vendor.example": "client-id-for-every-hospital-of-this-vendor"
//!   }
//! }
//! ```
//!
//! `hospitals` is keyed by FHIR base URL, `issuers` by the authorization server's issuer (the hospital's SMART
//! configuration `issuer`), which is how one EHR vendor's client id covers all its hospitals. A value is the
//! client id of a public client (PKCE is its proof), or an object whose `auth` says `none` (the same) or
//! `private_key_jwt` (the vendor registered this install's key). A hospital entry wins over an issuer entry.

use crate::base::http::normalise_base;
use crate::vault::identity::{ClientAuth, Identity};
use crate::{Clock, Random};
use crate::{Error, ErrorCode, Result};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// The file's name in the profile folder.
pub const FILE: &str = "portal-clients.json";
/// The largest file read (a few hundred entries fit many times over).
const MAX_BYTES: u64 = 1024 * 1024;

/// A client id configured for a portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredClient {
    /// The client id.
    pub client_id: String,
    /// Whether it authenticates with the install's key (`private_key_jwt`); otherwise it is a public client.
    pub private_key_jwt: bool,
}

/// The configured client ids, by hospital and by issuer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalClients {
    hospitals: HashMap<String, ConfiguredClient>,
    issuers: HashMap<String, ConfiguredClient>,
}

fn invalid(why: impl Into<String>) -> Error {
    let why = why.into();
    Error::new(ErrorCode::PortalConfigInvalid)
        .with_message(format!("Tessera cannot read {FILE} in your profile folder: {why}."))
        .with_detail(why)
}

/// One entry's value: a client id, or `{"client_id", "auth"}`.
fn client(name: &str, value: &Value) -> Result<ConfiguredClient> {
    let (client_id, auth) = match value {
        Value::String(id) => (Some(id.as_str()), None),
        Value::Object(entry) => {
            if let Some(other) = entry.keys().find(|k| !["client_id", "auth"].contains(&k.as_str())) {
                return Err(invalid(format!("the entry for {name} has an unknown member \"{other}\"")));
            }
            (entry.get("client_id").and_then(Value::as_str), Some(entry.get("auth").and_then(Value::as_str)))
        }
        _ => return Err(invalid(format!("the entry for {name} is neither a client id nor an object"))),
    };
    let client_id = client_id
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.len() <= 512)
        .ok_or_else(|| invalid(format!("the entry for {name} has no client_id")))?;
    let private_key_jwt = match auth {
        None | Some(Some("none")) => false,
        Some(Some("private_key_jwt")) => true,
        Some(_) => return Err(invalid(format!("the entry for {name} has an auth other than none or private_key_jwt"))),
    };
    Ok(ConfiguredClient { client_id: client_id.to_string(), private_key_jwt })
}

impl PortalClients {
    /// Reads the file's text. Any mistake (not JSON, an unknown member, an address that is not https, an entry
    /// without a client id) is `portal.config_invalid`, naming it.
    pub fn parse(text: &str) -> Result<Self> {
        let json: Value = serde_json::from_str(text).map_err(|e| invalid(format!("it is not JSON ({e})")))?;
        let Value::Object(members) = json else { return Err(invalid("it is not a JSON object")) };
        let mut clients = PortalClients::default();
        for (member, entries) in &members {
            if !["hospitals", "issuers"].contains(&member.as_str()) {
                return Err(invalid(format!("unknown member \"{member}\" (expected hospitals, issuers)")));
            }
            let Value::Object(entries) = entries else {
                return Err(invalid(format!("\"{member}\" is not an object")));
            };
            for (key, value) in entries {
                let url = normalise_base(key)
                    .map_err(|_| invalid(format!("\"{key}\" is not an https address (or loopback)")))?;
                let entry = client(key, value)?;
                if member == "hospitals" {
                    clients.hospitals.insert(url, entry);
                } else {
                    clients.issuers.insert(url, entry);
                }
            }
        }
        Ok(clients)
    }

    /// Reads `portal-clients.json` from the profile folder `dir`; none configured when there is no such file.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(invalid(format!("it cannot be opened ({})", e.kind()))),
        };
        let mut text = String::new();
        use std::io::Read;
        file.take(MAX_BYTES + 1).read_to_string(&mut text).map_err(|e| invalid(format!("it is not text ({e})")))?;
        if text.len() as u64 > MAX_BYTES {
            return Err(invalid("it is larger than a megabyte"));
        }
        Self::parse(&text)
    }

    /// The client configured for the hospital at `fhir_base_url`, whose authorization server is `issuer`: its own
    /// entry, else its issuer's.
    pub fn for_hospital(&self, fhir_base_url: &str, issuer: &str) -> Option<&ConfiguredClient> {
        let key = |url: &str| normalise_base(url).unwrap_or_else(|_| url.trim_end_matches('/').to_string());
        self.hospitals.get(&key(fhir_base_url)).or_else(|| self.issuers.get(&key(issuer)))
    }

    /// Whether nothing is configured.
    pub fn is_empty(&self) -> bool {
        self.hospitals.is_empty() && self.issuers.is_empty()
    }
}

/// Tessera's client at a portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortalClient {
    /// The client id.
    pub id: String,
    /// A public client (a configured id without a key).
    pub public: bool,
}

impl PortalClient {
    /// Its client authentication: the install's key, or the client id alone.
    pub fn auth<'a>(&'a self, identity: &'a Identity, clock: &'a dyn Clock, random: &'a dyn Random) -> ClientAuth<'a> {
        if self.public {
            ClientAuth::public(&self.id, clock, random)
        } else {
            identity.as_client(&self.id, clock, random)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hospitals_win_over_issuers_and_plain_ids_are_public_clients() {
        let clients = PortalClients::parse(
            r#"{
                "hospitals": {
                    "https://fhir.hospital.example/r4/": "h-1",
                    "https://ehr.clinic.example/fhir": { "client_id": "c-2", "auth": "private_key_jwt" }
                },
                "issuers": { "https://auth.vendor.example": { "client_id": "v-3", "auth": "none" } }
            }"#,
        )
        .unwrap();
        let public = ConfiguredClient { client_id: "h-1".into(), private_key_jwt: false };
        assert_eq!(
            clients.for_hospital("https://fhir.hospital.example/r4", "https://auth.vendor.example"),
            Some(&public)
        );
        let keyed = clients.for_hospital("https://ehr.clinic.example/fhir", "https://x.example").unwrap();
        assert_eq!((keyed.client_id.as_str(), keyed.private_key_jwt), ("c-2", true));
        let vendor = clients.for_hospital("https://other.example/fhir", "https://auth.vendor.example/").unwrap();
        assert_eq!((vendor.client_id.as_str(), vendor.private_key_jwt), ("v-3", false));
        assert_eq!(clients.for_hospital("https://other.example/fhir", "https://nobody.example"), None);
        assert!(PortalClients::parse("{}").unwrap().is_empty());
    }

    #[test]
    fn every_mistake_is_named_and_coded() {
        for (text, says) in [
            ("not json", "not JSON"),
            ("[]", "not a JSON object"),
            (r#"{"hospital": {}}"#, "unknown member \"hospital\""),
            (r#"{"hospitals": []}"#, "\"hospitals\" is not an object"),
            (r#"{"hospitals": {"http://ehr.example/fhir": "a"}}"#, "not an https address"),
            (r#"{"hospitals": {"https://ehr.example/fhir": ""}}"#, "has no client_id"),
            (r#"{"hospitals": {"https://ehr.example/fhir": 5}}"#, "neither a client id nor an object"),
            (
                r#"{"issuers": {"https://a.example": {"client_id": "x", "auth": "client_secret_basic"}}}"#,
                "an auth other",
            ),
            (r#"{"issuers": {"https://a.example": {"client_id": "x", "secret": "s"}}}"#, "unknown member \"secret\""),
        ] {
            let error = PortalClients::parse(text).unwrap_err();
            assert_eq!(error.code(), ErrorCode::PortalConfigInvalid, "{text}");
            assert!(error.message().contains(says), "{text}: {}", error.message());
        }
    }

    #[test]
    fn a_missing_file_configures_nothing_and_a_bad_one_is_reported() {
        let dir = std::env::temp_dir().join(format!("tessera-portal-clients-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(PortalClients::load(&dir).unwrap().is_empty());
        std::fs::write(dir.join(FILE), "{\"issuers\": {\"https://a.example\": \"x\"}}").unwrap();
        assert!(!PortalClients::load(&dir).unwrap().is_empty());
        std::fs::write(dir.join(FILE), "{").unwrap();
        assert_eq!(PortalClients::load(&dir).unwrap_err().code(), ErrorCode::PortalConfigInvalid);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
