//! What the keychain keeps for one portal connection, in one item (one per hospital and person): the refresh
//! token, the hospital's id of the patient, and whom Tessera files it under — the person's id and, for someone
//! Tessera knows only through this portal, their name and birth date (the index names no one, invariant 6). The
//! item is rewritten whole at each rotation, through the store's crash-safe generations.

use crate::ticket::NamedPerson;
use crate::{Error, ErrorCode, Result, Sensitive};
use serde_json::{json, Value};

/// One portal connection's secret, read from or written to its keychain item.
pub(crate) struct PortalSecret {
    /// The refresh token (rotated at each use).
    pub refresh_token: Sensitive<String>,
    /// The hospital's id of the patient (the token response's `patient`).
    pub patient: String,
    /// The person's id in Tessera.
    pub person: String,
    /// The patient as the hospital names them (for someone known only through a portal, their only name here).
    pub named: NamedPerson,
    /// `male`, `female`, `other`, `unknown`, when the hospital says.
    pub gender: Option<String>,
}

impl std::fmt::Debug for PortalSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PortalSecret(<redacted>)")
    }
}

impl PortalSecret {
    /// The keychain value: a JSON object, wrapped from the moment it is encoded.
    pub fn encode(&self) -> Sensitive<String> {
        Sensitive::new(
            json!({
                "refresh_token": self.refresh_token.expose(),
                "patient": self.patient,
                "person": self.person,
                "given": self.named.given,
                "family": self.named.family,
                "birth_date": self.named.birth_date,
                "gender": self.gender,
            })
            .to_string(),
        )
    }

    /// Reads a keychain value written by [`PortalSecret::encode`]; anything else is `vault.item_missing` (the item
    /// is not one Tessera can use: signing in at the portal again replaces it).
    pub fn decode(raw: &Sensitive<String>) -> Result<Self> {
        let unreadable = || Error::new(ErrorCode::VaultItemMissing).with_detail("portal secret unreadable");
        let json: Value = serde_json::from_str(raw.expose()).map_err(|_| unreadable())?;
        let text = |name: &str| json.get(name).and_then(Value::as_str).map(String::from);
        let refresh_token = text("refresh_token").filter(|t| !t.is_empty()).ok_or_else(unreadable)?;
        Ok(Self {
            refresh_token: Sensitive::new(refresh_token),
            patient: text("patient").ok_or_else(unreadable)?,
            person: text("person").ok_or_else(unreadable)?,
            named: NamedPerson {
                given: text("given").unwrap_or_default(),
                family: text("family").unwrap_or_default(),
                birth_date: text("birth_date"),
            },
            gender: text("gender"),
        })
    }

    /// The same connection with the next refresh token (after a rotation).
    pub fn rotated(&self, refresh_token: Sensitive<String>) -> Self {
        Self {
            refresh_token,
            patient: self.patient.clone(),
            person: self.person.clone(),
            named: self.named.clone(),
            gender: self.gender.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_round_trips_and_prints_nothing() {
        let secret = PortalSecret {
            refresh_token: Sensitive::new("rt-1".into()),
            patient: "pt3x2".into(),
            person: "p2".into(),
            named: NamedPerson {
                given: "Harold".into(),
                family: "Washington".into(),
                birth_date: Some("1946-09-14".into()),
            },
            gender: Some("male".into()),
        };
        let read = PortalSecret::decode(&secret.encode()).unwrap();
        assert_eq!(read.refresh_token.expose(), "rt-1");
        assert_eq!((read.patient.as_str(), read.person.as_str()), ("pt3x2", "p2"));
        assert_eq!(read.named, secret.named);
        assert_eq!(read.rotated(Sensitive::new("rt-2".into())).refresh_token.expose(), "rt-2");
        assert_eq!(format!("{read:?}"), "PortalSecret(<redacted>)");
        for bad in ["", "{}", "[1]", r#"{"refresh_token": "", "patient": "a", "person": "b"}"#] {
            assert_eq!(
                PortalSecret::decode(&Sensitive::new(bad.into())).unwrap_err().code(),
                ErrorCode::VaultItemMissing
            );
        }
    }
}
