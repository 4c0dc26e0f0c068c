//! Permission Tickets: parse (the newest kernel and the April-2026 kernel), verify (ES256 against the issuer's
//! JWK Set by `kid`), check times with a clock-skew margin, and describe in plain words (digest §2.8).
//!
//! The raw JWT is kept byte for byte in a [`Sensitive`] (it is presented unmodified at hospitals); the parsed
//! claims are PHI and stay in memory.

use crate::{Error, ErrorCode, Result, Sensitive};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// Self access (UC1).
pub const SELF_ACCESS: &str = "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1";
/// Patient-delegated access (UC2).
pub const DELEGATED_ACCESS: &str = "https://smarthealthit.org/permission-ticket-type/patient-delegated-access-v1";
/// Seconds of clock skew tolerated both ways (a ticket is treated as expired this much early).
pub const CLOCK_SKEW: i64 = 60;
/// The access members a wallet expects hospitals to enforce (anything else may fail at most hospitals).
const KNOWN_ACCESS: &[&str] = &[
    "smart_scopes",
    "data_period",
    "data_holder_filter",
    "sensitivity_withhold",
    "claim_linkage",
    "permissions",
    "sensitive_data",
    "fhir_resources",
];

/// Which shape of the ticket claims was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// `access.smart_scopes` (the newest schema).
    Current,
    /// `access.permissions` (April 2026, the reference Data Holder's).
    April2026,
}

/// A person named in a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NamedPerson {
    /// Given names joined with spaces.
    pub given: String,
    /// Family name.
    pub family: String,
    /// `YYYY-MM-DD`, when present.
    pub birth_date: Option<String>,
}

impl NamedPerson {
    /// "Given Family".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given, self.family).trim().to_string()
    }

    fn from(resource: Option<&Value>) -> Self {
        let name = resource.and_then(|r| r.pointer("/name/0"));
        let given = name
            .and_then(|n| n.get("given"))
            .and_then(Value::as_array)
            .map(|g| g.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let family = name.and_then(|n| n.get("family")).and_then(Value::as_str).unwrap_or_default().to_string();
        let birth_date = resource.and_then(|r| r.get("birthDate")).and_then(Value::as_str).map(String::from);
        Self { given, family, birth_date }
    }
}

/// The parsed claims of a ticket.
#[derive(Debug, Clone)]
pub struct Claims {
    /// Issuer base URL.
    pub iss: String,
    /// Audience entries.
    pub aud: Vec<String>,
    /// Whether `aud` names a trust framework (otherwise Data Holder URLs).
    pub aud_is_framework: bool,
    /// End of new redemptions.
    pub exp: i64,
    /// Issued at.
    pub iat: Option<i64>,
    /// Audit id.
    pub jti: String,
    /// Ticket type URI.
    pub ticket_type: String,
    /// The patient.
    pub patient: NamedPerson,
    /// The patient's identifier at the issuer (first identifier's value), used to recognise the same person.
    pub patient_key: String,
    /// The requester, for delegated access.
    pub requester: Option<NamedPerson>,
    /// The requester's v3-RoleCode authority.
    pub authority: Option<String>,
    /// When the requester's authority is recorded to end.
    pub authority_until: Option<String>,
    /// SMART scopes (mapped from `permissions` for the older kernel).
    pub scopes: Vec<String>,
    /// `data_period` start and end.
    pub data_period: Option<(Option<String>, Option<String>)>,
    /// `data_holder_filter` in words.
    pub holder_filters: Vec<String>,
    /// Withheld sensitivity codes.
    pub withheld: Vec<String>,
    /// `presenter_binding.jkt`, if bound to a key.
    pub jkt: Option<String>,
    /// `presenter_binding.entity_uri`, if bound to a framework client.
    pub bound_entity: Option<String>,
    /// Status list URL and index.
    pub revocation: Option<(String, u64)>,
    /// `continuation`: `Some(None)` = until revoked.
    pub continuation: Option<Option<i64>>,
    /// Research study title, if any.
    pub study: Option<String>,
    /// Access members hospitals may not know.
    pub unknown_access: Vec<String>,
    /// Which kernel.
    pub kernel: Kernel,
}

/// A ticket: the raw JWT (secret) and its parsed claims.
#[derive(Clone)]
pub struct Ticket {
    raw: Sensitive<String>,
    /// Parsed claims.
    pub claims: Claims,
    /// The header's `kid`.
    pub kid: String,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ticket {{ jti: {:?}, type: {:?}, raw: <redacted> }}", self.claims.jti, self.claims.ticket_type)
    }
}

fn malformed(why: &str) -> Error {
    Error::new(ErrorCode::TicketMalformed).with_detail(why.to_string())
}

impl Ticket {
    /// Parses a ticket without checking its signature. Strict on the envelope, lenient elsewhere.
    pub fn parse(raw: Sensitive<String>) -> Result<Self> {
        let decoded = tessera_jose::decode_unverified(raw.expose()).map_err(|e| malformed(&e.to_string()))?;
        let c = &decoded.claims;
        let text = |name: &str| c.get(name).and_then(Value::as_str).map(String::from);
        let iss = text("iss").ok_or_else(|| malformed("iss missing"))?;
        let aud = match c.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(a)) if !a.is_empty() => a.iter().filter_map(Value::as_str).map(String::from).collect(),
            _ => return Err(malformed("aud missing")),
        };
        let exp = c.get("exp").and_then(Value::as_i64).ok_or_else(|| malformed("exp missing"))?;
        let jti = text("jti").filter(|j| !j.is_empty()).ok_or_else(|| malformed("jti missing"))?;
        let ticket_type = text("ticket_type").ok_or_else(|| malformed("ticket_type missing"))?;
        let patient_resource = c.pointer("/subject/patient").ok_or_else(|| malformed("subject.patient missing"))?;
        let access = c.get("access").and_then(Value::as_object).ok_or_else(|| malformed("access missing"))?;
        let kernel = if access.contains_key("permissions") { Kernel::April2026 } else { Kernel::Current };
        let scopes = match kernel {
            Kernel::Current => access
                .get("smart_scopes")
                .and_then(Value::as_array)
                .map(|s| s.iter().filter_map(Value::as_str).map(String::from).collect())
                .unwrap_or_default(),
            Kernel::April2026 => permissions_as_scopes(access.get("permissions")),
        };
        let period = access.get("data_period").map(|p| {
            let date = |n: &str| p.get(n).and_then(Value::as_str).map(String::from);
            (date("start"), date("end"))
        });
        let requester = c.get("requester");
        let binding = c.get("presenter_binding");
        let study = c
            .pointer("/study/title")
            .or_else(|| c.pointer("/context/study/title"))
            .and_then(Value::as_str)
            .map(String::from);
        Ok(Self {
            kid: decoded.header.get("kid").and_then(Value::as_str).unwrap_or_default().to_string(),
            claims: Claims {
                aud_is_framework: c.get("aud_type").and_then(Value::as_str) == Some("trust_framework"),
                iat: c.get("iat").and_then(Value::as_i64),
                patient: NamedPerson::from(Some(patient_resource)),
                patient_key: patient_resource
                    .pointer("/identifier/0/value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                requester: requester.map(|r| NamedPerson::from(Some(r))),
                authority: requester
                    .and_then(|r| r.pointer("/relationship/0/coding/0/code"))
                    .and_then(Value::as_str)
                    .map(String::from),
                authority_until: requester
                    .and_then(|r| r.pointer("/period/end"))
                    .and_then(Value::as_str)
                    .map(String::from),
                data_period: period,
                holder_filters: holder_filters(access.get("data_holder_filter")),
                withheld: access
                    .get("sensitivity_withhold")
                    .and_then(|w| w.get("codes"))
                    .and_then(Value::as_array)
                    .map(|codes| {
                        codes.iter().filter_map(|c| c.get("code").and_then(Value::as_str).map(String::from)).collect()
                    })
                    .unwrap_or_default(),
                jkt: binding
                    .filter(|b| b.get("method").and_then(Value::as_str) == Some("jkt"))
                    .and_then(|b| b.get("jkt"))
                    .and_then(Value::as_str)
                    .map(String::from),
                bound_entity: binding.and_then(|b| b.get("entity_uri")).and_then(Value::as_str).map(String::from),
                revocation: c
                    .get("revocation")
                    .and_then(|r| Some((r.get("url")?.as_str()?.to_string(), r.get("index")?.as_u64()?))),
                continuation: c.get("continuation").map(|k| k.get("refresh_until").and_then(Value::as_i64)),
                unknown_access: access.keys().filter(|k| !KNOWN_ACCESS.contains(&k.as_str())).cloned().collect(),
                iss,
                aud,
                exp,
                jti,
                ticket_type,
                scopes,
                study,
                kernel,
            },
            raw,
        })
    }

    /// The JWT exactly as received. Only the token-exchange request and the vault should read it.
    pub fn raw(&self) -> &Sensitive<String> {
        &self.raw
    }

    /// Verifies the signature against `jwks` (the issuer's `{"keys": [...]}`), by `kid`, ES256 only.
    pub fn verify(&self, jwks: &Value) -> Result<()> {
        match tessera_jose::verify(self.raw.expose(), jwks) {
            Ok(_) => Ok(()),
            Err(tessera_jose::JoseError::UnknownKey(kid)) => {
                Err(Error::new(ErrorCode::TicketUnknownKey).with_detail(format!("kid {kid:?}")))
            }
            Err(tessera_jose::JoseError::Malformed(why)) => Err(malformed(&why)),
            Err(other) => Err(Error::new(ErrorCode::TicketSignatureInvalid).with_detail(other.to_string())),
        }
    }

    /// Checks `exp` and `iat` at `now` with [`CLOCK_SKEW`]: tickets count as expired a minute early.
    pub fn check_times(&self, now: i64) -> Result<()> {
        if self.claims.exp <= now + CLOCK_SKEW {
            return Err(Error::new(ErrorCode::TicketExpired));
        }
        if self.claims.iat.is_some_and(|iat| iat > now + CLOCK_SKEW) {
            return Err(Error::new(ErrorCode::TicketNotYetValid));
        }
        Ok(())
    }

    /// Whether this ticket may be presented at `fhir_base_url` (digest §4.1): a Data-Holder audience must name it;
    /// a framework audience relies on the directory (hints), so it is accepted here.
    pub fn usable_at(&self, fhir_base_url: &str) -> bool {
        self.claims.aud_is_framework
            || self.claims.aud.iter().any(|a| a.trim_end_matches('/') == fhir_base_url.trim_end_matches('/'))
    }
}

fn permissions_as_scopes(permissions: Option<&Value>) -> Vec<String> {
    permissions
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("kind").and_then(Value::as_str) == Some("data"))
        .filter_map(|p| {
            let resource = p.get("resource_type")?.as_str()?;
            let interactions: Vec<&str> = p.get("interactions")?.as_array()?.iter().filter_map(Value::as_str).collect();
            let letters: String = [("read", 'r'), ("search", 's')]
                .iter()
                .filter(|(i, _)| interactions.contains(i))
                .map(|(_, l)| *l)
                .collect();
            (!letters.is_empty()).then(|| format!("patient/{resource}.{letters}"))
        })
        .collect()
}

fn holder_filters(filter: Option<&Value>) -> Vec<String> {
    filter
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| match entry.get("kind").and_then(Value::as_str)? {
            "jurisdiction" => {
                let place = entry.pointer("/address/state").or_else(|| entry.pointer("/address/country"))?.as_str()?;
                Some(format!("Only hospitals in {place}"))
            }
            "organization" => {
                let names: Vec<&str> = entry
                    .get("organization")?
                    .as_array()?
                    .iter()
                    .filter_map(|o| o.get("display").and_then(Value::as_str))
                    .collect();
                Some(format!(
                    "Only {}",
                    if names.is_empty() { "listed organizations".to_string() } else { names.join(", ") }
                ))
            }
            _ => None,
        })
        .collect()
}
