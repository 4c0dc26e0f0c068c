//! The description rule, as a property over generated tickets of every type and both kernels: a description never
//! claims more than the ticket grants, and every permission, limit and exclusion in the ticket appears in it. The
//! same tickets also check the request rule: the scopes Tessera asks for are exactly the ticket's grant, one
//! granular scope per (resource type, category, code).

use proptest::prelude::*;
use serde_json::{json, Value};
use tessera_core::ticket::Ticket;
use tessera_core::words::describe::{describe, iso_date_words, TicketDescription};
use tessera_core::Sensitive;

const OBS: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const COND: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const LOCAL: &str = "http://example.org/local-categories";

/// Resource types with the words an unnarrowed permission must use.
const RESOURCES: &[(&str, &str)] = &[
    ("Observation", "Results, vital signs and other observations"),
    ("Condition", "Problems"),
    ("ServiceRequest", "Referrals and orders"),
    ("MedicationRequest", "Medications"),
    ("Procedure", "Procedures"),
    ("*", "All record types"),
];

/// Categories by resource type: system, code, and the words a line narrowed to it must start with (`None`: a
/// category without words, which the line must name after "only").
fn categories(resource: &str) -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    match resource {
        "Observation" => vec![
            (OBS, "laboratory", Some("Lab results")),
            (OBS, "vital-signs", Some("Vital signs")),
            (LOCAL, "zz-local", None),
        ],
        "Condition" => vec![
            (COND, "problem-list-item", Some("Problem list")),
            (COND, "encounter-diagnosis", Some("Diagnoses from visits")),
            (LOCAL, "zz-local", None),
        ],
        _ => vec![(LOCAL, "zz-local", None)],
    }
}

const CODES: &[(&str, &str, &str)] =
    &[("http://loinc.org", "4548-4", "LOINC code 4548-4"), ("http://example.org/codes", "X1", "code X1")];

const INTERACTIONS: &[(&str, char)] =
    &[("create", 'c'), ("read", 'r'), ("update", 'u'), ("delete", 'd'), ("search", 's')];

const TYPES: &[&str] = &[
    "https://smarthealthit.org/permission-ticket-type/patient-self-access-v1",
    "https://smarthealthit.org/permission-ticket-type/patient-delegated-access-v1",
    "https://smarthealthit.org/permission-ticket-type/public-health-investigation-v1",
    "https://smarthealthit.org/permission-ticket-type/social-care-referral-v1",
    "https://smarthealthit.org/permission-ticket-type/payer-claims-adjudication-v1",
    "https://smarthealthit.org/permission-ticket-type/research-study-access-v1",
    "https://smarthealthit.org/permission-ticket-type/provider-consult-v1",
    "https://smarthealthit.org/permission-ticket-type/payer-quality-gap-v1",
    "https://example.org/permission-ticket-type/something-new",
];

/// Withheld sensitivity codes and the words the exclusion must use.
const WITHHELD: &[(&str, &str)] = &[
    ("PSY", "Mental health"),
    ("ETH", "Substance use"),
    ("HIV", "HIV"),
    ("SEX", "Sexual and reproductive health"),
    ("ZZZ", "Made-up label"),
];

/// Relationship codes and the words the headline must use.
const RELATIONSHIPS: &[(&str, &str)] = &[
    ("MTH", " as Pat's mother"),
    ("DAU", " as Pat's daughter"),
    ("HPOWATT", " as healthcare power of attorney"),
    ("DELEGATEE", " as delegate chosen by the patient"),
    ("GUARD", " as guardian"),
    ("QQQ", " as kin of another kind"),
];

#[derive(Debug, Clone)]
struct Perm {
    resource: usize,
    interactions: Vec<usize>,
    categories: Vec<usize>,
    codes: Vec<usize>,
}

#[derive(Debug, Clone)]
enum Filter {
    Place(Option<&'static str>, Option<&'static str>),
    Organizations(Vec<&'static str>, bool),
}

#[derive(Debug, Clone)]
enum Party {
    Related(usize),
    Organization,
    Role,
}

#[derive(Debug, Clone)]
struct Spec {
    older_kernel: bool,
    ticket_type: usize,
    permissions: Vec<Perm>,
    period: Option<(Option<&'static str>, Option<&'static str>)>,
    filters: Vec<Filter>,
    linkage: Option<Vec<&'static str>>,
    withheld: Vec<usize>,
    unlisted: bool,
    sensitive_data: Option<&'static str>,
    revocation: bool,
    continuation: Option<Option<i64>>,
    binding: usize,
    requester: Option<Party>,
    framework: bool,
    unknown_member: bool,
}

fn perm() -> impl Strategy<Value = Perm> {
    (
        0..RESOURCES.len(),
        prop::collection::btree_set(0..INTERACTIONS.len(), 1..=3),
        prop::collection::btree_set(0..3usize, 0..=2),
        prop::collection::btree_set(0..CODES.len(), 0..=1),
    )
        .prop_map(|(resource, interactions, categories, codes)| {
            let available = categories_len(RESOURCES[resource].0);
            Perm {
                resource,
                interactions: interactions.into_iter().collect(),
                categories: categories.into_iter().filter(|c| *c < available).collect(),
                codes: codes.into_iter().collect(),
            }
        })
}

fn categories_len(resource: &str) -> usize {
    categories(resource).len()
}

fn filter() -> impl Strategy<Value = Filter> {
    prop_oneof![
        (prop::option::of(prop::sample::select(vec!["TX", "GA"])), prop::option::of(Just("US")))
            .prop_filter("a place", |(s, c)| s.is_some() || c.is_some())
            .prop_map(|(s, c)| Filter::Place(s, c)),
        (
            prop::sample::subsequence(vec!["Alamo Family Practice", "Nebraska Medicine", "Cascade Clinic"], 1..=2),
            any::<bool>()
        )
            .prop_map(|(names, as_array)| Filter::Organizations(names, as_array)),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let date = prop::option::of(prop::sample::select(vec!["2021-01-01", "2024-06-30", "2026-12-31"]));
    (
        (any::<bool>(), 0..TYPES.len(), prop::collection::vec(perm(), 0..5)),
        (
            prop::option::of((date.clone(), date)),
            prop::collection::vec(filter(), 0..3),
            prop::option::of(prop::sample::subsequence(vec!["enc-1", "enc-2"], 1..=2)),
        ),
        (
            prop::collection::btree_set(0..WITHHELD.len(), 0..3),
            any::<bool>(),
            prop::option::of(prop::sample::select(vec!["include", "exclude"])),
        ),
        (any::<bool>(), prop::option::of(prop::option::of(Just(1_900_000_000i64))), 0..4usize),
        (
            prop::option::of(prop_oneof![
                (0..RELATIONSHIPS.len()).prop_map(Party::Related),
                Just(Party::Organization),
                Just(Party::Role),
            ]),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (older_kernel, ticket_type, permissions),
                (period, filters, linkage),
                (withheld, unlisted, sensitive_data),
                (revocation, continuation, binding),
                (requester, framework, unknown_member),
            )| Spec {
                older_kernel,
                ticket_type,
                permissions,
                period,
                filters,
                linkage,
                withheld: withheld.into_iter().collect(),
                unlisted,
                sensitive_data,
                revocation,
                continuation,
                binding,
                requester,
                framework,
                unknown_member,
            },
        )
}

/// One expected line per distinct granular scope: (scope, narrowing words, letters).
struct Expected {
    scope: String,
    resource: &'static str,
    category: Option<(&'static str, Option<&'static str>)>,
    code: Option<&'static str>,
    letters: String,
}

fn expected_permissions(spec: &Spec) -> Vec<Expected> {
    let mut out: Vec<Expected> = Vec::new();
    for p in &spec.permissions {
        let resource = RESOURCES[p.resource].0;
        let letters: String =
            "cruds".chars().filter(|l| p.interactions.iter().any(|i| INTERACTIONS[*i].1 == *l)).collect();
        let cats = categories(resource);
        let chosen_categories: Vec<Option<usize>> =
            if p.categories.is_empty() { vec![None] } else { p.categories.iter().map(|c| Some(*c)).collect() };
        let chosen_codes: Vec<Option<usize>> =
            if p.codes.is_empty() { vec![None] } else { p.codes.iter().map(|c| Some(*c)).collect() };
        for category in &chosen_categories {
            for code in &chosen_codes {
                let mut query = Vec::new();
                if let Some(c) = category {
                    query.push(format!("category={}|{}", cats[*c].0, cats[*c].1));
                }
                if let Some(c) = code {
                    query.push(format!("code={}|{}", CODES[*c].0, CODES[*c].1));
                }
                let mut scope = format!("patient/{resource}.{letters}");
                if !query.is_empty() {
                    scope = format!("{scope}?{}", query.join("&"));
                }
                if out.iter().any(|e| e.scope == scope) {
                    continue;
                }
                out.push(Expected {
                    scope,
                    resource,
                    category: category.map(|c| (cats[c].1, cats[c].2)),
                    code: code.map(|c| CODES[c].2),
                    letters: letters.clone(),
                });
            }
        }
    }
    out
}

fn claims(spec: &Spec) -> Value {
    let mut access = json!({});
    let expected = expected_permissions(spec);
    if spec.older_kernel {
        let permissions: Vec<Value> = spec
            .permissions
            .iter()
            .map(|p| {
                let resource = RESOURCES[p.resource].0;
                let cats = categories(resource);
                let mut permission = json!({
                    "kind": "data", "resource_type": resource,
                    "interactions": p.interactions.iter().map(|i| INTERACTIONS[*i].0).collect::<Vec<_>>(),
                });
                if !p.categories.is_empty() {
                    permission["category_any_of"] =
                        p.categories.iter().map(|c| json!({"system": cats[*c].0, "code": cats[*c].1})).collect();
                }
                if !p.codes.is_empty() {
                    permission["code_any_of"] =
                        p.codes.iter().map(|c| json!({"system": CODES[*c].0, "code": CODES[*c].1})).collect();
                }
                permission
            })
            .collect();
        access["permissions"] = json!(permissions);
        if let Some(choice) = spec.sensitive_data {
            access["sensitive_data"] = json!(choice);
        }
    } else {
        access["smart_scopes"] = expected.iter().map(|e| json!(e.scope)).collect();
    }
    if let Some((start, end)) = spec.period {
        let mut period = json!({});
        if let Some(start) = start {
            period["start"] = json!(start);
        }
        if let Some(end) = end {
            period["end"] = json!(end);
        }
        access["data_period"] = period;
    }
    if !spec.filters.is_empty() {
        access["data_holder_filter"] = spec
            .filters
            .iter()
            .map(|f| match f {
                Filter::Place(state, country) => json!({"kind": "jurisdiction", "address": {"state": state, "country": country}}),
                Filter::Organizations(names, true) => json!({"kind": "organization",
                    "organization": names.iter().map(|n| json!({"display": n, "identifier": {"value": "1"}})).collect::<Vec<_>>()}),
                Filter::Organizations(names, false) => json!({"kind": "organization",
                    "organization": {"resourceType": "Organization", "name": names[0]}}),
            })
            .collect();
    }
    if let Some(encounters) = &spec.linkage {
        access["claim_linkage"] = json!({"encounter": encounters.iter().map(|e| json!({"reference": format!("Encounter/{e}")})).collect::<Vec<_>>()});
    }
    if !spec.withheld.is_empty() || spec.unlisted {
        access["sensitivity_withhold"] = json!({
            "codes": spec.withheld.iter().map(|w| json!({"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": WITHHELD[*w].0, "display": WITHHELD[*w].1})).collect::<Vec<_>>(),
            "unlisted": spec.unlisted,
        });
    }
    if spec.unknown_member {
        access["https://example.org/new-limit"] = json!(true);
    }
    let mut claims = json!({
        "iss": "https://issuer.example.org", "aud": "https://network.example.org", "exp": 1_800_000_000, "iat": 1_700_000_000,
        "jti": "j", "ticket_type": TYPES[spec.ticket_type],
        "subject": {"patient": {"resourceType": "Patient", "name": [{"given": ["Pat"], "family": "Doe"}], "birthDate": "1950-01-02"}},
        "access": access,
    });
    if spec.framework {
        claims["aud_type"] = json!("trust_framework");
    }
    if spec.revocation {
        claims["revocation"] = json!({"url": "https://issuer.example.org/status", "index": 4});
    }
    if let Some(until) = spec.continuation {
        claims["continuation"] = json!({"refresh_until": until});
    }
    match spec.binding {
        1 => claims["presenter_binding"] = json!({"method": "jkt", "jkt": "abc"}),
        2 => {
            claims["presenter_binding"] = json!({"method": "trust_framework_client", "entity_uri": "https://app.example.org", "framework_type": "udap"})
        }
        3 => claims["presenter_binding"] = json!({"method": "mystery"}),
        _ => {}
    }
    match &spec.requester {
        Some(Party::Related(r)) => {
            let (code, words) = RELATIONSHIPS[*r];
            let display = words.trim_start_matches(" as ");
            claims["requester"] = json!({"resourceType": "RelatedPerson", "name": [{"given": ["Sam"], "family": "Roe"}],
                "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": code,
                    "display": if code == "QQQ" { display } else { "shown only when the code is unknown" }}]}]});
        }
        Some(Party::Organization) => {
            claims["requester"] = json!({"resourceType": "Organization", "name": "Health Department of Somewhere"})
        }
        Some(Party::Role) => {
            claims["requester"] = json!({"resourceType": "PractitionerRole", "practitioner": {"display": "Dr. Ada Lee"},
                "code": [{"text": "Cardiologist"}]})
        }
        None => {}
    }
    claims
}

fn ticket(claims: &Value) -> Ticket {
    let part = |v: &Value| tessera_jose::b64url(v.to_string().as_bytes());
    Ticket::parse(Sensitive::new(format!("{}.{}.c2ln", part(&json!({"alg": "ES256", "kid": "k"})), part(claims))))
        .unwrap()
}

fn requester_name(spec: &Spec) -> Option<&'static str> {
    match spec.requester {
        Some(Party::Related(_)) => Some("Sam Roe"),
        Some(Party::Organization) => Some("Health Department of Somewhere"),
        Some(Party::Role) => Some("Dr. Ada Lee (Cardiologist)"),
        None => None,
    }
}

fn check(spec: &Spec, d: &TicketDescription, requested: &[String]) -> Result<(), TestCaseError> {
    let expected = expected_permissions(spec);
    // Request rule: exactly one scope per granted (resource, category, code), nothing wider, nothing dropped.
    prop_assert_eq!(requested.to_vec(), expected.iter().map(|e| e.scope.clone()).collect::<Vec<_>>());

    // Every permission appears, one line each, and no line claims more than its permission.
    let mut access = d.access.clone();
    if expected.is_empty() {
        let only = match &spec.linkage {
            Some(encounters) => format!(
                "Records tied to {} — view",
                if encounters.len() == 1 {
                    format!("visit {}", encounters[0])
                } else {
                    format!("visits {}", encounters.join(" and "))
                }
            ),
            None => "No record types are listed".to_string(),
        };
        prop_assert_eq!(access, vec![only]);
    } else {
        prop_assert_eq!(access.len(), expected.len(), "{:?}", access);
        for (line, e) in access.drain(..).zip(&expected) {
            let resource_words = RESOURCES.iter().find(|(r, _)| *r == e.resource).unwrap().1;
            match e.category {
                Some((_, Some(words))) => {
                    prop_assert!(line.starts_with(words), "{line} for {}", e.scope);
                    prop_assert!(!line.starts_with(resource_words), "{line} claims the whole type for {}", e.scope);
                }
                Some((code, None)) => {
                    prop_assert!(line.starts_with(resource_words), "{line}");
                    prop_assert!(line.contains(&format!("only category {code}")), "{line}");
                }
                None => prop_assert!(line.starts_with(resource_words), "{line}"),
            }
            if let Some(code) = e.code {
                prop_assert!(line.contains("only") && line.contains(code), "{line} for {}", e.scope);
            }
            if e.category.is_none() && e.code.is_none() {
                prop_assert!(!line.contains("only"), "{line}");
            }
            let views = e.letters.contains('r') || e.letters.contains('s');
            let changes = e.letters.contains(['c', 'u', 'd']);
            let verbs = match (views, changes) {
                (true, true) => " — view and change",
                (false, true) => " — change",
                _ => " — view",
            };
            prop_assert!(line.ends_with(verbs), "{line} for letters {}", e.letters);
            prop_assert!(e.resource == "*" || !line.contains("All record types"), "{line}");
        }
    }

    // Limits: every one appears, in `limits` and in `details`.
    let limits = d.limits.join("\n");
    if let Some((start, end)) = spec.period {
        if start.is_some() || end.is_some() {
            for date in [start, end].into_iter().flatten() {
                prop_assert!(limits.contains(&iso_date_words(date)), "{limits}");
            }
            prop_assert!(limits.contains("Mostly records dated"), "{limits}");
        }
    }
    for filter in &spec.filters {
        match filter {
            Filter::Place(state, country) => {
                for part in [state, country].into_iter().flatten() {
                    prop_assert!(limits.contains(part), "{limits}");
                }
            }
            Filter::Organizations(names, true) => {
                for name in names {
                    prop_assert!(limits.contains(name), "{limits}");
                }
            }
            Filter::Organizations(names, false) => prop_assert!(limits.contains(names[0]), "{limits}"),
        }
    }
    if !spec.filters.is_empty() {
        prop_assert_eq!(d.limits.iter().filter(|l| l.starts_with("Only ") && l.contains("chosen clinic")).count(), 1);
    }
    if let Some(encounters) = &spec.linkage {
        for encounter in encounters {
            prop_assert!(limits.contains(encounter), "{limits}");
        }
    }
    let limit_count = usize::from(spec.period.is_some_and(|(s, e)| s.is_some() || e.is_some()))
        + usize::from(!spec.filters.is_empty())
        + usize::from(spec.linkage.is_some());
    prop_assert_eq!(d.limits.len(), limit_count, "no limit is invented: {:?}", d.limits);

    // Exclusions: every one appears; none is invented.
    let not_shared = d.not_shared.join("\n");
    for w in &spec.withheld {
        prop_assert!(not_shared.contains(WITHHELD[*w].1), "{not_shared}");
    }
    prop_assert_eq!(spec.unlisted, not_shared.contains("any record a hospital classes as sensitive"));
    let excluded = spec.older_kernel && spec.sensitive_data == Some("exclude");
    prop_assert_eq!(excluded, not_shared.contains("records hospitals mark as sensitive"));
    prop_assert_eq!(
        d.not_shared.len(),
        usize::from(!spec.withheld.is_empty()) + usize::from(spec.unlisted) + usize::from(excluded)
    );
    let included = spec.older_kernel && spec.sensitive_data == Some("include");
    prop_assert_eq!(included, d.details.iter().any(|l| l == "Records hospitals mark as sensitive may be shared"));

    // Everything typed is also in the details, in order.
    for line in d.purpose.iter().chain(&d.limits).chain(&d.not_shared) {
        prop_assert!(d.details.contains(line), "{line} missing from details");
    }

    // Lifetime, revocation, binding: only what is true.
    let details = d.details.join("\n");
    prop_assert!(
        !details.contains("Can connect to new hospitals") && !details.contains("Cannot be revoked"),
        "{details}"
    );
    prop_assert_eq!(spec.revocation, d.details.iter().any(|l| l == "Can be revoked early"));
    prop_assert_eq!(spec.continuation.is_some(), details.contains("Connections stay active"));
    prop_assert_eq!(spec.binding == 1, details.contains("Only this app on this device can use it"));
    prop_assert_eq!(spec.binding == 2, details.contains("Only https://app.example.org can use it"));
    prop_assert_eq!(spec.binding == 0, details.contains("Any app a hospital accepts can use it"));
    prop_assert_eq!(spec.framework, details.contains("Usable across network"));
    prop_assert_eq!(spec.unknown_member, details.contains("https://example.org/new-limit"));
    prop_assert_eq!(spec.ticket_type == TYPES.len() - 1, details.contains("Tessera does not know this kind of ticket"));

    // Who: the requester is named when the ticket names one, never otherwise; relationships in words.
    prop_assert_eq!(d.requester.as_deref(), requester_name(spec));
    match requester_name(spec) {
        Some(name) => prop_assert!(d.headline.starts_with(name), "{}", d.headline),
        None => prop_assert!(!d.headline.contains(" may access "), "{}", d.headline),
    }
    prop_assert_eq!(d.headline == "Your own records", spec.ticket_type == 0 && spec.requester.is_none());
    if let (1, Some(Party::Related(r))) = (spec.ticket_type, &spec.requester) {
        prop_assert!(d.headline.ends_with(RELATIONSHIPS[*r].1), "{}", d.headline);
    } else {
        prop_assert!(!d.headline.contains(" as "), "a relationship only for delegated access: {}", d.headline);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn descriptions_never_claim_more_and_leave_nothing_out(spec in spec()) {
        let ticket = ticket(&claims(&spec));
        let description = describe(&ticket);
        check(&spec, &description, &ticket.claims.scopes)?;
    }
}
