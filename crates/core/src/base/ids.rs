//! Ids and short names derived from addresses: a one-way hash of a few parts, a web address's host, and the names
//! of the keychain items that hold refresh tokens. None of them says anything about a patient.

use crate::base::profile::hex;
use sha2::{Digest, Sha256};

/// Twelve hex digits of the SHA-256 of `parts` (joined with a unit separator, so that `["ab", "c"]` and
/// `["a", "bc"]` differ).
pub(crate) fn short_hash(parts: &[&str]) -> String {
    hex(&Sha256::digest(parts.join("\u{1f}").as_bytes())[..6])
}

/// The vault item of a broker's refresh token.
pub(crate) fn broker_refresh_item(issuer: &str) -> String {
    format!("broker/{}/refresh", short_hash(&[issuer]))
}

/// The vault item of a hospital connection's continuation refresh token.
pub(crate) fn connection_refresh_item(fhir_base_url: &str, ticket_id: &str) -> String {
    format!("connection/{}/refresh", short_hash(&[fhir_base_url, ticket_id]))
}

/// `host[:port]` of `url`; the text itself when it is not a web address.
pub(crate) fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{h}{}", u.port().map(|p| format!(":{p}")).unwrap_or_default())))
        .unwrap_or_else(|| url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_keeps_its_port_and_text_that_is_no_address_stays_as_it_is() {
        assert_eq!(host_of("http://127.0.0.1:8080/fhir"), "127.0.0.1:8080");
        assert_eq!(host_of("https://broker.example.org/"), "broker.example.org");
        assert_eq!(host_of("not an address"), "not an address");
        assert_ne!(short_hash(&["ab", "c"]), short_hash(&["a", "bc"]));
        assert_eq!(short_hash(&["x"]).len(), 12);
    }
}
