//! Permission Tickets: parse (the newest kernel and the April-2026 kernel), verify (ES256 against the issuer's
//! JWK Set by `kid`), check times with a clock-skew margin, and turn the ticket's grant into the SMART v2 scopes
//! Tessera requests (exactly what the ticket grants, granular narrowing included). [`crate::words::describe`] puts the
//! parsed claims in plain words (digest §2.8).
//!
//! The raw JWT is kept byte for byte in a [`Sensitive`] (it is presented unmodified at hospitals); the parsed
//! claims are PHI and stay in memory.
//!
//! With `CLOCK_SKEW` (60 s), a ticket counts as expired a minute early, and an `iat` or `nbf` up to a minute ahead
//! of the clock is accepted. A ticket over `MAX_TICKET_BYTES` (256 KiB), a claim of the wrong type or a
//! `must_understand` entry Tessera does not know (it understands `sensitivity_policy`) is refused, never read
//! around. The scopes requested are the newest kernel's `smart_scopes` verbatim, or, for the April-2026 kernel, one
//! granular SMART v2 scope per resource type × `category_any_of` × `code_any_of` (the permission list is capped,
//! not expanded without bound).

use crate::{Error, ErrorCode, Result, Sensitive};
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// Self access (UC1).
pub const SELF_ACCESS: &str = "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1";
/// Patient-delegated access (UC2).
pub const DELEGATED_ACCESS: &str = "https://smarthealthit.org/permission-ticket-type/patient-delegated-access-v1";
/// Public health investigation (UC3).
pub const PUBLIC_HEALTH: &str = "https://smarthealthit.org/permission-ticket-type/public-health-investigation-v1";
/// Social care referral (UC4).
pub const SOCIAL_CARE: &str = "https://smarthealthit.org/permission-ticket-type/social-care-referral-v1";
/// Payer claims adjudication (UC5).
pub const PAYER_CLAIMS: &str = "https://smarthealthit.org/permission-ticket-type/payer-claims-adjudication-v1";
/// Research study access (UC6).
pub const RESEARCH: &str = "https://smarthealthit.org/permission-ticket-type/research-study-access-v1";
/// Provider consult (UC7).
pub const PROVIDER_CONSULT: &str = "https://smarthealthit.org/permission-ticket-type/provider-consult-v1";
/// Payer quality-gap queries.
pub const PAYER_QUALITY_GAP: &str = "https://smarthealthit.org/permission-ticket-type/payer-quality-gap-v1";
/// The HL7 v3 RoleCode system (requester relationships and authorities).
pub const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
/// The HL7 v3 ActReason system (purposes of use).
pub const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
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
/// At most this many permissions are kept from one ticket (a ticket is network input); the rest are counted.
const MAX_PERMISSIONS: usize = 256;
/// The SMART v2 permission letters, in their required order.
const LETTERS: &str = "cruds";

/// Which shape of the ticket claims was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// `access.smart_scopes` (the newest schema).
    Current,
    /// `access.permissions` (April 2026, the reference Data Holder's), or its short-lived June-2026 rename
    /// `access.fhir_resources`.
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

    /// Reads a FHIR Patient (or RelatedPerson) resource's first name and birth date.
    pub fn of_resource(resource: &Value) -> Self {
        Self::from(Some(resource))
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

/// A coded value as a ticket carries it (a FHIR Coding or CodeableConcept), reduced to what people read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coded {
    /// The code system.
    pub system: Option<String>,
    /// The code.
    pub code: Option<String>,
    /// The coding's own display text.
    pub display: Option<String>,
    /// The concept's free text.
    pub text: Option<String>,
}

impl Coded {
    /// Reads a Coding, a CodeableConcept (its first coding and its text) or a plain string (as text).
    pub fn read(value: &Value) -> Option<Self> {
        Self::read_preferring(value, "")
    }

    /// Like [`Coded::read`], but a CodeableConcept's coding from `system` is preferred to its first one.
    pub fn read_preferring(value: &Value, system: &str) -> Option<Self> {
        if let Some(text) = value.as_str() {
            return clean(text).map(|text| Self { text: Some(text), ..Self::default() });
        }
        let codings = value.get("coding").and_then(Value::as_array);
        let preferred =
            codings.and_then(|list| list.iter().find(|c| c.get("system").and_then(Value::as_str) == Some(system)));
        let coding = preferred.or_else(|| codings.and_then(|list| list.first())).unwrap_or(value);
        let field = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).and_then(clean);
        let coded = Self {
            system: field(coding, "system"),
            code: field(coding, "code"),
            display: field(coding, "display"),
            text: field(value, "text"),
        };
        (coded.code.is_some() || coded.display.is_some() || coded.text.is_some()).then_some(coded)
    }

    /// The concept in the issuer's own words: its text, else the coding's display, else the code.
    pub fn words(&self) -> String {
        self.text.clone().or_else(|| self.display.clone()).or_else(|| self.code.clone()).unwrap_or_default()
    }
}

/// A string from the network made plain ([`crate::base::text::plain`]) and capped at 200 characters; `None` when
/// empty.
fn clean(text: &str) -> Option<String> {
    crate::base::text::plain(text, crate::base::text::MAX_NAME)
}

/// What kind of party a requester is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequesterKind {
    /// A person related to the patient (delegated access).
    RelatedPerson,
    /// A clinician.
    Practitioner,
    /// A clinician in a role (e.g. a consulting specialist).
    PractitionerRole,
    /// An organisation (a health department, a payer, a study team, a social care hub).
    Organization,
    /// Another FHIR resource type, as named.
    Other(String),
}

/// Who asks for the records, as the issuer attests (digest §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// What kind of party.
    pub kind: RequesterKind,
    /// The name to show: a person's or an organisation's name (a plain string or a HumanName), or a
    /// practitioner's display.
    pub name: Option<String>,
    /// A PractitionerRole's role (e.g. cardiologist).
    pub role: Option<Coded>,
    /// The organisation a PractitionerRole works for.
    pub organization: Option<String>,
    /// A RelatedPerson's relationship to the patient (v3-RoleCode).
    pub relationship: Option<Coded>,
}

impl Requester {
    fn read(value: &Value) -> Self {
        let kind = match value.get("resourceType").and_then(Value::as_str).unwrap_or("") {
            "RelatedPerson" => RequesterKind::RelatedPerson,
            "Practitioner" => RequesterKind::Practitioner,
            "PractitionerRole" => RequesterKind::PractitionerRole,
            "Organization" => RequesterKind::Organization,
            other => RequesterKind::Other(clean(other).unwrap_or_else(|| "unknown".into())),
        };
        let name = match value.get("name") {
            Some(Value::String(name)) => clean(name),
            Some(Value::Array(names)) => names.first().and_then(|n| match n {
                Value::String(name) => clean(name),
                human => human_name(human),
            }),
            Some(human @ Value::Object(_)) => human_name(human),
            _ => None,
        }
        .or_else(|| value.pointer("/practitioner/display").and_then(Value::as_str).and_then(clean))
        .or_else(|| value.get("display").and_then(Value::as_str).and_then(clean));
        let first = |name: &str| value.get(name).and_then(|v| v.as_array().map_or(Some(v), |a| a.first()));
        Self {
            kind,
            name,
            role: first("code").and_then(Coded::read),
            organization: value.pointer("/organization/display").and_then(Value::as_str).and_then(clean),
            relationship: first("relationship").and_then(|r| Coded::read_preferring(r, ROLE_CODE)),
        }
    }
}

/// A HumanName in words: its text, else given names and family name.
fn human_name(name: &Value) -> Option<String> {
    if let Some(text) = name.get("text").and_then(Value::as_str).and_then(clean) {
        return Some(text);
    }
    let given = name
        .get("given")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let family = name.get("family").and_then(Value::as_str).unwrap_or_default();
    clean(&format!("{given} {family}"))
}

/// One thing a ticket lets its holder do with one kind of record: a SMART v2 resource scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// `patient`, `user` or `system`.
    pub context: String,
    /// A FHIR resource type, or `*` for every type.
    pub resource: String,
    /// The permitted interactions as SMART v2 letters, a subsequence of `cruds`.
    pub letters: String,
    /// Granular narrowing, as query parameters (`category` = `system|code`, `code` = `system|code`, …); every
    /// one of them applies.
    pub narrowing: Vec<(String, String)>,
}

impl Permission {
    /// Parses a SMART scope `context/Resource.letters[?query]` (SMART v1 `read`, `write` and `*` are read as
    /// their v2 letters). `None` for anything else (`openid`, a malformed scope).
    pub fn from_scope(scope: &str) -> Option<Self> {
        let (main, query) = scope.split_once('?').map_or((scope, None), |(m, q)| (m, Some(q)));
        let (context, rest) = main.split_once('/')?;
        let (resource, permissions) = rest.rsplit_once('.')?;
        let valid_resource =
            resource == "*" || (!resource.is_empty() && resource.chars().all(|c| c.is_ascii_alphabetic()));
        if !matches!(context, "patient" | "user" | "system") || !valid_resource {
            return None;
        }
        let letters = match permissions {
            "read" => "rs".to_string(),
            "write" => "cud".to_string(),
            "*" => LETTERS.to_string(),
            v2 if !v2.is_empty() && v2.chars().all(|c| LETTERS.contains(c)) => {
                LETTERS.chars().filter(|l| v2.contains(*l)).collect()
            }
            _ => return None,
        };
        let mut narrowing = Vec::new();
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            let (name, value) = pair.split_once('=')?;
            if name.is_empty() || value.is_empty() {
                return None;
            }
            narrowing.push((name.to_string(), value.to_string()));
        }
        Some(Self { context: context.into(), resource: resource.into(), letters, narrowing })
    }

    /// The SMART v2 scope string, e.g. `patient/Observation.rs?category=http://…|laboratory`.
    pub fn scope(&self) -> String {
        let base = format!("{}/{}.{}", self.context, self.resource, self.letters);
        if self.narrowing.is_empty() {
            return base;
        }
        let query: Vec<String> = self.narrowing.iter().map(|(n, v)| format!("{n}={v}")).collect();
        format!("{base}?{}", query.join("&"))
    }

    /// Whether this permission lets its holder view records (read or search).
    pub fn views(&self) -> bool {
        self.letters.contains('r') || self.letters.contains('s')
    }

    /// Whether this permission lets its holder create, update or delete records.
    pub fn changes(&self) -> bool {
        self.letters.contains('c') || self.letters.contains('u') || self.letters.contains('d')
    }
}

/// A limit on which hospitals may answer at all (`data_holder_filter`, digest §2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderFilter {
    /// Only hospitals in this state and/or country.
    Jurisdiction {
        /// A state or region code, e.g. `TX`.
        state: Option<String>,
        /// A country code, e.g. `US`.
        country: Option<String>,
    },
    /// Only these organisations: their names for people (the display, else the name, else the identifier) and
    /// the identifiers they are matched by.
    Organization {
        /// What to call them.
        names: Vec<String>,
        /// Their identifiers (NPI, TIN, …), as given.
        identifiers: Vec<OrgIdentifier>,
    },
    /// A filter entry Tessera cannot read, by its `kind`.
    Unreadable(String),
}

/// An organisation's identifier as a ticket or a directory gives it: its system (a URI, when given) and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgIdentifier {
    /// The identifier system, e.g. `http://hl7.org/fhir/sid/us-npi`.
    pub system: Option<String>,
    /// The value, e.g. an NPI.
    pub value: String,
}

impl OrgIdentifier {
    /// Whether the two name the same organisation: equal values, and equal systems when both are given.
    pub fn same_as(&self, other: &OrgIdentifier) -> bool {
        self.value == other.value && (self.system.is_none() || other.system.is_none() || self.system == other.system)
    }

    /// The identifiers of a FHIR `identifier` (one object or an array), skipping any without a value.
    pub fn all_in(value: Option<&Value>) -> Vec<OrgIdentifier> {
        let list: Vec<&Value> = match value {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => vec![],
        };
        list.into_iter()
            .filter_map(|id| {
                let value = id.get("value").and_then(Value::as_str).and_then(clean)?;
                let system = id.get("system").and_then(Value::as_str).and_then(clean);
                Some(OrgIdentifier { system, value })
            })
            .collect()
    }
}

/// What Tessera knows about a hospital, to match a ticket's `data_holder_filter` against (from the broker's hints,
/// a Brands bundle or the directory).
#[derive(Debug, Clone, Copy)]
pub struct HolderFacts<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its organisation's identifiers.
    pub identifiers: &'a [OrgIdentifier],
    /// Its state or region code, when known.
    pub state: Option<&'a str>,
    /// Its country code, when known.
    pub country: Option<&'a str>,
}

impl HolderFilter {
    /// Whether a hospital with these facts is known to be inside this limit. What the facts cannot decide (no
    /// state known, no identifier to compare) is outside: a ticket is not shown on a guess. An organisation is
    /// matched by identifier; by name only when the ticket names it by no identifier.
    pub fn admits(&self, facts: &HolderFacts<'_>) -> bool {
        let same = |a: &str, b: Option<&str>| b.is_some_and(|b| a.eq_ignore_ascii_case(b.trim()));
        match self {
            // A country is checked when known; an unknown one passes only behind a state that matched (the more
            // precise fact: directories often give the state alone).
            HolderFilter::Jurisdiction { state, country } => {
                let state_matches = state.as_deref().map(|state| same(state, facts.state));
                let country_matches = country.as_deref().map(|country| match facts.country {
                    Some(_) => same(country, facts.country),
                    None => state_matches == Some(true),
                });
                state_matches.unwrap_or(true) && country_matches.unwrap_or(true)
            }
            HolderFilter::Organization { identifiers, .. } if !identifiers.is_empty() => {
                identifiers.iter().any(|wanted| facts.identifiers.iter().any(|known| wanted.same_as(known)))
            }
            HolderFilter::Organization { names, .. } => names.iter().any(|name| same(name, Some(facts.name))),
            HolderFilter::Unreadable(_) => false,
        }
    }
}

/// Whether limits `filters` (none, or any one of them) admit a hospital with these facts.
fn covered(filters: &[HolderFilter], facts: &HolderFacts<'_>) -> bool {
    filters.is_empty() || filters.iter().any(|filter| filter.admits(facts))
}

/// Records released only when tied to these encounters or this claim (`claim_linkage`, payer claims).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimLinkage {
    /// The encounters, as referenced (their id, else their identifier).
    pub encounters: Vec<String>,
    /// The claim, if named.
    pub claim: Option<String>,
}

/// A fact about why the ticket exists, from its profile claims or (older kernel) its `context`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextFact {
    /// Which claim: `study`, `reason`, `consult_request`, `concern`, `referral`, `service`, `claim`,
    /// `reportable_condition` or `measure`.
    pub name: &'static str,
    /// The fact in the issuer's own words.
    pub words: String,
}

/// An embedded identity-evidence token, as far as it matters to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Whose identity: `patient` (subject) or `requester`.
    pub about: &'static str,
    /// The evidence issuer (`iss`), when the embedded token could be read.
    pub issuer: Option<String>,
    /// The assurance level (`acr`), when given.
    pub acr: Option<String>,
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
    /// Not valid before.
    pub nbf: Option<i64>,
    /// Audit id.
    pub jti: String,
    /// Ticket type URI.
    pub ticket_type: String,
    /// The patient.
    pub patient: NamedPerson,
    /// The patient's identifier at the issuer (first identifier's value), used to recognise the same person.
    pub patient_key: String,
    /// The requester's HumanName (empty names for an organisation); see `requested_by` for every kind.
    pub requester: Option<NamedPerson>,
    /// The requester, whatever its kind (a person, a clinician in a role, an organisation).
    pub requested_by: Option<Requester>,
    /// The requester's v3-RoleCode relationship or authority code.
    pub authority: Option<String>,
    /// When the requester's authority is recorded to end.
    pub authority_until: Option<String>,
    /// The SMART scopes Tessera requests: `smart_scopes` verbatim, or one granular scope per (resource type,
    /// category, code) combination of the older kernel's `permissions`.
    pub scopes: Vec<String>,
    /// The data permissions, parsed (one per scope that could be read).
    pub permissions: Vec<Permission>,
    /// Permissions Tessera could not read, in the ticket's words (shown, never requested).
    pub unreadable_permissions: Vec<String>,
    /// Operation permissions of the older kernel (`{kind: "operation", name, target}`), in words.
    pub operations: Vec<String>,
    /// `data_period` start and end.
    pub data_period: Option<(Option<String>, Option<String>)>,
    /// `data_holder_filter`: which hospitals may answer at all.
    pub holder_filters: Vec<HolderFilter>,
    /// `claim_linkage`: release limited to records tied to these encounters.
    pub claim_linkage: Option<ClaimLinkage>,
    /// Withheld sensitivity codes (`sensitivity_withhold.codes`), each with the ticket's display if any.
    pub withheld: Vec<String>,
    /// The displays the ticket gives for withheld codes, by code.
    pub withheld_displays: Vec<(String, String)>,
    /// `sensitivity_withhold.unlisted`: every locally-classified sensitive record is withheld.
    pub withhold_unlisted: bool,
    /// The older kernel's `access.sensitive_data` (`include` or `exclude`), or the RI issuer's
    /// `sensitivity_policy.unlisted_sensitive_data`, as written.
    pub sensitive_data: Option<String>,
    /// `presenter_binding.jkt`, if bound to a key.
    pub jkt: Option<String>,
    /// `presenter_binding.entity_uri`, if bound to a framework client.
    pub bound_entity: Option<String>,
    /// `presenter_binding.method` when it is neither `jkt` nor `trust_framework_client`.
    pub unknown_binding: Option<String>,
    /// Status list URL and index.
    pub revocation: Option<(String, u64)>,
    /// `continuation`: `Some(None)` = until revoked.
    pub continuation: Option<Option<i64>>,
    /// Research study title, if any.
    pub study: Option<String>,
    /// Why the ticket exists: study, consult reason, concern, referral, claim, reportable condition, measure.
    pub context: Vec<ContextFact>,
    /// The ticket's purpose of use (v3-ActReason codes), when it states one.
    pub purpose: Vec<Coded>,
    /// Identity evidence embedded in the ticket.
    pub evidence: Vec<Evidence>,
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

impl Claims {
    /// Where this ticket may be shown, as one text: empty for a ticket usable across a network; else its audience
    /// and its hospital limits. Two tickets of one grant (an issuer's "one ticket per hospital") differ here, so
    /// the wallet keeps each; re-mints of one ticket do not.
    pub fn reach(&self) -> String {
        let audience = if self.aud_is_framework { String::new() } else { self.aud.join(" ") };
        let limits: Vec<String> = self
            .holder_filters
            .iter()
            .map(|filter| match filter {
                HolderFilter::Jurisdiction { state, country } => {
                    format!("jurisdiction:{}:{}", state.as_deref().unwrap_or(""), country.as_deref().unwrap_or(""))
                }
                HolderFilter::Organization { names, .. } => format!("organization:{}", names.join(",")),
                HolderFilter::Unreadable(kind) => format!("unreadable:{kind}"),
            })
            .collect();
        [audience, limits.join(" ")].join(" ").trim().to_string()
    }
}

/// The grant a ticket's `access` describes: the scopes to request and the permissions in words.
struct Grant {
    scopes: Vec<String>,
    permissions: Vec<Permission>,
    unreadable: Vec<String>,
    operations: Vec<String>,
}

impl Ticket {
    /// Parses a ticket without checking its signature. Strict on the envelope, lenient elsewhere.
    pub fn parse(raw: Sensitive<String>) -> Result<Self> {
        if raw.expose().len() > MAX_TICKET_BYTES {
            return Err(malformed("larger than any ticket Tessera accepts"));
        }
        let decoded = tessera_jose::decode_unverified(raw.expose()).map_err(|e| malformed(&e.to_string()))?;
        let c = &decoded.claims;
        check_shapes(c)?;
        let text = |name: &str| c.get(name).and_then(Value::as_str).map(String::from);
        let iss = text("iss").filter(|i| !i.trim().is_empty()).ok_or_else(|| malformed("iss missing"))?;
        let aud = match c.get("aud") {
            Some(Value::String(a)) if !a.trim().is_empty() => vec![a.clone()],
            Some(Value::Array(a))
                if !a.is_empty() && a.iter().all(|x| x.as_str().is_some_and(|s| !s.trim().is_empty())) =>
            {
                a.iter().filter_map(Value::as_str).map(String::from).collect()
            }
            _ => return Err(malformed("aud missing or not text")),
        };
        let exp = c.get("exp").and_then(Value::as_i64).ok_or_else(|| malformed("exp missing"))?;
        let jti = text("jti").filter(|j| !j.is_empty()).ok_or_else(|| malformed("jti missing"))?;
        let ticket_type = text("ticket_type").ok_or_else(|| malformed("ticket_type missing"))?;
        let patient_resource = c.pointer("/subject/patient").ok_or_else(|| malformed("subject.patient missing"))?;
        // The draft CMS Individual Access profile writes `smart_scopes` at the top level, without `access`.
        let top_level = serde_json::Map::new();
        let access = match c.get("access") {
            Some(access) => access.as_object().ok_or_else(|| malformed("access is not an object"))?,
            None if c.get("smart_scopes").is_some() => &top_level,
            None => return Err(malformed("access missing")),
        };
        let kernel = if access.contains_key("permissions") || access.contains_key("fhir_resources") {
            Kernel::April2026
        } else {
            Kernel::Current
        };
        let grant = match kernel {
            Kernel::Current => scopes_grant(access.get("smart_scopes").or_else(|| c.get("smart_scopes"))),
            Kernel::April2026 => permissions_grant(access.get("permissions").or_else(|| access.get("fhir_resources"))),
        };
        let period = access.get("data_period").map(|p| {
            let date = |n: &str| p.get(n).and_then(Value::as_str).and_then(clean);
            (date("start"), date("end"))
        });
        let requester = c.get("requester").filter(|r| r.is_object());
        let binding = c.get("presenter_binding");
        let binding_method = binding.and_then(|b| b.get("method")).and_then(Value::as_str);
        let context = context_facts(c);
        let withhold = access.get("sensitivity_withhold");
        let withheld_codings: Vec<Coded> = withhold
            .and_then(|w| w.get("codes"))
            .and_then(Value::as_array)
            .map(|codes| codes.iter().filter_map(Coded::read).collect())
            .unwrap_or_default();
        let sensitive_data = access
            .get("sensitive_data")
            .or_else(|| c.pointer("/sensitivity_policy/unlisted_sensitive_data"))
            .and_then(|v| match v {
                Value::String(s) => clean(s),
                Value::Bool(b) => Some(if *b { "include" } else { "exclude" }.to_string()),
                _ => None,
            });
        Ok(Self {
            kid: decoded.header.get("kid").and_then(Value::as_str).unwrap_or_default().to_string(),
            claims: Claims {
                aud_is_framework: c.get("aud_type").and_then(Value::as_str) == Some("trust_framework"),
                iat: c.get("iat").and_then(Value::as_i64),
                nbf: c.get("nbf").and_then(Value::as_i64),
                patient: NamedPerson::from(Some(patient_resource)),
                patient_key: patient_resource
                    .pointer("/identifier/0/value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                requester: requester.map(|r| NamedPerson::from(Some(r))),
                requested_by: requester.map(Requester::read),
                authority: requester
                    .and_then(|r| r.pointer("/relationship/0/coding/0/code"))
                    .and_then(Value::as_str)
                    .map(String::from),
                authority_until: requester
                    .and_then(|r| r.pointer("/period/end"))
                    .and_then(Value::as_str)
                    .and_then(clean),
                data_period: period,
                holder_filters: holder_filters(access.get("data_holder_filter")),
                claim_linkage: access.get("claim_linkage").map(claim_linkage),
                withheld: withheld_codings.iter().filter_map(|c| c.code.clone()).collect(),
                withheld_displays: withheld_codings
                    .iter()
                    .filter_map(|c| Some((c.code.clone()?, c.display.clone()?)))
                    .collect(),
                withhold_unlisted: withhold.and_then(|w| w.get("unlisted")).and_then(Value::as_bool) == Some(true),
                sensitive_data,
                jkt: binding
                    .filter(|_| binding_method == Some("jkt"))
                    .and_then(|b| b.get("jkt"))
                    .and_then(Value::as_str)
                    .map(String::from),
                bound_entity: binding.and_then(|b| b.get("entity_uri")).and_then(Value::as_str).and_then(clean),
                unknown_binding: binding.and_then(|b| match binding_method {
                    Some("jkt" | "trust_framework_client") => None,
                    Some(other) => clean(other),
                    None => b.is_object().then(|| "unnamed".to_string()),
                }),
                revocation: c
                    .get("revocation")
                    .and_then(|r| Some((r.get("url")?.as_str()?.to_string(), r.get("index")?.as_u64()?))),
                continuation: c.get("continuation").map(|k| k.get("refresh_until").and_then(Value::as_i64)),
                unknown_access: access.keys().filter(|k| !KNOWN_ACCESS.contains(&k.as_str())).cloned().collect(),
                study: context.iter().find(|f| f.name == "study").map(|f| f.words.clone()),
                purpose: purposes(c),
                evidence: evidence(c),
                context,
                iss,
                aud,
                exp,
                jti,
                ticket_type,
                scopes: grant.scopes,
                permissions: grant.permissions,
                unreadable_permissions: grant.unreadable,
                operations: grant.operations,
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
        if [self.claims.iat, self.claims.nbf].into_iter().flatten().any(|t| t > now.saturating_add(CLOCK_SKEW)) {
            return Err(Error::new(ErrorCode::TicketNotYetValid));
        }
        Ok(())
    }

    /// Whether the ticket's own hospital limits (`data_holder_filter`: any one entry suffices) let it be shown at a
    /// hospital with these facts: always when it has none. Decided before anything is sent — showing a ticket tells
    /// the hospital the patient's name and birth date.
    pub fn covers(&self, facts: &HolderFacts<'_>) -> bool {
        covered(&self.claims.holder_filters, facts)
    }

    /// Whether this ticket may be presented at `fhir_base_url` (digest §4.1): a Data-Holder audience must name it;
    /// a framework audience relies on the directory (hints), so it is accepted here.
    pub fn usable_at(&self, fhir_base_url: &str) -> bool {
        self.claims.aud_is_framework
            || self.claims.aud.iter().any(|a| a.trim_end_matches('/') == fhir_base_url.trim_end_matches('/'))
    }
}

/// The largest ticket Tessera reads (real tickets are a few KiB; anything near this is hostile).
pub const MAX_TICKET_BYTES: usize = 256 * 1024;

/// `must_understand` entries Tessera understands (it reads and honours the sensitivity policy).
const UNDERSTOOD: &[&str] = &["sensitivity_policy"];

/// Refuses claims whose shape is wrong, before anything is read from them: a claim that is present must have its
/// type (a wrong type never silently drops a check — binding, revocation, times, continuation), and a
/// `must_understand` entry Tessera does not know makes the ticket unsupported.
fn check_shapes(c: &Value) -> Result<()> {
    let wrong = |what: &str| Err(malformed(&format!("{what} has the wrong type")));
    let integer = |name: &str| c.get(name).is_none_or(|v| v.is_i64());
    for name in ["iat", "nbf", "exp"] {
        if !integer(name) {
            return wrong(name);
        }
    }
    if !c.pointer("/subject/patient").is_none_or(Value::is_object) {
        return wrong("subject.patient");
    }
    if !c.pointer("/access/smart_scopes").is_none_or(Value::is_array) {
        return wrong("access.smart_scopes");
    }
    if !c.get("smart_scopes").is_none_or(Value::is_array) {
        return wrong("smart_scopes");
    }
    if let Some(binding) = c.get("presenter_binding") {
        let method = binding.get("method").and_then(Value::as_str);
        if !binding.is_object() || (method == Some("jkt") && !binding.get("jkt").is_some_and(Value::is_string)) {
            return wrong("presenter_binding");
        }
    }
    if let Some(revocation) = c.get("revocation") {
        if !revocation.get("url").is_some_and(Value::is_string) || !revocation.get("index").is_some_and(Value::is_u64) {
            return wrong("revocation");
        }
    }
    if let Some(continuation) = c.get("continuation") {
        if !continuation.is_object() || !continuation.get("refresh_until").is_none_or(|v| v.is_i64() || v.is_null()) {
            return wrong("continuation");
        }
    }
    match c.get("must_understand") {
        None => {}
        Some(Value::Array(entries)) => {
            for entry in entries {
                match entry.as_str() {
                    Some(name) if UNDERSTOOD.contains(&name) => {}
                    Some(_) => {
                        return Err(Error::new(ErrorCode::TicketUnsupported)
                            .with_detail("must_understand names a rule Tessera does not know"))
                    }
                    None => return wrong("must_understand"),
                }
            }
        }
        Some(_) => return wrong("must_understand"),
    }
    Ok(())
}

/// The newest kernel: `smart_scopes` are requested verbatim (they are the ticket's ceiling) and parsed for words.
fn scopes_grant(smart_scopes: Option<&Value>) -> Grant {
    let mut grant = Grant { scopes: Vec::new(), permissions: Vec::new(), unreadable: Vec::new(), operations: vec![] };
    for scope in smart_scopes.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let scope = scope.trim();
        if scope.is_empty() || grant.scopes.iter().any(|s| s == scope) {
            continue;
        }
        if grant.scopes.len() >= MAX_PERMISSIONS {
            grant.unreadable.push("more permissions than Tessera lists".into());
            break;
        }
        grant.scopes.push(scope.to_string());
        match Permission::from_scope(scope) {
            Some(permission) => grant.permissions.push(permission),
            None => grant.unreadable.push(clean(scope).unwrap_or_default()),
        }
    }
    grant
}

/// The codings of one narrowing list (`category_any_of`, `code_any_of`, or a single `category`/`code`) as
/// granular-scope values (`system|code`, or `code` alone without a system); `None` when one entry has no code
/// (then the permission cannot be requested faithfully).
fn narrowing_values(permission: &Value, names: &[&str]) -> Option<Vec<String>> {
    let Some(list) = names.iter().find_map(|n| permission.get(*n)) else { return Some(vec![]) };
    let entries: Vec<&Value> = match list {
        Value::Array(entries) => entries.iter().collect(),
        single => vec![single],
    };
    entries
        .into_iter()
        .map(|entry| {
            let coded = Coded::read(entry)?;
            let code = coded.code.or_else(|| entry.as_str().and_then(clean))?;
            if code.contains(['&', ' ', '?']) {
                return None;
            }
            Some(match coded.system {
                Some(system) if !system.contains(['&', ' ', '?', '|']) => format!("{system}|{code}"),
                _ => code,
            })
        })
        .collect()
}

/// The older kernel's `permissions` (or `fhir_resources`) as SMART v2 granular scopes: one scope per resource
/// type × category × code, so that Tessera asks for exactly what the ticket grants (digest §2.10, §13).
fn permissions_grant(permissions: Option<&Value>) -> Grant {
    let mut grant = Grant { scopes: Vec::new(), permissions: Vec::new(), unreadable: Vec::new(), operations: vec![] };
    for entry in permissions.and_then(Value::as_array).into_iter().flatten() {
        let kind = entry.get("kind").and_then(Value::as_str).unwrap_or("data");
        if kind == "operation" {
            let name = entry.get("name").and_then(Value::as_str).and_then(clean).unwrap_or_else(|| "unnamed".into());
            let target = entry.get("target").and_then(|t| {
                t.as_str().and_then(clean).or_else(|| t.get("resource_type").and_then(Value::as_str).and_then(clean))
            });
            grant.operations.push(match target {
                Some(target) => format!("{name} on {target}"),
                None => name,
            });
            continue;
        }
        let resource = ["resource_type", "resourceType", "type"]
            .iter()
            .find_map(|n| entry.get(*n).and_then(Value::as_str))
            .filter(|r| *r == "*" || (!r.is_empty() && r.chars().all(|c| c.is_ascii_alphabetic())));
        let interactions: Vec<&str> = entry
            .get("interactions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let letters: String = LETTERS
            .chars()
            .filter(|letter| {
                interactions.iter().any(|i| match *letter {
                    'c' => *i == "create",
                    'r' => matches!(*i, "read" | "vread"),
                    'u' => matches!(*i, "update" | "patch"),
                    'd' => *i == "delete",
                    _ => matches!(*i, "search" | "search-type"),
                })
            })
            .collect();
        let categories = narrowing_values(entry, &["category_any_of", "categoryAnyOf", "category"]);
        let codes = narrowing_values(entry, &["code_any_of", "codeAnyOf", "code"]);
        let (Some(resource), false, Some(categories), Some(codes)) = (resource, letters.is_empty(), categories, codes)
        else {
            let named = ["resource_type", "resourceType", "type"].iter().find_map(|n| entry.get(*n)?.as_str());
            let what = format!("{} ({})", named.unwrap_or("unnamed records"), interactions.join(", "));
            grant.unreadable.push(clean(&what).unwrap_or_else(|| "a permission".into()));
            continue;
        };
        let categories: Vec<Option<String>> =
            if categories.is_empty() { vec![None] } else { categories.into_iter().map(Some).collect() };
        let codes: Vec<Option<String>> =
            if codes.is_empty() { vec![None] } else { codes.into_iter().map(Some).collect() };
        for category in &categories {
            for code in &codes {
                let mut narrowing = Vec::new();
                if let Some(category) = category {
                    narrowing.push(("category".to_string(), category.clone()));
                }
                if let Some(code) = code {
                    narrowing.push(("code".to_string(), code.clone()));
                }
                let permission = Permission {
                    context: "patient".into(),
                    resource: resource.to_string(),
                    letters: letters.clone(),
                    narrowing,
                };
                let scope = permission.scope();
                if grant.scopes.contains(&scope) {
                    continue;
                }
                if grant.scopes.len() >= MAX_PERMISSIONS {
                    // Stop at once: the rest are counted, never expanded (a ticket is network input).
                    grant.unreadable.push("more permissions than Tessera lists".into());
                    return grant;
                }
                grant.scopes.push(scope);
                grant.permissions.push(permission);
            }
        }
    }
    grant
}

/// A reference or a resource in words: a title or name, else its identifier's value, else its `reference`.
fn reference_words(value: &Value) -> Option<String> {
    ["/title", "/name", "/display", "/identifier/0/value", "/identifier/value", "/reference", "/id"]
        .iter()
        .find_map(|p| value.pointer(p).and_then(Value::as_str).and_then(clean))
}

/// Reads one profile claim into words.
type ReadFact = fn(&Value) -> Option<String>;

/// The facts about why a ticket exists: profile claims at the top level (newest kernel) or in `context` (older).
fn context_facts(claims: &Value) -> Vec<ContextFact> {
    let mut facts = Vec::new();
    let names: [(&'static str, ReadFact); 9] = [
        ("study", reference_words),
        ("reason", |v| Coded::read(v).map(|c| c.words())),
        ("consult_request", reference_words),
        ("concern", |v| Coded::read(v).map(|c| c.words())),
        ("referral", reference_words),
        ("service", |v| Coded::read(v).map(|c| c.words())),
        ("claim", |v| {
            let id = reference_words(v)?;
            Some(match v.get("use").and_then(Value::as_str) {
                Some("preauthorization") => format!("{id} (prior authorization)"),
                Some("predetermination") => format!("{id} (predetermination)"),
                _ => id,
            })
        }),
        ("reportable_condition", |v| Coded::read(v).map(|c| c.words())),
        ("measure", |v| {
            let coded = Coded::read(v)?;
            Some(match (&coded.text, &coded.code) {
                (Some(text), Some(code)) if text != code => format!("{text} ({code})"),
                _ => coded.words(),
            })
        }),
    ];
    for (name, read) in names {
        let value = claims.get(name).or_else(|| claims.get("context").and_then(|c| c.get(name)));
        if let Some(words) = value.and_then(read).filter(|w| !w.is_empty()) {
            facts.push(ContextFact { name, words });
        }
    }
    facts
}

/// The purposes of use a ticket states (`purpose` at the top level or in `context`).
fn purposes(claims: &Value) -> Vec<Coded> {
    let read = |v: &Value| Coded::read_preferring(v, ACT_REASON);
    match claims.get("purpose").or_else(|| claims.pointer("/context/purpose")) {
        Some(Value::Array(list)) => list.iter().filter_map(read).collect(),
        Some(one) => read(one).into_iter().collect(),
        None => vec![],
    }
}

/// The embedded identity evidence (`subject_identity_evidence`, `requester_identity_evidence`; one object or a
/// list), with the evidence issuer and assurance read from the embedded token without checking it.
fn evidence(claims: &Value) -> Vec<Evidence> {
    let mut found = Vec::new();
    for (slot, about) in [("subject_identity_evidence", "patient"), ("requester_identity_evidence", "requester")] {
        let entries: Vec<&Value> = match claims.get(slot) {
            Some(Value::Array(list)) => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => continue,
        };
        for entry in entries {
            let token =
                entry.get("jwt").and_then(Value::as_str).and_then(|jwt| tessera_jose::decode_unverified(jwt).ok());
            let field =
                |name: &str| token.as_ref().and_then(|t| t.claims.get(name)).and_then(Value::as_str).and_then(clean);
            found.push(Evidence { about, issuer: field("iss"), acr: field("acr") });
        }
    }
    found
}

fn claim_linkage(value: &Value) -> ClaimLinkage {
    let encounters = match value.get("encounter") {
        Some(Value::Array(list)) => list.iter().filter_map(reference_words).collect(),
        Some(one) => reference_words(one).into_iter().collect(),
        None => vec![],
    };
    let short = |r: String| r.rsplit('/').next().map(String::from).filter(|s| !s.is_empty()).unwrap_or(r);
    ClaimLinkage {
        encounters: encounters.into_iter().map(short).collect(),
        claim: value.get("claim").and_then(reference_words).map(short),
    }
}

fn holder_filters(filter: Option<&Value>) -> Vec<HolderFilter> {
    let entries: Vec<&Value> = match filter {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => return vec![HolderFilter::Unreadable("unknown".into())],
        None => return vec![],
    };
    entries
        .into_iter()
        .map(|entry| match entry.get("kind").and_then(Value::as_str) {
            Some("jurisdiction") => {
                let part =
                    |name: &str| entry.get("address").and_then(|a| a.get(name)).and_then(Value::as_str).and_then(clean);
                match (part("state"), part("country")) {
                    (None, None) => HolderFilter::Unreadable("jurisdiction".into()),
                    (state, country) => HolderFilter::Jurisdiction { state, country },
                }
            }
            Some("organization") => {
                let organizations: Vec<&Value> = match entry.get("organization") {
                    Some(Value::Array(list)) => list.iter().collect(),
                    Some(one @ Value::Object(_)) => vec![one],
                    _ => vec![],
                };
                let names: Vec<String> = organizations
                    .iter()
                    .filter_map(|o| {
                        ["/display", "/name", "/identifier/value", "/identifier/0/value"]
                            .iter()
                            .find_map(|p| o.pointer(p).and_then(Value::as_str).and_then(clean))
                    })
                    .collect();
                if names.is_empty() {
                    HolderFilter::Unreadable("organization".into())
                } else {
                    let identifiers =
                        organizations.iter().flat_map(|o| OrgIdentifier::all_in(o.get("identifier"))).collect();
                    HolderFilter::Organization { names, identifiers }
                }
            }
            other => HolderFilter::Unreadable(other.and_then(clean).unwrap_or_else(|| "unknown".into())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scopes_of(permissions: Value) -> Vec<String> {
        permissions_grant(Some(&permissions)).scopes
    }

    #[test]
    fn older_kernel_permissions_become_granular_scopes() {
        const OBS: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
        let scopes = scopes_of(json!([
            {"kind": "data", "resource_type": "Observation", "interactions": ["read", "search"],
             "category_any_of": [{"system": OBS, "code": "laboratory"}, {"system": OBS, "code": "vital-signs"}]},
            {"kind": "data", "resource_type": "Condition", "interactions": ["search"]},
            {"kind": "data", "resource_type": "Observation", "interactions": ["read"],
             "category_any_of": [{"code": "sdoh"}], "code_any_of": [{"system": "http://loinc.org", "code": "1-8"}]},
            {"kind": "data", "resource_type": "*", "interactions": ["read", "search", "create"]},
            {"kind": "data", "resource_type": "Encounter", "interactions": ["history"]},
            {"kind": "operation", "name": "$everything"},
        ]));
        assert_eq!(
            scopes,
            vec![
                format!("patient/Observation.rs?category={OBS}|laboratory"),
                format!("patient/Observation.rs?category={OBS}|vital-signs"),
                "patient/Condition.s".to_string(),
                "patient/Observation.r?category=sdoh&code=http://loinc.org|1-8".to_string(),
                "patient/*.crs".to_string(),
            ]
        );
        let grant = permissions_grant(Some(&json!([
            {"kind": "data", "resource_type": "Encounter", "interactions": ["history"]},
            {"kind": "operation", "name": "$everything", "target": "Patient"},
        ])));
        assert!(grant.scopes.is_empty());
        assert_eq!(grant.unreadable, vec!["Encounter (history)"]);
        assert_eq!(grant.operations, vec!["$everything on Patient"]);
    }

    #[test]
    fn scopes_parse_and_print_back() {
        for scope in [
            "patient/Observation.rs?category=http://x|laboratory",
            "patient/*.cruds",
            "user/Condition.r",
            "patient/Observation.rs?category=a|b&code=c|d",
        ] {
            assert_eq!(Permission::from_scope(scope).unwrap().scope(), scope);
        }
        assert_eq!(Permission::from_scope("patient/Observation.read").unwrap().letters, "rs");
        for bad in ["openid", "patient/Observation.xyz", "group/X.r", "patient/.rs", "patient/X.rs?bad"] {
            assert!(Permission::from_scope(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn huge_permission_lists_are_capped_not_expanded() {
        let categories: Vec<Value> = (0..100).map(|i| json!({"code": format!("c{i}")})).collect();
        let codes: Vec<Value> = (0..100).map(|i| json!({"code": format!("k{i}")})).collect();
        let grant = permissions_grant(Some(&json!([{"kind": "data", "resource_type": "Observation",
            "interactions": ["read"], "category_any_of": categories, "code_any_of": codes}])));
        assert_eq!(grant.scopes.len(), MAX_PERMISSIONS);
        assert_eq!(grant.unreadable, vec!["more permissions than Tessera lists"]);
    }

    #[test]
    fn a_hospital_is_covered_only_when_the_tickets_own_limits_are_known_to_admit_it() {
        const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
        let npi = |value: &str| OrgIdentifier { system: Some(NPI.into()), value: value.into() };
        let ids = [npi("1111111111")];
        let ids = &ids[..];
        fn facts<'a>(state: Option<&'a str>, identifiers: &'a [OrgIdentifier]) -> HolderFacts<'a> {
            HolderFacts { name: "Mercy Hospital", identifiers, state, country: None }
        }
        let filters = |filter: Value| holder_filters(Some(&filter));
        let admits = |filter: Value, facts: HolderFacts<'_>| filters(filter).iter().any(|f| f.admits(&facts));

        // Jurisdiction: by state; a hospital whose state is unknown is not assumed inside.
        let texas = json!([{"kind": "jurisdiction", "address": {"state": "TX"}}]);
        assert!(admits(texas.clone(), facts(Some("tx"), &[])));
        assert!(!admits(texas.clone(), facts(Some("GA"), &[])));
        assert!(!admits(texas, facts(None, &[])));
        // A country limit alone needs the country known; behind a matching state an unknown country passes, a
        // known other country does not.
        assert!(!admits(json!({"kind": "jurisdiction", "address": {"country": "US"}}), facts(Some("TX"), &[])));
        let texas_us = json!({"kind": "jurisdiction", "address": {"country": "US", "state": "TX"}});
        assert!(admits(texas_us.clone(), facts(Some("TX"), &[])));
        let abroad = HolderFacts { country: Some("AU"), ..facts(Some("TX"), &[]) };
        assert!(!admits(texas_us.clone(), abroad));
        assert!(admits(texas_us, HolderFacts { country: Some("us"), ..facts(Some("TX"), &[]) }));

        // Organization: by identifier (the system must agree when both say one), not by name.
        let org = |identifier: Value| json!([{"kind": "organization", "organization": [{"display": "Mercy Hospital", "identifier": identifier}]}]);
        assert!(admits(org(json!({"system": NPI, "value": "1111111111"})), facts(None, ids)));
        assert!(admits(org(json!([{"value": "1111111111"}])), facts(None, ids)));
        assert!(!admits(org(json!({"system": NPI, "value": "2222222222"})), facts(None, ids)));
        assert!(!admits(org(json!({"system": "urn:other", "value": "1111111111"})), facts(None, ids)));
        assert!(!admits(org(json!({"system": NPI, "value": "1111111111"})), facts(None, &[])), "same name, no id");
        // Only a limit that names an organisation by no identifier at all is matched by name.
        let by_name = json!([{"kind": "organization", "organization": [{"display": "mercy hospital"}]}]);
        assert!(admits(by_name.clone(), facts(None, &[])));
        assert!(!admits(by_name, HolderFacts { name: "Grady", ..facts(None, &[]) }));
        // What Tessera cannot read admits nothing.
        assert!(!admits(json!([{"kind": "postcode", "code": "30303"}]), facts(Some("GA"), ids)));
    }

    #[test]
    fn any_one_limit_suffices_and_a_ticket_without_limits_covers_every_hospital() {
        let facts = HolderFacts { name: "Grady", identifiers: &[], state: Some("GA"), country: None };
        assert!(covered(&[], &facts));
        let mut filters = holder_filters(Some(&json!([
            {"kind": "jurisdiction", "address": {"state": "TX"}},
            {"kind": "jurisdiction", "address": {"state": "GA"}},
        ])));
        assert!(covered(&filters, &facts));
        filters.remove(1);
        assert!(!covered(&filters, &facts));
    }
}
