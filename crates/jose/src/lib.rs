//! tessera-jose: the JOSE primitives both sides of the protocol need, kept in one place.
//!
//! - [`SigningKey`]: an EC P-256 key pair that signs compact JWS with ES256; its `kid` is its RFC 7638 thumbprint.
//! - [`thumbprint`]: RFC 7638 SHA-256 thumbprints of EC and RSA public JWKs.
//! - [`decode_unverified`] and [`verify`]: split a compact JWT, and check its signature against a JWK Set by `kid`.
//!
//! - [`status_list`]: revocation status lists (base64url of a gzip of an LSB-first bitstring).
//!
//! Only ES256 is accepted for verification: `alg: none`, HMAC and unknown algorithms are refused before any key is
//! looked at. This crate holds no policy (expiry, audience, claims); callers decide.

pub mod status_list;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use josekit::jwk::Jwk;
use josekit::jws::alg::ecdsa::EcdsaJwsSigner;
use josekit::jws::{JwsHeader, ES256};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Why a JOSE operation failed. Callers map these to their own coded errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JoseError {
    /// Not three base64url segments with JSON header and payload.
    #[error("malformed JWT: {0}")]
    Malformed(String),
    /// The header names an algorithm other than ES256.
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The header has no `kid`, or no key in the set has it.
    #[error("unknown key id {0:?}")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// A key could not be created, read or used.
    #[error("key error: {0}")]
    Key(String),
}

/// base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding (padding tolerated).
pub fn b64url_decode(text: &str) -> Result<Vec<u8>, JoseError> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).map_err(|e| JoseError::Malformed(e.to_string()))
}

/// The RFC 7638 SHA-256 thumbprint (base64url) of an EC or RSA public JWK.
pub fn thumbprint(jwk: &Value) -> Result<String, JoseError> {
    let member =
        |name: &str| jwk.get(name).and_then(Value::as_str).ok_or_else(|| JoseError::Key(format!("JWK lacks {name}")));
    // Required members only, in lexicographic order, no whitespace.
    let canonical = match member("kty")? {
        "EC" => format!(r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#, member("crv")?, member("x")?, member("y")?),
        "RSA" => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, member("e")?, member("n")?),
        other => return Err(JoseError::Key(format!("unsupported key type {other}"))),
    };
    Ok(b64url(&Sha256::digest(canonical.as_bytes())))
}

/// An EC P-256 key pair that signs with ES256.
pub struct SigningKey {
    private: Jwk,
    /// The key ready to sign: reading a JWK into an OpenSSL key costs more than signing, so it is done once.
    signer: EcdsaJwsSigner,
    public: Value,
    kid: String,
}

impl SigningKey {
    /// A fresh key from the operating system's generator.
    pub fn generate() -> Result<Self, JoseError> {
        let pair = ES256.generate_key_pair().map_err(|e| JoseError::Key(e.to_string()))?;
        Self::from_private_jwk_value(&Value::Object(pair.to_jwk_key_pair().into()))
    }

    /// Reads a private JWK (JSON text), as stored by [`SigningKey::private_jwk_json`].
    pub fn from_private_jwk_json(json: &str) -> Result<Self, JoseError> {
        let value: Value = serde_json::from_str(json).map_err(|e| JoseError::Key(e.to_string()))?;
        Self::from_private_jwk_value(&value)
    }

    fn from_private_jwk_value(value: &Value) -> Result<Self, JoseError> {
        let map: Map<String, Value> = value.as_object().cloned().ok_or_else(|| JoseError::Key("not a JWK".into()))?;
        if map.get("kty") != Some(&Value::from("EC"))
            || map.get("crv") != Some(&Value::from("P-256"))
            || !map.contains_key("d")
        {
            return Err(JoseError::Key("not an EC P-256 private key".into()));
        }
        let mut public = Map::new();
        for name in ["kty", "crv", "x", "y"] {
            public.insert(name.into(), map.get(name).cloned().unwrap_or(Value::Null));
        }
        let private = Jwk::from_map(map).map_err(|e| JoseError::Key(e.to_string()))?;
        let signer = ES256.signer_from_jwk(&private).map_err(|e| JoseError::Key(e.to_string()))?;
        let mut public = Value::Object(public);
        let kid = thumbprint(&public)?;
        public["kid"] = Value::String(kid.clone());
        public["alg"] = Value::String("ES256".into());
        public["use"] = Value::String("sig".into());
        Ok(Self { private, signer, public, kid })
    }

    /// The private JWK as JSON text. Treat the result as a secret.
    pub fn private_jwk_json(&self) -> String {
        Value::Object(self.private.as_ref().clone()).to_string()
    }

    /// The public JWK, with `kid` (the thumbprint), `alg` and `use`.
    pub fn public_jwk(&self) -> &Value {
        &self.public
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Signs `claims` as a compact JWS with header `{alg: ES256, kid, typ?}`.
    pub fn sign(&self, claims: &Value, typ: Option<&str>) -> Result<String, JoseError> {
        let mut header = JwsHeader::new();
        header.set_key_id(&self.kid);
        if let Some(typ) = typ {
            header.set_token_type(typ);
        }
        let payload = serde_json::to_vec(claims).map_err(|e| JoseError::Key(e.to_string()))?;
        josekit::jws::serialize_compact(&payload, &header, &self.signer).map_err(|e| JoseError::Key(e.to_string()))
    }

    /// Signs `claims` as a compact ES256 JWS under a JOSE header of the caller's choosing (`alg` is set to ES256;
    /// everything else, `kid` included, is taken as given). For tests that need a validly signed token with an
    /// unusual header (another `kid`, `crit`, `jku`…); [`SigningKey::sign`] is the normal way to sign.
    pub fn sign_with_header(&self, header: &Map<String, Value>, claims: &Value) -> Result<String, JoseError> {
        let header = JwsHeader::from_map(header.clone()).map_err(|e| JoseError::Key(e.to_string()))?;
        let payload = serde_json::to_vec(claims).map_err(|e| JoseError::Key(e.to_string()))?;
        josekit::jws::serialize_compact(&payload, &header, &self.signer).map_err(|e| JoseError::Key(e.to_string()))
    }
}

/// A compact JWT split and decoded, signature not checked.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The JOSE header.
    pub header: Value,
    /// The claims.
    pub claims: Value,
}

/// Splits and decodes a compact JWT without checking its signature.
pub fn decode_unverified(jwt: &str) -> Result<Decoded, JoseError> {
    let parts: Vec<&str> = jwt.trim().split('.').collect();
    if parts.len() != 3 || parts.iter().take(2).any(|p| p.is_empty()) {
        return Err(JoseError::Malformed("expected three segments".into()));
    }
    let json = |segment: &str| -> Result<Value, JoseError> {
        let value: Value =
            serde_json::from_slice(&b64url_decode(segment)?).map_err(|e| JoseError::Malformed(e.to_string()))?;
        if value.is_object() {
            Ok(value)
        } else {
            Err(JoseError::Malformed("segment is not a JSON object".into()))
        }
    };
    Ok(Decoded { header: json(parts[0])?, claims: json(parts[1])? })
}

/// Verifies an ES256 compact JWT against the key in `jwks` (`{"keys": [...]}`) whose `kid` matches the header's,
/// and returns the decoded JWT.
pub fn verify(jwt: &str, jwks: &Value) -> Result<Decoded, JoseError> {
    let decoded = decode_unverified(jwt)?;
    let alg = decoded.header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "ES256" {
        return Err(JoseError::UnsupportedAlgorithm(alg.to_string()));
    }
    let kid = decoded.header.get("kid").and_then(Value::as_str).unwrap_or("").to_string();
    let mut keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|key| !kid.is_empty() && key.get("kid").and_then(Value::as_str) == Some(kid.as_str()));
    let key = keys.next().ok_or_else(|| JoseError::UnknownKey(kid.clone()))?;
    // Two keys under one `kid` make the set ambiguous: which one the issuer meant cannot be known.
    if keys.next().is_some() {
        return Err(JoseError::Key(format!("more than one key has kid {kid:?}")));
    }
    verify_with_key(jwt, key)?;
    Ok(decoded)
}

/// Verifies an ES256 compact JWT against one public JWK.
pub fn verify_with_key(jwt: &str, key: &Value) -> Result<(), JoseError> {
    let mut map = key.as_object().cloned().ok_or_else(|| JoseError::Key("not a JWK".into()))?;
    // A key its owner limited to another use or algorithm (RFC 7517 §4.2–4.4) does not verify ES256 signatures.
    if map.get("use").is_some_and(|u| u != "sig") {
        return Err(JoseError::Key("the key is not for signatures".into()));
    }
    if map.get("alg").is_some_and(|a| a != "ES256") {
        return Err(JoseError::Key("the key is for another algorithm".into()));
    }
    if map.get("key_ops").is_some_and(|ops| !ops.as_array().is_some_and(|ops| ops.iter().any(|op| op == "verify"))) {
        return Err(JoseError::Key("the key's operations exclude verify".into()));
    }
    // Verification needs the public parameters only; a stray `d` or `alg` must not change the outcome.
    map.retain(|name, _| matches!(name.as_str(), "kty" | "crv" | "x" | "y"));
    let jwk = Jwk::from_map(map).map_err(|e| JoseError::Key(e.to_string()))?;
    let verifier = ES256.verifier_from_jwk(&jwk).map_err(|e| JoseError::Key(e.to_string()))?;
    josekit::jws::deserialize_compact(jwt.trim(), &verifier).map(|_| ()).map_err(|_| JoseError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signed_tokens_verify_and_tampering_is_caught() {
        let key = SigningKey::generate().unwrap();
        let jwks = json!({ "keys": [key.public_jwk()] });
        let jwt = key.sign(&json!({"sub": "harold"}), Some("JWT")).unwrap();
        let decoded = verify(&jwt, &jwks).unwrap();
        assert_eq!(decoded.claims["sub"], "harold");
        assert_eq!(decoded.header["kid"], key.kid());

        let mut parts: Vec<String> = jwt.split('.').map(String::from).collect();
        parts[1] = b64url(br#"{"sub":"mallory"}"#);
        assert_eq!(verify(&parts.join("."), &jwks).unwrap_err(), JoseError::BadSignature);
    }

    #[test]
    fn alg_none_and_unknown_kids_are_refused() {
        let key = SigningKey::generate().unwrap();
        let jwks = json!({ "keys": [key.public_jwk()] });
        let none = format!("{}.{}.", b64url(br#"{"alg":"none"}"#), b64url(br#"{"sub":"x"}"#));
        assert!(matches!(verify(&none, &jwks), Err(JoseError::UnsupportedAlgorithm(_))));
        let other = SigningKey::generate().unwrap();
        let jwt = other.sign(&json!({}), None).unwrap();
        assert!(matches!(verify(&jwt, &jwks), Err(JoseError::UnknownKey(_))));
        assert!(matches!(verify(&jwt, &json!({"keys": []})), Err(JoseError::UnknownKey(_))));
    }

    #[test]
    fn ambiguous_and_restricted_keys_are_refused() {
        let key = SigningKey::generate().unwrap();
        let jwt = key.sign(&json!({"sub": "x"}), None).unwrap();
        let mut twin = key.public_jwk().clone();
        assert!(verify(&jwt, &json!({ "keys": [key.public_jwk(), twin.clone()] })).is_err(), "duplicate kid");
        for (name, value) in [("use", json!("enc")), ("alg", json!("RS256")), ("key_ops", json!(["encrypt"]))] {
            twin = key.public_jwk().clone();
            twin[name] = value;
            assert!(matches!(verify(&jwt, &json!({ "keys": [twin] })), Err(JoseError::Key(_))), "{name}");
        }
        let mut header = Map::new();
        header.insert("kid".into(), json!("chosen"));
        let custom = key.sign_with_header(&header, &json!({"sub": "x"})).unwrap();
        assert_eq!(decode_unverified(&custom).unwrap().header["kid"], "chosen");
        assert!(verify_with_key(&custom, key.public_jwk()).is_ok());
    }

    #[test]
    fn private_key_round_trips_through_json() {
        let key = SigningKey::generate().unwrap();
        let again = SigningKey::from_private_jwk_json(&key.private_jwk_json()).unwrap();
        assert_eq!(again.kid(), key.kid());
        assert!(SigningKey::from_private_jwk_json(&key.public_jwk().to_string()).is_err());
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for input in ["", "a.b", "a.b.c.d", "!!.??.x", "e30.e30", "W10.W10.x"] {
            assert!(decode_unverified(input).is_err(), "{input}");
        }
    }
}

#[cfg(test)]
mod spec_vectors {
    //! The spec's published keys carry `kid` = RFC 7638 thumbprint (`tests/spec-vectors/README.md`).
    use super::*;

    #[test]
    fn thumbprints_match_the_spec_vectors_kids() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/spec-vectors");
        for name in ["issuer.public.json", "client.public.json", "evidence-issuer.public.json"] {
            let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("the spec vectors are kept in the repo");
            let jwk: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(thumbprint(&jwk).unwrap(), jwk["kid"].as_str().unwrap(), "{name}");
        }
    }
}
