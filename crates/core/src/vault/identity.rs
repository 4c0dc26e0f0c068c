//! The install's identity: one EC P-256 key, generated once and kept in the OS keychain. Its RFC 7638 thumbprint
//! is what tickets are bound to (`presenter_binding.jkt`), and it signs every `private_key_jwt` client assertion.

use crate::vault::Vault;
use crate::{Clock, Error, ErrorCode, Random, Result, Sensitive};
use serde_json::{json, Value};
use tessera_jose::SigningKey;

/// The vault item holding the private key.
pub const KEY_ITEM: &str = "identity/key";
/// The `client_assertion_type` of `private_key_jwt` (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of a client assertion, in seconds (the spec allows at most five minutes).
pub const ASSERTION_LIFETIME: i64 = 240;

/// The install's signing key. Its private half never leaves this type except into the keychain.
pub struct Identity {
    key: SigningKey,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity {{ kid: {:?}, key: <redacted> }}", self.key.kid())
    }
}

impl Identity {
    /// Loads the key from the vault, generating and storing it on first use.
    pub async fn load_or_create(vault: &Vault) -> Result<Self> {
        match vault.get(KEY_ITEM).await {
            Ok(stored) => {
                let key = SigningKey::from_private_jwk_json(stored.expose()).map_err(|e| {
                    Error::new(ErrorCode::VaultItemMissing).with_detail(format!("stored key unreadable: {e}"))
                })?;
                Ok(Self { key })
            }
            Err(error) if error.code() == ErrorCode::VaultItemMissing => {
                let key =
                    SigningKey::generate().map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))?;
                vault
                    .put(KEY_ITEM, "Tessera — this device's signing key", &Sensitive::new(key.private_jwk_json()))
                    .await?;
                Ok(Self { key })
            }
            Err(error) => Err(error),
        }
    }

    /// The RFC 7638 thumbprint tickets are bound to.
    pub fn thumbprint(&self) -> &str {
        self.key.kid()
    }

    /// The public JWK to register with brokers and hospitals.
    pub fn public_jwk(&self) -> &Value {
        self.key.public_jwk()
    }

    /// A fresh `private_key_jwt` assertion: `iss` = `sub` = `client_id`, `aud` = the exact token URL, a unique
    /// `jti`, valid for [`ASSERTION_LIFETIME`] seconds.
    pub fn client_assertion(
        &self,
        client_id: &str,
        token_url: &str,
        clock: &dyn Clock,
        random: &dyn Random,
    ) -> Result<Sensitive<String>> {
        let now = clock.unix_now();
        let claims = json!({
            "iss": client_id, "sub": client_id, "aud": token_url,
            "jti": random.token(16), "iat": now, "exp": now + ASSERTION_LIFETIME,
        });
        self.key
            .sign(&claims, Some("JWT"))
            .map(Sensitive::new)
            .map_err(|e| Error::new(ErrorCode::Internal).with_detail(e.to_string()))
    }

    /// Client authentication as `client_id` at one authorization server.
    pub fn as_client<'a>(&'a self, client_id: &'a str, clock: &'a dyn Clock, random: &'a dyn Random) -> ClientAuth<'a> {
        ClientAuth { identity: Some(self), client_id, clock, random }
    }

    /// Wraps an existing key (tests).
    pub fn from_key(key: SigningKey) -> Self {
        Self { key }
    }
}

/// Client authentication at one authorization server: who we are there and, for `private_key_jwt`, the key, clock
/// and randomness each fresh assertion needs; a public client (RFC 6749 §2.1, a client id configured for a patient
/// portal) names itself by its client id alone, PKCE being its proof.
pub struct ClientAuth<'a> {
    identity: Option<&'a Identity>,
    client_id: &'a str,
    clock: &'a dyn Clock,
    random: &'a dyn Random,
}

impl<'a> ClientAuth<'a> {
    /// A public client: `client_id` sent alone, no assertion.
    pub fn public(client_id: &'a str, clock: &'a dyn Clock, random: &'a dyn Random) -> Self {
        ClientAuth { identity: None, client_id, clock, random }
    }

    /// Whether this is a public client (no client assertion).
    pub fn is_public(&self) -> bool {
        self.identity.is_none()
    }

    /// The client id at this authorization server.
    pub fn client_id(&self) -> &str {
        self.client_id
    }

    /// A fresh client assertion whose audience is `url` (the endpoint it is sent to), wrapped until the request body
    /// is encoded.
    pub fn assertion(&self, url: &str) -> Result<Sensitive<String>> {
        let identity = self
            .identity
            .ok_or_else(|| Error::new(ErrorCode::Internal).with_detail("a public client has no assertion"))?;
        identity.client_assertion(self.client_id, url, self.clock, self.random)
    }

    /// A fresh assertion for `url`, or none for a public client.
    pub fn assertion_if_any(&self, url: &str) -> Result<Option<Sensitive<String>>> {
        if self.is_public() {
            Ok(None)
        } else {
            self.assertion(url).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ManualClock, SeededRandom};

    #[test]
    fn assertions_follow_rfc_7523_and_are_unique() {
        let identity = Identity::from_key(SigningKey::generate().unwrap());
        let clock = ManualClock::at_unix(1_800_000_000);
        let random = SeededRandom::new(1);
        let a = identity.client_assertion("c1", "http://127.0.0.1:9/auth/token", &clock, &random).unwrap();
        let b = identity.client_assertion("c1", "http://127.0.0.1:9/auth/token", &clock, &random).unwrap();
        let jwks = json!({ "keys": [identity.public_jwk()] });
        let claims = tessera_jose::verify(a.expose(), &jwks).unwrap().claims;
        assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("c1"), Some("c1")));
        assert_eq!(claims["aud"], "http://127.0.0.1:9/auth/token");
        assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() <= 300);
        assert_ne!(claims["jti"], tessera_jose::decode_unverified(b.expose()).unwrap().claims["jti"]);
        assert!(format!("{identity:?}").contains("redacted"));
    }
}
