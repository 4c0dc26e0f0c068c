//! Faults a hospital can be told to show, from `--faults SPEC`.
//!
//! SPEC is a comma-separated list of `INDEX=FAULT[+FAULT...]`, INDEX being the hospital's 0-based position, e.g.
//! `--faults 2=down,4=latency:3000,5=rate-limit:1+slow-body`. The faults:
//!
//! | fault | effect |
//! |---|---|
//! | `latency:MS` | every response is delayed by MS milliseconds |
//! | `server-error` | every request answers 500 |
//! | `flaky:N` | the first N requests answer 503, then it works |
//! | `rate-limit:S` | every other request answers 429 with `Retry-After: S` |
//! | `down` | nothing listens on its port: connection refused |
//! | `hang` | requests are accepted and never answered |
//! | `slow-body` | bodies trickle out a few bytes at a time |
//! | `malformed` | the token endpoint answers broken JSON |
//! | `oversized` | FHIR searches answer a 40 MB body |
//! | `patient-not-found` | no patient matches the ticket's demographics |
//! | `revoked` | the hospital treats every ticket as revoked |
//! | `interaction` | two patients match; the token endpoint answers `interaction_required` |
//! | `no-tickets` | the hospital does not support permission tickets (no token exchange) |
//! | `loop-next` | FHIR searches never end: `next` links loop |
//! | `wrong-patient` | FHIR searches return another patient's records |
//! | `bad-bundle` | FHIR searches answer a Bundle whose entries carry no resource |
//! | `strict-scopes` | a requested scope wider than the ticket grants is refused (`400 invalid_scope`), as independent Data Holders do, instead of being narrowed |
//! | `outside-network` | the SMART configuration does not list the network's trust framework |
//! | `refresh-without-patient` | with `portal-only`: a refresh answer carries no `patient` (launch context is not repeated) |
//! | `portal-only` | no permission tickets: the hospital's own SMART standalone patient launch instead — its login and patient-picker pages (skipped with `--auto-approve`), public or `private_key_jwt` clients, refresh rotation, RFC 7009 (see [`crate::portal`]) |
//!
//! The spec's reference Data Holder's conventions, one switch each (combine them with `+`):
//!
//! | fault | effect |
//! |---|---|
//! | `client-jkt` | a FHIR request with a token from a key-bound ticket must carry `X-Client-JKT: <thumbprint>`, else `400` "Access token proof key mismatch" |
//! | `outcome-refusals` | FHIR authorization refusals answer `400` with an OperationOutcome, never 401/403 |
//! | `refuse:TYPE` | searches of resource TYPE (e.g. `refuse:DocumentReference`) are refused as not authorized here |
//! | `unnamed` | the SMART configuration carries no `organization`: the hospital's name is only in its CapabilityStatement |
//! | `outcome-errors` | registration and token-endpoint errors are FHIR OperationOutcomes (same status, an issue code standing for the OAuth `error`) instead of RFC 6749/7591 JSON |

use std::collections::HashMap;

/// One fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Added latency in milliseconds.
    Latency(u64),
    /// Every request answers 500.
    ServerError,
    /// The first N requests answer 503.
    Flaky(u32),
    /// Every other request answers 429 with this Retry-After (seconds).
    RateLimit(u64),
    /// Connection refused.
    Down,
    /// Never answers.
    Hang,
    /// Trickles the body.
    SlowBody,
    /// Broken JSON from the token endpoint.
    Malformed,
    /// A 40 MB FHIR body.
    Oversized,
    /// No matching patient.
    PatientNotFound,
    /// Tickets are treated as revoked.
    Revoked,
    /// Ambiguous patient match: `interaction_required`.
    Interaction,
    /// No permission-ticket support.
    NoTickets,
    /// Endless paging.
    LoopNext,
    /// Records about another patient.
    WrongPatient,
    /// Bundles whose entries carry no resource.
    BadBundle,
    /// Refuses a token request asking for a scope wider than the ticket (`invalid_scope`) instead of narrowing it.
    StrictScopes,
    /// Does not say it belongs to the network's trust framework (a hospital outside it).
    OutsideNetwork,
    /// No permission tickets: only its own patient portal's SMART standalone launch ([`crate::portal`]).
    PortalOnly,
    /// With [`Fault::PortalOnly`]: refresh answers carry no `patient`.
    RefreshWithoutPatient,
    /// With [`Fault::PortalOnly`]: the person unticks the patient's demographics at the consent screen (no
    /// `patient/Patient.*` scope is granted).
    PortalWithholdsPatient,
    /// Requires `X-Client-JKT` with key-bound tokens on FHIR requests.
    ClientJkt,
    /// Answers FHIR authorization refusals with 400 and an OperationOutcome.
    OutcomeRefusals,
    /// Refuses searches of this resource type as not authorized.
    Refuse(&'static str),
    /// No `organization` in the SMART configuration.
    Unnamed,
    /// Registration and token errors answered as OperationOutcomes.
    OutcomeErrors,
}

impl Fault {
    /// Parses one fault, e.g. `latency:250`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, arg) = text.split_once(':').map_or((text, None), |(n, a)| (n, Some(a)));
        let number = |default: u64| -> Result<u64, String> {
            arg.map_or(Ok(default), |a| a.parse().map_err(|_| format!("fault {name}: {a} is not a number")))
        };
        Ok(match name {
            "latency" => Fault::Latency(number(500)?),
            "server-error" => Fault::ServerError,
            "flaky" => Fault::Flaky(number(2)? as u32),
            "rate-limit" => Fault::RateLimit(number(1)?),
            "down" => Fault::Down,
            "hang" => Fault::Hang,
            "slow-body" => Fault::SlowBody,
            "malformed" => Fault::Malformed,
            "oversized" => Fault::Oversized,
            "patient-not-found" => Fault::PatientNotFound,
            "revoked" => Fault::Revoked,
            "interaction" => Fault::Interaction,
            "no-tickets" => Fault::NoTickets,
            "loop-next" => Fault::LoopNext,
            "wrong-patient" => Fault::WrongPatient,
            "bad-bundle" => Fault::BadBundle,
            "strict-scopes" => Fault::StrictScopes,
            "outside-network" => Fault::OutsideNetwork,
            "portal-only" => Fault::PortalOnly,
            "refresh-without-patient" => Fault::RefreshWithoutPatient,
            "portal-withholds-patient" => Fault::PortalWithholdsPatient,
            "client-jkt" => Fault::ClientJkt,
            "outcome-refusals" => Fault::OutcomeRefusals,
            "refuse" => {
                let named = arg.unwrap_or_default();
                let known = crate::scopes::SEARCHABLE.iter().find(|t| **t == named);
                Fault::Refuse(known.ok_or_else(|| format!("fault refuse: {named:?} is not a searchable type"))?)
            }
            "unnamed" => Fault::Unnamed,
            "outcome-errors" => Fault::OutcomeErrors,
            other => return Err(format!("unknown fault {other:?}")),
        })
    }

    /// The fault as written in a SPEC and in the manifest.
    pub fn label(&self) -> String {
        match self {
            Fault::Latency(ms) => format!("latency:{ms}"),
            Fault::ServerError => "server-error".into(),
            Fault::Flaky(n) => format!("flaky:{n}"),
            Fault::RateLimit(s) => format!("rate-limit:{s}"),
            Fault::Down => "down".into(),
            Fault::Hang => "hang".into(),
            Fault::SlowBody => "slow-body".into(),
            Fault::Malformed => "malformed".into(),
            Fault::Oversized => "oversized".into(),
            Fault::PatientNotFound => "patient-not-found".into(),
            Fault::Revoked => "revoked".into(),
            Fault::Interaction => "interaction".into(),
            Fault::NoTickets => "no-tickets".into(),
            Fault::LoopNext => "loop-next".into(),
            Fault::WrongPatient => "wrong-patient".into(),
            Fault::BadBundle => "bad-bundle".into(),
            Fault::StrictScopes => "strict-scopes".into(),
            Fault::OutsideNetwork => "outside-network".into(),
            Fault::PortalOnly => "portal-only".into(),
            Fault::RefreshWithoutPatient => "refresh-without-patient".into(),
            Fault::PortalWithholdsPatient => "portal-withholds-patient".into(),
            Fault::ClientJkt => "client-jkt".into(),
            Fault::OutcomeRefusals => "outcome-refusals".into(),
            Fault::Refuse(resource_type) => format!("refuse:{resource_type}"),
            Fault::Unnamed => "unnamed".into(),
            Fault::OutcomeErrors => "outcome-errors".into(),
        }
    }
}

/// Parses a whole SPEC into faults per hospital index.
pub fn parse_spec(spec: &str) -> Result<HashMap<usize, Vec<Fault>>, String> {
    let mut out: HashMap<usize, Vec<Fault>> = HashMap::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (index, faults) = item.split_once('=').ok_or_else(|| format!("{item:?}: expected INDEX=FAULT"))?;
        let index: usize = index.trim().parse().map_err(|_| format!("{item:?}: {index} is not a hospital index"))?;
        for fault in faults.split('+') {
            out.entry(index).or_default().push(Fault::parse(fault.trim())?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_labels_round_trip() {
        let spec = parse_spec("2=down, 4=latency:3000+rate-limit:2,0=interaction").unwrap();
        assert_eq!(spec[&2], vec![Fault::Down]);
        assert_eq!(spec[&4], vec![Fault::Latency(3000), Fault::RateLimit(2)]);
        assert_eq!(spec[&4][0].label(), "latency:3000");
        assert_eq!(Fault::parse(&Fault::Flaky(3).label()).unwrap(), Fault::Flaky(3));
        assert_eq!(parse_spec("3=portal-only").unwrap()[&3], vec![Fault::PortalOnly]);
        assert_eq!(Fault::PortalOnly.label(), "portal-only");
        assert_eq!(Fault::parse("refresh-without-patient").unwrap(), Fault::RefreshWithoutPatient);
        assert_eq!(Fault::parse("portal-withholds-patient").unwrap(), Fault::PortalWithholdsPatient);
    }

    #[test]
    fn bad_specs_say_why() {
        assert!(parse_spec("x=down").unwrap_err().contains("not a hospital index"));
        assert!(parse_spec("1=explode").unwrap_err().contains("unknown fault"));
        assert!(parse_spec("1").unwrap_err().contains("INDEX=FAULT"));
    }
}
