//! The patient-portal fallback: a hospital that takes no permission tickets yet but offers SMART App Launch's
//! standalone patient launch (as certified EHRs do) can still be read, through the hospital's own portal sign-in —
//! offered to the person, never started on its own. One job per module:
//!
//! - here: what a hospital's SMART configuration offers ([`offer`]), the scope asked for ([`scope`]), and the ids
//!   a portal connection is known by;
//! - [`clients`] — `portal-clients.json`, the client ids configured per hospital or per EHR vendor;
//! - [`matching`] — which known person the portal's patient is (name and birth date);
//! - [`connections`] — the kept connections, each with whom it is for;
//! - [`secret`] — what the keychain keeps for one connection (the refresh token and whom it is for);
//! - [`signin`] — the sign-in in the browser (through [`crate::oauth`]), filing the connection under its person;
//! - [`reading`] — each connect: refresh with rotation, read the records, mark them "via the patient portal";
//! - [`grants`] — the portal connection as a grant: listed, explained, ended (RFC 7009 where offered).

pub mod clients;
pub mod connections;
pub mod grants;
pub mod matching;
pub mod reading;
pub mod secret;
pub mod signin;
pub mod waiting;

use crate::base::ids::short_hash;
use crate::hospitals::exchange::TOKEN_EXCHANGE;
use crate::oauth::discovery::Metadata;
use crate::records::RESOURCE_TYPES;
use crate::ErrorView;

use serde_json::Value;
pub use signin::{PortalRequest, PortalSignIn, PortalSignInStatus};

/// What a hospital's SMART configuration offers for a patient-portal sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalOffer {
    /// The hospital's FHIR base URL (the `aud` of the sign-in).
    pub fhir_base_url: String,
    /// Its authorization server's issuer (the configuration's `issuer`, else the FHIR base's origin).
    pub issuer: String,
    /// Whether it promises RFC 9207 `iss` on every authorization response.
    pub iss_required: bool,
    /// The authorization endpoint.
    pub authorize: String,
    /// The token endpoint.
    pub token: String,
    /// RFC 7591 registration, if offered.
    pub register: Option<String>,
    /// RFC 7009 revocation, if offered.
    pub revoke: Option<String>,
    /// Its page for reviewing the apps a person allowed (`management_endpoint`), if named.
    pub manage: Option<String>,
    /// Whether it takes `private_key_jwt` client authentication (said, or not said otherwise).
    pub private_key_jwt: bool,
}

/// What `config`, the SMART configuration of the hospital at `fhir_base_url`, offers for a portal sign-in: `Some`
/// only when it takes no ticket (no RFC 8693 token exchange) but offers the standalone launch (`launch-standalone`)
/// with the authorization code grant, PKCE S256 and both endpoints on its own origin.
pub fn offer(fhir_base_url: &str, config: &Value) -> Option<PortalOffer> {
    let metadata = Metadata::new(fhir_base_url, config);
    let usable = !metadata.lists("grant_types_supported", TOKEN_EXCHANGE)
        && metadata.lists("grant_types_supported", "authorization_code")
        && metadata.lists("capabilities", "launch-standalone")
        && metadata.lists("code_challenge_methods_supported", "S256");
    if !usable {
        return None;
    }
    let endpoint = |name: &str| metadata.endpoint(name).ok().flatten();
    let methods = metadata.strings("token_endpoint_auth_methods_supported");
    let origin = url::Url::parse(fhir_base_url).ok()?.origin().ascii_serialization();
    Some(PortalOffer {
        fhir_base_url: fhir_base_url.to_string(),
        issuer: metadata.text("issuer").map(|i| i.trim_end_matches('/').to_string()).unwrap_or(origin),
        iss_required: metadata.flag("authorization_response_iss_parameter_supported"),
        authorize: endpoint("authorization_endpoint")?,
        token: endpoint("token_endpoint")?,
        register: endpoint("registration_endpoint"),
        revoke: endpoint("revocation_endpoint"),
        manage: metadata.text("management_endpoint").filter(|u| u.starts_with("https://")).map(String::from),
        private_key_jwt: methods.is_empty() || methods.iter().any(|m| m == "private_key_jwt"),
    })
}

/// The scope a portal sign-in asks for: the patient in context (`launch/patient`), who signed in (`openid
/// fhirUser`), access that lasts (`offline_access`), and exactly the record types Tessera reads, read and search
/// (SMART v2 `patient/<Type>.rs`) — plus reading the Patient resource itself, to file the connection under its
/// person.
pub fn scope() -> String {
    let mut scopes = vec!["launch/patient".to_string(), "openid".into(), "fhirUser".into(), "offline_access".into()];
    scopes.push("patient/Patient.r".into());
    for (resource_type, _) in RESOURCE_TYPES {
        let scope = format!("patient/{resource_type}.rs");
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.join(" ")
}

/// The grant id of the portal connection to a hospital for a person (one per hospital and person).
pub fn connection_id(fhir_base_url: &str, person: &str) -> String {
    format!("p-{}", short_hash(&[fhir_base_url, person]))
}

/// The keychain secret of that connection.
pub fn secret_item(id: &str) -> String {
    format!("portal/{id}/refresh")
}

/// "Emory's", "Atlanta Neurology Associates'": a name's possessive, for sentences.
pub fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// The keychain label of a portal connection's secret, readable in a keychain manager.
pub(crate) fn secret_label(patient: &str, hospital: &str) -> String {
    format!("Tessera — {} records at {hospital} (patient portal)", possessive(patient))
}

/// The one-way hash by which the index finds a person's portal connections without naming them.
pub(crate) fn person_ref(person: &str) -> String {
    short_hash(&["person", person])
}

/// A hospital line's "does not take permission tickets" when the hospital offers its own portal sign-in: the same
/// code (`hospital.unsupported`), in words that say what the person can do.
pub fn offered(error: ErrorView, hospital: &str) -> ErrorView {
    ErrorView {
        message: format!("{hospital} does not take permission tickets yet, but it has its own patient portal."),
        action: format!(
            "Sign in at {} patient portal to read the records there (the person's page has the button; \
             on the command line: tessera connect --portal URL --person ID).",
            possessive(hospital)
        ),
        ..error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn portal_config() -> Value {
        json!({
            "issuer": "https://ehr.example/",
            "authorization_endpoint": "https://ehr.example/portal/authorize",
            "token_endpoint": "https://ehr.example/auth/token",
            "registration_endpoint": "https://ehr.example/auth/register",
            "revocation_endpoint": "https://ehr.example/auth/revoke",
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "none"],
            "authorization_response_iss_parameter_supported": true,
            "capabilities": ["launch-standalone", "client-public", "permission-v2"],
        })
    }

    #[test]
    fn a_hospital_without_tickets_but_with_the_standalone_launch_offers_its_portal() {
        let base = "https://ehr.example/fhir";
        let offer = offer(base, &portal_config()).expect("offered");
        assert_eq!(offer.issuer, "https://ehr.example");
        assert!(offer.iss_required && offer.private_key_jwt);
        assert_eq!(offer.authorize, "https://ehr.example/portal/authorize");
        assert_eq!(offer.revoke.as_deref(), Some("https://ehr.example/auth/revoke"));

        let mut tickets = portal_config();
        tickets["grant_types_supported"] = json!(["authorization_code", TOKEN_EXCHANGE]);
        assert_eq!(super::offer(base, &tickets), None, "a hospital that takes tickets is reached with them");
        for (member, value) in [
            ("capabilities", json!(["launch-ehr"])),
            ("grant_types_supported", json!(["refresh_token"])),
            ("code_challenge_methods_supported", json!(["plain"])),
            ("authorization_endpoint", json!("https://elsewhere.example/authorize")),
            ("token_endpoint", Value::Null),
        ] {
            let mut config = portal_config();
            config[member] = value;
            assert_eq!(super::offer(base, &config), None, "{member}");
        }
        let mut public_only = portal_config();
        public_only["token_endpoint_auth_methods_supported"] = json!(["none"]);
        assert!(!super::offer(base, &public_only).unwrap().private_key_jwt);
    }

    #[test]
    fn possessives_read_as_people_write_them() {
        assert_eq!(possessive("Emory"), "Emory's");
        assert_eq!(possessive("Atlanta Neurology Associates"), "Atlanta Neurology Associates'");
    }

    #[test]
    fn the_scope_is_exactly_the_record_types_read_and_the_launch_context() {
        let scope = scope();
        let words: Vec<&str> = scope.split(' ').collect();
        for needed in ["launch/patient", "openid", "fhirUser", "offline_access", "patient/Patient.r"] {
            assert!(words.contains(&needed), "{needed}");
        }
        for (resource_type, _) in RESOURCE_TYPES {
            assert!(words.contains(&format!("patient/{resource_type}.rs").as_str()), "{resource_type}");
        }
        assert_eq!(words.len(), 5 + RESOURCE_TYPES.len(), "nothing else: {scope}");
        assert!(!scope.contains('*') && !scope.contains("user/") && !scope.contains("system/"));
        // What Tessera searches with a portal's grant is what it asked for.
        let plan = crate::records::search_plan(&scope);
        assert_eq!(plan.len(), RESOURCE_TYPES.len());
    }
}
