//! Records: FHIR search with paging at one hospital (bounded, loop-proof, checked to be about the right patient),
//! normalised into what a caregiver looks at, and merged across hospitals with provenance. Kept in memory only.
//!
//! Paging follows `next` only on the hospital's origin, at most `MAX_PAGES` (20) pages, refusing loops; an entry
//! about anyone but the token's patient refuses the whole page as `records.wrong_patient`. `search_plan` turns the
//! granted scope into searches — one per narrowing query (e.g. `category=…|laboratory`), so no search asks for more
//! than the grant, and never taking `patient`, `subject`, `_count` or `_offset` from a scope. A `FhirReader` sends
//! `X-Client-JKT` with a token from a key-bound ticket. A refusal of one type (401/403, or 400 with an
//! OperationOutcome) is `Found::NotAvailable` and the rest is still read. `search_each` runs a hospital's searches
//! at once through the `OriginGate`, each following its own pages; a search refused with 429 is tried once more
//! alone. Items keep the numeric value and unit of measurements (for trends) and each source's own resource (never
//! serialized: `#[serde(skip)]`) for `export_bundle` (a FHIR `collection`). Merging again with a retried hospital's
//! items equals merging once; each `Source` says how it was reached (`Via::Ticket` or `Via::Portal`). Every report is
//! a source of its own (newest first, with its own date and detail; one resource read twice is one source), and the
//! item's headline — date, detail, dose, status, value, flag, range — is the newest report's, all from its one
//! resource. Results carry the hospital's `Flag` (its interpretation, else the value against its own range) and
//! range; units read as people write them (`unit_words`); medicines their dose, FHIR status and reason.
//! `read_all`/`gather` are shared by the ticket and portal paths.

pub mod missing;
pub mod opening;
pub mod shelf;

use crate::base::http::{Http, Party};
use crate::base::origin::OriginGate;
use crate::base::text::plain;
use crate::broker::same_origin;
use crate::words::describe::iso_date_words;
use crate::{Error, ErrorCode, Result, Sensitive};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use ts_rs::TS;

/// Resource types read, with the category each becomes.
pub const RESOURCE_TYPES: &[(&str, Category)] = &[
    ("Condition", Category::Problem),
    ("MedicationRequest", Category::Medication),
    ("AllergyIntolerance", Category::Allergy),
    ("Observation", Category::Result),
    ("Immunization", Category::Immunization),
    ("Encounter", Category::Visit),
    ("DiagnosticReport", Category::Result),
    ("DocumentReference", Category::Document),
    ("Procedure", Category::Procedure),
];
/// The longest text Tessera keeps from one record field (a title, a detail).
const MAX_TEXT: usize = 500;
/// Most pages followed per search.
pub const MAX_PAGES: usize = 20;

/// What kind of thing a record is, for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Conditions.
    Problem,
    /// Medication requests.
    Medication,
    /// Allergies.
    Allergy,
    /// Lab results, vital signs, reports.
    Result,
    /// Immunizations.
    Immunization,
    /// Encounters.
    Visit,
    /// Documents.
    Document,
    /// Procedures.
    Procedure,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 8] = [
        Category::Problem,
        Category::Medication,
        Category::Allergy,
        Category::Result,
        Category::Immunization,
        Category::Visit,
        Category::Document,
        Category::Procedure,
    ];

    /// The `--type` name.
    pub fn name(self) -> &'static str {
        match self {
            Category::Problem => "problems",
            Category::Medication => "medications",
            Category::Allergy => "allergies",
            Category::Result => "results",
            Category::Immunization => "immunizations",
            Category::Visit => "visits",
            Category::Document => "documents",
            Category::Procedure => "procedures",
        }
    }

    /// Parses a `--type` name.
    pub fn parse(name: &str) -> Option<Self> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// How Tessera reached a hospital's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// With a permission ticket ("via your permission ticket").
    #[default]
    Ticket,
    /// Through the hospital's own patient portal sign-in ("via Emory's patient portal").
    Portal,
}

/// Which hospital said it, when, and what its own entry says (two orders of one medicine at one hospital are two
/// sources).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Source {
    /// Hospital name.
    pub hospital: String,
    /// Hospital FHIR base URL.
    pub fhir_base_url: String,
    /// The date that hospital gives, "12 Nov 2025".
    pub date: Option<String>,
    /// That entry's own detail (its prescriber, value or status), as the item's `detail` would say it.
    pub detail: Option<String>,
    /// How its records were reached.
    pub via: Via,
    /// The FHIR resource's id at that hospital, to recognise the same entry read twice (never sent to a front end).
    #[serde(skip)]
    #[ts(skip)]
    pub resource_id: Option<String>,
    /// The entry's `YYYY-MM-DD` date, to order the sources newest first.
    #[serde(skip)]
    #[ts(skip)]
    pub day: Option<String>,
}

/// The hospital's own reading of a result against its reference range (FHIR `interpretation`, v3
/// ObservationInterpretation), or, when it gives none, the value against the range it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Above the range (`H`).
    High,
    /// Below the range (`L`).
    Low,
    /// Critically high (`HH`, `HU`).
    CriticallyHigh,
    /// Critically low (`LL`, `LU`).
    CriticallyLow,
    /// Abnormal, neither high nor low (`A`, `POS`, `R`, …).
    Abnormal,
    /// Critically abnormal (`AA`).
    CriticallyAbnormal,
}

impl Flag {
    /// The flag of a v3 ObservationInterpretation code; `None` for normal, negative and codes that flag nothing.
    pub fn of_code(code: &str) -> Option<Flag> {
        match code {
            "H" | ">" => Some(Flag::High),
            "L" | "<" => Some(Flag::Low),
            "HH" | "HU" => Some(Flag::CriticallyHigh),
            "LL" | "LU" => Some(Flag::CriticallyLow),
            "AA" => Some(Flag::CriticallyAbnormal),
            "A" | "POS" | "R" | "DET" | "W" | "IND" | "E" => Some(Flag::Abnormal),
            _ => None,
        }
    }

    /// The name printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::High => "high",
            Flag::Low => "low",
            Flag::CriticallyHigh => "critically high",
            Flag::CriticallyLow => "critically low",
            Flag::Abnormal => "abnormal",
            Flag::CriticallyAbnormal => "critically abnormal",
        }
    }
}

/// One record as a person sees it, with every hospital that reported it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RecordItem {
    /// Stable within a merged record: the same fact from several hospitals has one id.
    pub id: String,
    /// See [`Category`].
    pub category: Category,
    /// "Type 2 diabetes mellitus".
    pub title: String,
    /// "7.2 %", "active", "Office visit"…
    pub detail: Option<String>,
    /// `system|code` of the main coding, if any.
    pub code: Option<String>,
    /// The numeric value of a measurement (a lab result or vital sign), for trends.
    pub value: Option<f64>,
    /// The unit of `value` as people write it ("mmHg", "°F"; see [`unit_words`]).
    pub unit: Option<String>,
    /// A result's reference range as the hospital gives it, "70–99 mg/dL".
    pub range: Option<String>,
    /// A result outside its range, as the hospital reads it.
    pub flag: Option<Flag>,
    /// A medicine's dose and instructions, "10 mg once daily".
    pub dose: Option<String>,
    /// The FHIR status of a medicine order (`active`, `on-hold`, `stopped`, `completed`, …), for the front end to
    /// word.
    pub status: Option<String>,
    /// What a medicine is for, as the order says ("Alzheimer's disease").
    pub reason: Option<String>,
    /// `YYYY-MM-DD` used for sorting.
    pub date: Option<String>,
    /// Who said it.
    pub sources: Vec<Source>,
    /// The FHIR resources this item was read from, one per source: kept in Rust memory for an export the person
    /// asks for, never serialized to a front end.
    #[serde(skip)]
    #[ts(skip)]
    pub resources: Vec<Value>,
}

/// A hospital's name and base, attached to what it returns.
#[derive(Debug, Clone)]
pub struct HospitalRef {
    /// Name.
    pub name: String,
    /// FHIR base URL.
    pub fhir_base_url: String,
}

fn invalid(code: ErrorCode, detail: impl Into<String>) -> Error {
    Error::new(code).with_detail(detail.into())
}

/// One hospital's FHIR server as one access token sees it: the base, the token, the patient the token is for and,
/// for a token from a ticket bound to Tessera's key, that key's RFC 7638 thumbprint, sent as `X-Client-JKT` on every
/// request (servers such as the spec's reference Data Holder refuse a key-bound token without it; others ignore it).
pub struct FhirReader<'a> {
    /// The HTTP client.
    pub http: &'a Http,
    /// FHIR base URL.
    pub fhir_base_url: &'a str,
    /// The access token.
    pub token: &'a Sensitive<String>,
    /// The patient's id at this hospital (the token response's `patient`).
    pub patient: &'a str,
    /// Tessera's key thumbprint when the token came from a key-bound ticket.
    pub client_jkt: Option<&'a str>,
}

/// What one search found: the resources, or that the hospital would not let this grant read that type.
#[derive(Debug)]
pub enum Found {
    /// Every resource of the type (possibly none).
    Read(Vec<Value>),
    /// The hospital refused this type (HTTP 401/403, or 400 with an OperationOutcome): the rest of the record is
    /// still read. The hospital's own words, for the activity log.
    NotAvailable(String),
}

/// One search to run: a resource type and, when the granted scope narrows it, the scope's query (`category=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// The FHIR resource type.
    pub resource_type: &'static str,
    /// Extra search parameters, already form-encoded (`category=…%7Claboratory`); `None`: every resource of the type.
    pub filter: Option<String>,
}

/// The searches a granted scope (space-separated SMART scopes) allows, in [`RESOURCE_TYPES`] order: a type is read
/// when a `patient/` scope names it (or `*`); when every such scope narrows it with a query, one search per query,
/// so no search asks for more than the grant covers. Search parameters that would change whose records are read or
/// how pages are cut (`patient`, `subject`, `_count`, `_offset`) are never taken from a scope.
pub fn search_plan(granted: &str) -> Vec<Search> {
    let mut plan = Vec::new();
    for (resource_type, _) in RESOURCE_TYPES {
        let mut queries: Vec<Option<String>> = Vec::new();
        for scope in granted.split_whitespace() {
            let Some(rest) = scope.strip_prefix("patient/") else { continue };
            let (resource, query) = rest.split_once('?').map_or((rest, None), |(r, q)| (r, Some(q)));
            let Some((named, _permissions)) = resource.split_once('.') else { continue };
            if named != *resource_type && named != "*" {
                continue;
            }
            let filter = query.map(search_parameters).filter(|f| !f.is_empty());
            if !queries.contains(&filter) {
                queries.push(filter);
            }
        }
        if queries.contains(&None) {
            queries = vec![None];
        }
        plan.extend(queries.into_iter().map(|filter| Search { resource_type, filter }));
    }
    plan
}

/// A scope's query as search parameters, re-encoded, without the ones a scope may not set.
fn search_parameters(query: &str) -> String {
    let kept = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| !name.is_empty() && !["patient", "subject", "_count", "_offset"].contains(&name.as_ref()));
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish()
}

impl FhirReader<'_> {
    /// Reads every resource of `search`'s type for the patient, following `next` links on the same origin, at most
    /// [`MAX_PAGES`] pages, refusing loops and anything about another patient.
    pub async fn search(&self, search: &Search) -> Result<Found> {
        let (base, patient, resource_type) = (self.fhir_base_url, self.patient, search.resource_type);
        let mut url = format!("{base}/{resource_type}?patient={patient}&_count=100");
        if let Some(filter) = &search.filter {
            url = format!("{url}&{filter}");
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            if !seen.insert(url.clone()) {
                return Err(invalid(ErrorCode::RecordsInvalid, "paging loops back on itself"));
            }
            let proof = self.client_jkt.map(|jkt| ("X-Client-JKT", jkt));
            let answer = self.http.get_with(Party::Hospital, &url, Some(self.token.expose()), proof).await?;
            if let Some(refusal) = refusal(answer.status, &answer.json) {
                return Ok(Found::NotAvailable(refusal));
            }
            let (resources, next) = read_page(&answer.json, answer.status, base, patient, resource_type)?;
            out.extend(resources);
            match next {
                None => return Ok(Found::Read(out)),
                Some(next) => url = next,
            }
        }
        Err(invalid(ErrorCode::RecordsInvalid, "too many pages"))
    }
}

/// Whether an answer refuses the search as not covered by the grant here: HTTP 401 or 403, or — as servers such as
/// the spec's reference Data Holder answer authorization failures — 400 with an OperationOutcome. Returns the
/// hospital's words (its first issue's diagnostics or code), at most 200 characters.
pub fn refusal(status: u16, body: &Value) -> Option<String> {
    let outcome = body.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome");
    if !(status == 401 || status == 403 || (status == 400 && outcome)) {
        return None;
    }
    let issue = body.pointer("/issue/0");
    let words = issue
        .and_then(|i| i.get("diagnostics").or_else(|| i.pointer("/details/text")).or_else(|| i.get("code")))
        .and_then(Value::as_str)
        .unwrap_or("");
    Some(format!("HTTP {status} {}", words.chars().take(200).collect::<String>()).trim_end().to_string())
}

/// Runs every search of `plan` at one hospital, all at once: each holds a place at the hospital's origin
/// ([`OriginGate`]) while it follows its own pages, so the searches never exceed the gate's cap there and none waits
/// for another's paging. A search the hospital refused as too busy (HTTP 429, after the client's own retries) is
/// tried once more alone there, as a sequential client would have read it. `found` hears each search's resource
/// count the moment it ends.
/// Returns what each search found, in `plan` order; when searches fail, the error of the first failing search in
/// that order (as reading them one after another would have).
pub async fn search_each(
    reader: &FhirReader<'_>,
    gate: &OriginGate,
    plan: &[Search],
    found: impl Fn(usize),
) -> Result<Vec<Found>> {
    let base = reader.fhir_base_url;
    let searches = plan.iter().map(|search| {
        let found = &found;
        async move {
            let read = match gate.run(base, reader.search(search)).await {
                Err(busy) if busy.code() == ErrorCode::HospitalBusy => {
                    gate.run_alone(base, reader.search(search)).await
                }
                read => read,
            };
            if let Ok(Found::Read(resources)) = &read {
                found(resources.len());
            }
            read
        }
    });
    futures_util::future::join_all(searches).await.into_iter().collect()
}

/// One hospital's record as read with one grant: the items, and what the log says about it.
#[derive(Debug, Default)]
pub struct Gathered {
    /// Resources read (a resource two narrowed searches both found counts once).
    pub resources: u32,
    /// What they became.
    pub items: Vec<RecordItem>,
    /// The resource types the hospital would not let this grant read (the rest was read).
    pub refused: Vec<&'static str>,
    /// One line per search for the activity log: "Condition: 3", "DocumentReference: not available (…)".
    pub counts: Vec<String>,
}

/// Runs `plan` at one hospital ([`search_each`]) and reads what it found into items from `from`. `progress` hears
/// the running total of resources found.
pub async fn read_all(
    reader: &FhirReader<'_>,
    gate: &OriginGate,
    plan: &[Search],
    from: &HospitalRef,
    progress: impl Fn(u32),
) -> Result<Gathered> {
    use std::sync::atomic::{AtomicU32, Ordering};
    let so_far = AtomicU32::new(0);
    let counted = |found: usize| {
        let found = u32::try_from(found).unwrap_or(u32::MAX);
        let add = |sum: u32| Some(sum.saturating_add(found));
        let before = so_far.fetch_update(Ordering::SeqCst, Ordering::SeqCst, add).unwrap_or(u32::MAX);
        progress(before.saturating_add(found));
    };
    let found = search_each(reader, gate, plan, counted).await?;
    Ok(gather(plan, found, from))
}

/// What `plan`'s searches `found` at the hospital `from`, as items: each resource once (two narrowed searches of
/// one type may find the same one), the refused types noted.
pub fn gather(plan: &[Search], found: Vec<Found>, from: &HospitalRef) -> Gathered {
    let mut gathered = Gathered::default();
    let mut seen = HashSet::new();
    for (search, found) in plan.iter().zip(found) {
        let resource = search.resource_type;
        let found = match found {
            Found::Read(found) => found,
            Found::NotAvailable(why) => {
                gathered.counts.push(format!("{resource}: not available ({why})"));
                if !gathered.refused.contains(&resource) {
                    gathered.refused.push(resource);
                }
                continue;
            }
        };
        gathered.counts.push(format!("{resource}: {}", found.len()));
        let new: Vec<Value> = found
            .into_iter()
            .filter(|r| r.get("id").and_then(Value::as_str).is_none_or(|id| seen.insert(format!("{resource}/{id}"))))
            .collect();
        gathered.resources = gathered.resources.saturating_add(u32::try_from(new.len()).unwrap_or(u32::MAX));
        gathered.items.extend(new.into_iter().filter_map(|r| normalise_owned(r, from)));
    }
    gathered
}

/// Checks one page of a `resource_type` search for `patient` that answered HTTP `status`: it must be a Bundle whose
/// `entry` (when present) is a list of entries, each carrying a `resource_type` resource about the token's patient
/// (see [`search_all`]). Returns the resources and the page's `next` link, which must stay on the hospital's origin.
/// Any other page is `records.invalid`; an entry about someone else refuses the whole page as
/// `records.wrong_patient`.
pub fn read_page(
    bundle: &Value,
    status: u16,
    fhir_base_url: &str,
    patient: &str,
    resource_type: &str,
) -> Result<(Vec<Value>, Option<String>)> {
    if status != 200 || bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(invalid(
            ErrorCode::RecordsInvalid,
            format!("{resource_type} search: HTTP {status} without a Bundle"),
        ));
    }
    let entries = match bundle.get("entry") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(entries)) => &entries[..],
        Some(_) => return Err(invalid(ErrorCode::RecordsInvalid, "Bundle.entry is not a list")),
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let resource =
            entry.get("resource").ok_or_else(|| invalid(ErrorCode::RecordsInvalid, "entry without resource"))?;
        if resource.get("resourceType").and_then(Value::as_str) != Some(resource_type) {
            return Err(invalid(ErrorCode::RecordsInvalid, "entry of an unexpected type"));
        }
        entry_is_about(resource, fhir_base_url, patient)?;
        out.push(resource.clone());
    }
    let next = bundle
        .get("link")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|l| l.get("relation").and_then(Value::as_str) == Some("next"))
        .and_then(|l| l.get("url"))
        .and_then(Value::as_str);
    match next {
        None => Ok((out, None)),
        Some(next) if same_origin(fhir_base_url, next) => Ok((out, Some(next.to_string()))),
        Some(_) => Err(invalid(ErrorCode::RecordsInvalid, "next link to another origin")),
    }
}

/// Every entry must name its patient (`subject` or `patient`) and it must be the token's: an entry about someone
/// else is `records.wrong_patient`, one that names no one is `records.invalid` — neither is ever shown. An entry
/// that names its patient twice (`subject` and `patient`) must name the token's patient both times.
fn entry_is_about(resource: &Value, fhir_base_url: &str, patient: &str) -> Result<()> {
    let ours = format!("Patient/{patient}");
    let mut named = false;
    for pointer in ["/subject/reference", "/patient/reference"] {
        match resource.pointer(pointer) {
            None => {}
            Some(Value::String(reference)) => {
                // Relative, or absolute on this hospital's base (stripped once: a doubled base is not this patient).
                let local =
                    reference.strip_prefix(fhir_base_url).and_then(|r| r.strip_prefix('/')).unwrap_or(reference);
                if local != ours {
                    return Err(Error::new(ErrorCode::RecordsWrongPatient));
                }
                named = true;
            }
            Some(_) => return Err(invalid(ErrorCode::RecordsInvalid, "a patient reference that is not text")),
        }
    }
    if named {
        Ok(())
    } else {
        Err(invalid(ErrorCode::RecordsInvalid, "an entry names no patient"))
    }
}

fn concept_text(concept: Option<&Value>) -> Option<String> {
    let concept = concept?;
    // Text that is empty or blank says nothing: the coding's display, else nothing (an item needs a title).
    let words = |value: Option<&Value>| value.and_then(Value::as_str).and_then(|t| plain(t, MAX_TEXT));
    words(concept.get("text")).or_else(|| words(concept.pointer("/coding/0/display")))
}

fn concept_code(concept: Option<&Value>) -> Option<String> {
    let coding = concept?.pointer("/coding/0")?;
    Some(format!("{}|{}", coding.get("system")?.as_str()?, coding.get("code")?.as_str()?))
}

/// A FHIR date or dateTime reduced to its `YYYY`, `YYYY-MM` or `YYYY-MM-DD` part; `None` when it is not one (text
/// from a hospital is not trusted to be a date: an item with a bad date is shown without one).
fn fhir_date(text: &str) -> Option<String> {
    let (date, time) = text.split_once('T').map_or((text, None), |(date, time)| (date, Some(time)));
    let number = |part: &str, len: usize| {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse::<u16>().ok()).flatten()
    };
    let parts: Vec<&str> = date.split('-').collect();
    let year = number(parts.first()?, 4)?;
    let valid = match parts[..] {
        [_] => time.is_none(),
        [_, month] => time.is_none() && number(month, 2).is_some_and(|m| (1..=12).contains(&m)),
        [_, month, day] => {
            let month = number(month, 2).and_then(|m| ::time::Month::try_from(m as u8).ok());
            let day = number(day, 2);
            month.zip(day).is_some_and(|(m, d)| ::time::Date::from_calendar_date(year.into(), m, d as u8).is_ok())
        }
        _ => false,
    };
    valid.then(|| date.to_string())
}

/// Normalises one FHIR resource; `None` for resources a person would not look at.
pub fn normalise(resource: &Value, from: &HospitalRef) -> Option<RecordItem> {
    let mut item = read_item(resource, from)?;
    item.resources.push(resource.clone());
    Some(item)
}

/// [`normalise`], keeping `resource` itself in the item instead of a copy (for a page read once).
pub fn normalise_owned(resource: Value, from: &HospitalRef) -> Option<RecordItem> {
    let mut item = read_item(&resource, from)?;
    item.resources.push(resource);
    Some(item)
}

/// What [`normalise`] reads from a resource, without the resource.
fn read_item(resource: &Value, from: &HospitalRef) -> Option<RecordItem> {
    let kind = resource.get("resourceType")?.as_str()?;
    let category = RESOURCE_TYPES.iter().find(|(t, _)| *t == kind)?.1;
    let text = |path: &str| resource.pointer(path).and_then(Value::as_str).and_then(|t| plain(t, MAX_TEXT));
    // Dates are read as given: one that is not exactly a date is dropped, never cleaned into one.
    let raw = |path: &str| resource.pointer(path).and_then(Value::as_str).map(String::from);
    let measurement = (kind == "Observation")
        .then(|| resource.get("valueQuantity"))
        .flatten()
        .and_then(|q| Some((q.get("value")?.as_f64().filter(|v| v.is_finite())?, quantity_unit(q))));
    let (concept, date, detail) = match kind {
        "Condition" => ("/code", raw("/onsetDateTime").or(raw("/recordedDate")), text("/clinicalStatus/coding/0/code")),
        "MedicationRequest" => (
            "/medicationCodeableConcept",
            raw("/authoredOn"),
            text("/requester/display").map(|d| format!("prescribed by {d}")),
        ),
        "AllergyIntolerance" => {
            ("/code", raw("/recordedDate"), text("/criticality").map(|c| format!("{c} criticality")))
        }
        "Observation" => {
            let value = measurement.as_ref().map(|(number, unit)| with_unit(*number, unit.as_deref()));
            ("/code", raw("/effectiveDateTime"), value)
        }
        "Immunization" => ("/vaccineCode", raw("/occurrenceDateTime"), text("/status")),
        "Encounter" => ("/type/0", raw("/period/start"), text("/class/display")),
        "DiagnosticReport" => ("/code", raw("/effectiveDateTime"), text("/status")),
        "DocumentReference" => ("/type", raw("/date"), text("/content/0/attachment/title")),
        "Procedure" => ("/code", raw("/performedDateTime"), text("/status")),
        _ => return None,
    };
    let concept = resource.pointer(concept);
    let date = date.as_deref().and_then(fhir_date);
    let medicine = kind == "MedicationRequest";
    let range = (kind == "Observation").then(|| reference_range(resource)).flatten();
    let flag = (kind == "Observation").then(|| result_flag(resource, measurement.as_ref().map(|(v, _)| *v))).flatten();
    Some(RecordItem {
        id: String::new(),
        category,
        title: concept_text(concept).unwrap_or_else(|| kind.to_string()),
        code: concept_code(concept),
        value: measurement.as_ref().map(|(number, _)| *number),
        unit: measurement.and_then(|(_, unit)| unit),
        range,
        flag,
        dose: medicine.then(|| dose_words(resource)).flatten(),
        status: medicine.then(|| text("/status")).flatten().filter(|s| s.len() <= 32),
        reason: medicine
            .then(|| {
                let first = |path: &str| resource.pointer(path);
                first("/reasonReference/0/display")
                    .and_then(Value::as_str)
                    .and_then(|t| plain(t, MAX_TEXT))
                    .or_else(|| concept_text(first("/reasonCode/0")))
            })
            .flatten(),
        resources: Vec::with_capacity(1),
        sources: vec![Source {
            hospital: from.name.clone(),
            fhir_base_url: from.fhir_base_url.clone(),
            date: date.as_deref().map(iso_date_words),
            detail: detail.clone(),
            via: Via::Ticket,
            resource_id: text("/id"),
            day: date.clone(),
        }],
        detail,
        date,
    })
}

/// A number with its unit, "196.6 mg/dL", "98.1 °F"; a unit that is only a count or score adds nothing.
fn with_unit(number: f64, unit: Option<&str>) -> String {
    format!("{number} {}", unit.unwrap_or_default()).trim().to_string()
}

/// A Quantity's unit as people write it: its `unit`, else its UCUM `code`, through [`unit_words`].
fn quantity_unit(quantity: &Value) -> Option<String> {
    let unit =
        ["unit", "code"].iter().find_map(|k| quantity.get(*k).and_then(Value::as_str).filter(|u| !u.is_empty()))?;
    plain(&unit_words(unit), 40)
}

/// A UCUM unit as people write it: `mm[Hg]` → mmHg, `[degF]` → °F, `m[IU]/L` → mIU/L, `10*3/uL` → ×10³/µL, `/min`
/// → per minute, and annotations such as `{score}` → nothing. Units already in people's words pass through.
pub fn unit_words(unit: &str) -> String {
    let whole = match unit {
        "Cel" => Some("°C"),
        "kg/m2" => Some("kg/m²"),
        "10*3/uL" => Some("×10³/µL"),
        "10*6/uL" => Some("×10⁶/µL"),
        "10*9/L" => Some("×10⁹/L"),
        "10*12/L" => Some("×10¹²/L"),
        "meq/L" => Some("mEq/L"),
        "/min" | "{beats}/min" => Some("per minute"),
        "{breaths}/min" => Some("breaths per minute"),
        "mL/min/{1.73_m2}" => Some("mL/min/1.73 m²"),
        _ => None,
    };
    if let Some(words) = whole {
        return words.to_string();
    }
    // Bracketed UCUM atoms, and the `u` UCUM writes for micro.
    let mut words = unit.to_string();
    for (atom, plain) in [
        ("[degF]", "°F"),
        ("[lb_av]", "lb"),
        ("[in_i]", "in"),
        ("[ft_i]", "ft"),
        ("[IU]", "IU"),
        ("[iU]", "IU"),
        ("[Hg]", "Hg"),
        ("[ppm]", "ppm"),
        ("[pH]", "pH"),
    ] {
        words = words.replace(atom, plain);
    }
    if words.starts_with('u') && words.len() > 1 && words[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
        words.replace_range(..1, "µ");
    }
    // Annotations (`{score}`, `{cells}/uL`) say nothing a person needs.
    while let (Some(open), Some(close)) = (words.find('{'), words.find('}')) {
        if close < open {
            break;
        }
        words.replace_range(open..=close, "");
    }
    words.trim().to_string()
}

/// A result's first reference range: its text, else its low and high ("70–99 mg/dL", "under 5", "over 40").
fn reference_range(resource: &Value) -> Option<String> {
    let range = resource.pointer("/referenceRange/0")?;
    let bound = |name: &str| range.get(name).and_then(|q| Some((q.get("value")?.as_f64()?, quantity_unit(q))));
    let text = range.get("text").and_then(Value::as_str).and_then(|t| plain(t, 80));
    let words = match (bound("low"), bound("high")) {
        (Some((low, unit)), Some((high, _))) => {
            Some(format!("{low}–{high}{}", unit.map(|u| format!(" {u}")).unwrap_or_default()))
        }
        (Some((low, unit)), None) => Some(format!("at least {}", with_unit(low, unit.as_deref()))),
        (None, Some((high, unit))) => Some(format!("at most {}", with_unit(high, unit.as_deref()))),
        (None, None) => None,
    };
    text.or(words)
}

/// A result's flag: the hospital's interpretation, else its value against its own range (both from this one
/// resource).
fn result_flag(resource: &Value, value: Option<f64>) -> Option<Flag> {
    let codes: Vec<&str> = resource
        .get("interpretation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|i| i.get("coding").and_then(Value::as_array).into_iter().flatten())
        .filter_map(|c| c.get("code").and_then(Value::as_str))
        .collect();
    if !codes.is_empty() {
        return codes.into_iter().find_map(Flag::of_code);
    }
    let value = value?;
    let bound = |name: &str| resource.pointer(&format!("/referenceRange/0/{name}/value")).and_then(Value::as_f64);
    match (bound("low"), bound("high")) {
        (Some(low), _) if value < low => Some(Flag::Low),
        (_, Some(high)) if value > high => Some(Flag::High),
        _ => None,
    }
}

/// A medicine order's dose and instructions: the first instruction's text, else its dose, how often and route
/// ("10 mg, 1 time a day, by mouth").
fn dose_words(resource: &Value) -> Option<String> {
    let instruction = resource.pointer("/dosageInstruction/0")?;
    if let Some(text) = instruction.get("text").and_then(Value::as_str).and_then(|t| plain(t, 200)) {
        return Some(text);
    }
    let dose = instruction
        .pointer("/doseAndRate/0/doseQuantity")
        .and_then(|q| Some(with_unit(q.get("value")?.as_f64()?, quantity_unit(q).as_deref())));
    let timing = instruction.pointer("/timing/repeat").and_then(|r| {
        let frequency = r.get("frequency")?.as_u64()?;
        let period = r.get("period")?.as_f64()?;
        let unit = match r.get("periodUnit")?.as_str()? {
            "h" => "hour",
            "d" => "day",
            "wk" => "week",
            "mo" => "month",
            _ => return None,
        };
        let times = if frequency == 1 { "once".to_string() } else { format!("{frequency} times") };
        Some(if period == 1.0 { format!("{times} a {unit}") } else { format!("{times} every {period} {unit}s") })
    });
    let route = concept_text(instruction.get("route")).map(|r| r.to_lowercase());
    let parts: Vec<String> = [dose, timing, route].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Marks `items`, read at one hospital, as reached `via` (items are normalised as reached with a ticket).
pub fn reached_via(items: &mut [RecordItem], via: Via) {
    for source in items.iter_mut().flat_map(|item| item.sources.iter_mut()) {
        source.via = via;
    }
}

/// The key under which reports of the same thing from different hospitals are recognised as one.
fn merge_key(item: &RecordItem) -> String {
    let what = item.code.clone().unwrap_or_else(|| item.title.to_lowercase());
    match item.category {
        // Long-running facts: the same problem, medicine or allergy, whenever it was recorded.
        Category::Problem | Category::Medication | Category::Allergy => format!("{:?}|{what}", item.category),
        // Events: the same thing on the same day (and, for results, the same value).
        _ => format!(
            "{:?}|{what}|{}|{}",
            item.category,
            item.date.as_deref().unwrap_or(""),
            item.detail.as_deref().unwrap_or("")
        ),
    }
}

/// Merges normalised items from many hospitals: duplicates become one item listing all their sources (and keeping
/// each source's resource). Sorted by category, then newest first. Merging a merged record with more items is the
/// same as merging everything at once, so a retried hospital's items can be added to what is already shown.
pub fn merge(items: impl IntoIterator<Item = RecordItem>) -> Vec<RecordItem> {
    let mut merged: BTreeMap<String, RecordItem> = BTreeMap::new();
    for mut item in items {
        let key = merge_key(&item);
        match merged.get_mut(&key) {
            Some(existing) => {
                // An entry read again (a retried hospital) replaces its earlier reading; a new one is added.
                for (source, resource) in item.sources.into_iter().zip(item.resources) {
                    match existing.sources.iter().position(|s| s.same_entry(&source)) {
                        Some(i) => (existing.sources[i], existing.resources[i]) = (source, resource),
                        None => {
                            existing.sources.push(source);
                            existing.resources.push(resource);
                        }
                    }
                }
                // The headline is one entry's facts together: the newest entry's date, detail, dose, status, value
                // and flag — never one hospital's prescriber beside another's date.
                existing.sort_sources();
                existing.take_headline_of_newest();
            }
            None => {
                item.id = crate::base::ids::short_hash(&[&key]);
                merged.insert(key, item);
            }
        }
    }
    let mut out: Vec<RecordItem> = merged.into_values().collect();
    out.sort_by(|a, b| a.category.cmp(&b.category).then(b.date.cmp(&a.date)).then(a.title.cmp(&b.title)));
    out
}

impl Source {
    /// Whether the two are the same entry at the same hospital (the same resource, read twice).
    fn same_entry(&self, other: &Source) -> bool {
        self.fhir_base_url == other.fhir_base_url
            && match (&self.resource_id, &other.resource_id) {
                (Some(a), Some(b)) => a == b,
                _ => self.date == other.date && self.detail == other.detail,
            }
    }
}

impl RecordItem {
    /// Takes the facts shown in the headline from the newest entry (the first source, once sorted), all of them
    /// from its one resource.
    fn take_headline_of_newest(&mut self) {
        let from = HospitalRef { name: String::new(), fhir_base_url: String::new() };
        let Some(newer) = self.resources.first().and_then(|resource| read_item(resource, &from)) else { return };
        self.date.clone_from(&newer.date);
        self.detail.clone_from(&newer.detail);
        self.value = newer.value;
        self.unit.clone_from(&newer.unit);
        self.range.clone_from(&newer.range);
        self.flag = newer.flag;
        self.dose.clone_from(&newer.dose);
        self.status.clone_from(&newer.status);
        self.reason.clone_from(&newer.reason);
    }

    /// Orders the sources (and their resources with them) newest entry first, so that the first is the one the
    /// headline speaks for.
    fn sort_sources(&mut self) {
        let mut paired: Vec<(Source, Value)> = self.sources.drain(..).zip(self.resources.drain(..)).collect();
        paired.sort_by(|(a, _), (b, _)| {
            let place = |s: &Source| (s.fhir_base_url.clone(), s.resource_id.clone(), s.detail.clone());
            b.day.cmp(&a.day).then_with(|| place(a).cmp(&place(b)))
        });
        (self.sources, self.resources) = paired.into_iter().unzip();
    }
}

/// A FHIR `collection` Bundle of the resources behind `items` (every source's own resource), for an export the
/// person asked for. `timestamp` is the RFC 3339 time of the export.
pub fn export_bundle<'a>(items: impl IntoIterator<Item = &'a RecordItem>, timestamp: &str) -> Value {
    let entries: Vec<Value> = items
        .into_iter()
        .flat_map(|item| item.sources.iter().zip(&item.resources))
        .map(|(source, resource)| {
            let kind = resource.get("resourceType").and_then(Value::as_str).unwrap_or_default();
            let id = resource.get("id").and_then(Value::as_str);
            let mut entry = serde_json::json!({ "resource": resource });
            if let Some(id) = id {
                entry["fullUrl"] = Value::String(format!("{}/{kind}/{id}", source.fhir_base_url));
            }
            entry
        })
        .collect();
    serde_json::json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp,
        "total": entries.len(),
        "entry": entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hospital(name: &str) -> HospitalRef {
        HospitalRef { name: name.into(), fhir_base_url: format!("http://{name}/fhir") }
    }

    #[test]
    fn searches_ask_for_exactly_what_the_granted_scope_covers() {
        let lab = "category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
        let vitals = "category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs";
        let plan = search_plan(&format!(
            "patient/Observation.rs?{lab} patient/Observation.rs?{vitals} patient/Condition.rs launch/patient"
        ));
        let encoded = |q: &str| search_parameters(q);
        assert_eq!(
            plan,
            vec![
                Search { resource_type: "Condition", filter: None },
                Search { resource_type: "Observation", filter: Some(encoded(lab)) },
                Search { resource_type: "Observation", filter: Some(encoded(vitals)) },
            ]
        );
        assert_eq!(
            encoded(lab),
            "category=http%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fobservation-category%7Claboratory"
        );
        // An unnarrowed scope for the type covers the narrowed ones: one search for everything.
        let wide = search_plan(&format!("patient/Observation.rs?{lab} patient/Observation.rs"));
        assert_eq!(wide, vec![Search { resource_type: "Observation", filter: None }]);
        // `*` covers every type read; a scope may not choose the patient or the page size.
        assert_eq!(search_plan("patient/*.rs").len(), RESOURCE_TYPES.len());
        let sneaky =
            search_plan("patient/Condition.rs?patient=other&_count=5000&subject=x&_tag=a&clinical-status=active");
        let kept = Some("_tag=a&clinical-status=active".to_string());
        assert_eq!(sneaky, vec![Search { resource_type: "Condition", filter: kept }]);
        let nothing_left = search_plan("patient/Condition.rs?patient=other");
        assert_eq!(nothing_left, vec![Search { resource_type: "Condition", filter: None }]);
        assert!(search_plan("user/Condition.rs system/*.rs openid").is_empty());
    }

    #[test]
    fn refusals_are_401_403_or_an_operation_outcome_with_400() {
        let outcome = json!({"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "forbidden", "diagnostics": "Scope does not permit DocumentReference"}]});
        assert_eq!(refusal(400, &outcome).as_deref(), Some("HTTP 400 Scope does not permit DocumentReference"));
        assert_eq!(refusal(403, &json!({})).as_deref(), Some("HTTP 403"));
        assert_eq!(refusal(401, &outcome).as_deref(), Some("HTTP 401 Scope does not permit DocumentReference"));
        let coded = json!({"resourceType": "OperationOutcome", "issue": [{"code": "security"}]});
        assert_eq!(refusal(400, &coded).as_deref(), Some("HTTP 400 security"));
        // A 400 that is not an OperationOutcome, a 500 or a page is not a refusal: it is read (and fails) as a page.
        assert_eq!(refusal(400, &json!({"resourceType": "Bundle"})), None);
        assert_eq!(refusal(500, &outcome), None);
        assert_eq!(refusal(200, &json!({"resourceType": "Bundle"})), None);
    }

    #[test]
    fn the_same_problem_from_two_hospitals_is_one_item_with_two_sources() {
        let condition = |id: &str, date: &str| {
            json!({"resourceType": "Condition", "id": id,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006", "display": "Type 2 diabetes mellitus"}]},
            "onsetDateTime": date})
        };
        let a = normalise(&condition("1", "2020-01-01"), &hospital("a")).unwrap();
        let b = normalise(&condition("x9", "2021-05-05"), &hospital("b")).unwrap();
        let lab = normalise(&json!({"resourceType": "Observation", "code": {"text": "HbA1c"}, "effectiveDateTime": "2024-01-01T00:00:00Z", "valueQuantity": {"value": 7.2, "unit": "%"}}), &hospital("a")).unwrap();
        let merged = merge([a, b, lab]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].sources.len(), 2);
        assert_eq!(merged[0].date.as_deref(), Some("2021-05-05"));
        assert_eq!(merged[1].detail.as_deref(), Some("7.2 %"));
        assert_eq!((merged[1].value, merged[1].unit.as_deref()), (Some(7.2), Some("%")));
        assert_ne!(merged[0].id, merged[1].id);

        // The export holds each source's own resource, with the hospital's address in its fullUrl.
        let bundle = export_bundle(&merged[..1], "2026-11-23T00:00:00Z");
        assert_eq!(bundle["type"], "collection");
        let urls: Vec<&str> =
            bundle["entry"].as_array().unwrap().iter().map(|e| e["fullUrl"].as_str().unwrap()).collect();
        assert_eq!(urls, ["http://b/fhir/Condition/x9", "http://a/fhir/Condition/1"], "newest entry first");
    }

    #[test]
    fn a_merged_medicine_shows_one_orders_facts_together_and_keeps_every_order() {
        let order = |id: &str, date: &str, doctor: &str, status: &str, dose: &str| {
            json!({"resourceType": "MedicationRequest", "id": id, "status": status, "authoredOn": date,
                "medicationCodeableConcept": {"coding": [{"system": "rx", "code": "997223", "display": "donepezil 10 MG"}]},
                "requester": {"display": doctor}, "dosageInstruction": [{"text": dose}],
                "reasonReference": [{"display": "Alzheimer's disease"}]})
        };
        let first = order("m1", "2023-03-01", "Dr. Anita Desai", "active", "10 mg at bedtime");
        let newest = order("m2", "2025-01-22", "Dr. Lisa Nakamura", "stopped", "10 mg once daily");
        let again_here = order("m3", "2024-06-10", "Dr. Anita Desai", "completed", "5 mg at bedtime");
        let items = [
            normalise(&first, &hospital("a")).unwrap(),
            normalise(&newest, &hospital("b")).unwrap(),
            normalise(&again_here, &hospital("a")).unwrap(),
        ];
        let merged = merge(items.clone());
        assert_eq!(merged.len(), 1);
        let item = &merged[0];
        // Every headline fact is the newest order's: its date, prescriber, dose and status — not a mix.
        assert_eq!(item.date.as_deref(), Some("2025-01-22"));
        assert_eq!(item.detail.as_deref(), Some("prescribed by Dr. Lisa Nakamura"));
        assert_eq!(item.dose.as_deref(), Some("10 mg once daily"));
        assert_eq!(item.status.as_deref(), Some("stopped"));
        assert_eq!(item.reason.as_deref(), Some("Alzheimer's disease"));
        // A second order at the same hospital is its own source, each with its own facts, newest first.
        let sources: Vec<(&str, Option<&str>)> =
            item.sources.iter().map(|s| (s.fhir_base_url.as_str(), s.detail.as_deref())).collect();
        assert_eq!(
            sources,
            [
                ("http://b/fhir", Some("prescribed by Dr. Lisa Nakamura")),
                ("http://a/fhir", Some("prescribed by Dr. Anita Desai")),
                ("http://a/fhir", Some("prescribed by Dr. Anita Desai")),
            ]
        );
        assert_eq!(item.resources.len(), 3);
        assert_eq!(item.resources[0]["id"], "m2");
        // Merging the same orders again changes nothing.
        assert_eq!(merge(merged.iter().cloned().chain(items)), merged);
    }

    #[test]
    fn results_carry_the_hospitals_flag_and_range_and_units_in_peoples_words() {
        let result = |value: f64, unit: &str, interpretation: Option<&str>, range: Value| {
            let mut r = json!({"resourceType": "Observation", "code": {"text": "Glucose"},
                "effectiveDateTime": "2024-02-02", "valueQuantity": {"value": value, "unit": unit}, "referenceRange": [range]});
            if let Some(code) = interpretation {
                r["interpretation"] = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": code}]}]);
            }
            normalise(&r, &hospital("a")).unwrap()
        };
        let range = json!({"low": {"value": 70, "unit": "mg/dL"}, "high": {"value": 99, "unit": "mg/dL"}});
        let high = result(196.6, "mg/dL", Some("H"), range.clone());
        assert_eq!((high.flag, high.range.as_deref()), (Some(Flag::High), Some("70–99 mg/dL")));
        assert_eq!(high.detail.as_deref(), Some("196.6 mg/dL"));
        // No interpretation: the value against the hospital's own range; "N" flags nothing.
        assert_eq!(result(196.6, "mg/dL", None, range.clone()).flag, Some(Flag::High));
        assert_eq!(result(50.0, "mg/dL", None, range.clone()).flag, Some(Flag::Low));
        assert_eq!(result(80.0, "mg/dL", Some("N"), range.clone()).flag, None);
        assert_eq!(result(80.0, "mg/dL", Some("HH"), range).flag, Some(Flag::CriticallyHigh));
        // The range's own text wins; UCUM units read as people write them; a score has no unit.
        let pressure = result(150.0, "mm[Hg]", None, json!({"text": "below 120", "high": {"value": 120}}));
        assert_eq!((pressure.unit.as_deref(), pressure.detail.as_deref()), (Some("mmHg"), Some("150 mmHg")));
        assert_eq!((pressure.range.as_deref(), pressure.flag), (Some("below 120"), Some(Flag::High)));
        let score = result(3.0, "{score}", None, json!({"high": {"value": 5}}));
        assert_eq!((score.unit, score.detail.as_deref(), score.range.as_deref()), (None, Some("3"), Some("at most 5")));
    }

    #[test]
    fn a_dose_without_text_is_said_from_its_parts() {
        let order = json!({"resourceType": "MedicationRequest", "status": "active",
            "medicationCodeableConcept": {"text": "lisinopril 20 mg"},
            "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "route": {"text": "Oral"}, "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]}]});
        assert_eq!(normalise(&order, &hospital("a")).unwrap().dose.as_deref(), Some("20 mg, 2 times a day, oral"));
    }

    #[test]
    fn merging_again_with_a_retried_hospital_adds_its_sources() {
        let condition = |id: &str| json!({"resourceType": "Condition", "id": id, "code": {"coding": [{"system": "s", "code": "c", "display": "Asthma"}]}});
        let first = merge([normalise(&condition("1"), &hospital("a")).unwrap()]);
        let again = merge(first.clone().into_iter().chain([normalise(&condition("2"), &hospital("b")).unwrap()]));
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].id, first[0].id);
        assert_eq!(again[0].sources.len(), 2);
        assert_eq!(again[0].resources.len(), 2);
    }

    #[test]
    fn every_entry_must_name_the_tokens_patient() {
        let base = "http://h/fhir";
        let about = |resource: Value| entry_is_about(&resource, base, "p1").map_err(|e| e.code());
        assert_eq!(about(json!({"subject": {"reference": "Patient/p1"}})), Ok(()));
        assert_eq!(about(json!({"patient": {"reference": "http://h/fhir/Patient/p1"}})), Ok(()));
        assert_eq!(about(json!({"subject": {"reference": "Patient/p2"}})), Err(ErrorCode::RecordsWrongPatient));
        assert_eq!(
            about(json!({"subject": {"reference": "http://other/fhir/Patient/p1"}})),
            Err(ErrorCode::RecordsWrongPatient)
        );
        assert_eq!(about(json!({"code": {"text": "Asthma"}})), Err(ErrorCode::RecordsInvalid));
        assert_eq!(about(json!({"subject": {"display": "Harold"}})), Err(ErrorCode::RecordsInvalid));
        assert_eq!(about(json!({"subject": {"reference": 7}})), Err(ErrorCode::RecordsInvalid));
        assert_eq!(
            about(json!({"subject": {"reference": "Patient/p1"}, "patient": {"reference": "Patient/p2"}})),
            Err(ErrorCode::RecordsWrongPatient)
        );
        assert_eq!(
            about(json!({"subject": {"reference": "http://h/fhir/http://h/fhir/Patient/p1"}})),
            Err(ErrorCode::RecordsWrongPatient)
        );
    }

    #[test]
    fn only_dates_count_as_dates() {
        for (text, date) in [
            ("2024-01-05T10:00:00Z", Some("2024-01-05")),
            ("2024-01", Some("2024-01")),
            ("2024", Some("2024")),
            ("2024-02-30", None),
            ("2024-13", None),
            ("24-01-05", None),
            ("2024-01-05garbage", None),
            ("DROP TABLE", None),
            ("２０２４-01-05", None),
            ("", None),
        ] {
            assert_eq!(fhir_date(text).as_deref(), date, "{text}");
        }
    }

    #[test]
    fn categories_parse_by_name() {
        assert_eq!(Category::parse("allergies"), Some(Category::Allergy));
        assert_eq!(Category::parse("nope"), None);
    }
}
