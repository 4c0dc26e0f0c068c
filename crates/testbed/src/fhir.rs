//! The hospitals' FHIR R4 API. Every request is checked against the bearer token: its scopes (resource type and
//! granular `category`/`code` narrowing), the ticket's data period and its withheld sensitivity labels.
//!
//! `GET /fhir/metadata`, `GET /fhir/Patient/{id}`, `GET /fhir/{type}?patient=ID&_count=N&_offset=K[&category=…]`
//! for Condition, MedicationRequest, AllergyIntolerance, Observation, Immunization, Encounter, DiagnosticReport,
//! DocumentReference and Procedure. Errors are OperationOutcomes.

use crate::access::AccessGrant;
use crate::faults::Fault;
use crate::hospital::Hospital;
use crate::scopes::SEARCHABLE;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The routes, to be merged into a hospital's router.
pub fn routes() -> axum::Router<Arc<Hospital>> {
    Router::new()
        .route("/fhir/metadata", get(metadata))
        .route("/fhir/Patient/{id}", get(read_patient))
        .route("/fhir/{resource_type}", get(search))
}

fn outcome(status: StatusCode, code: &str, text: &str) -> Response {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": text }],
    });
    (status, [(header::CONTENT_TYPE, "application/fhir+json")], Json(body)).into_response()
}

/// An authorization refusal: `status` (401 or 403), or 400 at a hospital that answers refusals as the reference Data
/// Holder does (`outcome-refusals`).
fn refused(h: &Hospital, status: StatusCode, code: &str, text: &str) -> Response {
    let status = if h.has(Fault::OutcomeRefusals) { StatusCode::BAD_REQUEST } else { status };
    outcome(status, code, text)
}

/// The live grant behind the request's bearer token, or why there is none; at a hospital that asks for it
/// (`client-jkt`), a token from a key-bound ticket must come with the key's thumbprint in `X-Client-JKT`.
fn bearer(h: &Hospital, headers: &HeaderMap) -> Result<AccessGrant, &'static str> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or("Bearer token required")?;
    let grant = h.access(token).ok_or("Token is not active")?;
    let proof = headers.get("x-client-jkt").and_then(|v| v.to_str().ok());
    if h.has(Fault::ClientJkt) && proof != Some(grant.jkt.as_str()) {
        return Err("Access token proof key mismatch");
    }
    Ok(grant)
}

async fn metadata(State(h): State<Arc<Hospital>>) -> Json<Value> {
    Json(json!({
        "resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
        "format": ["json"], "implementation": { "description": h.info.name, "url": h.fhir_base() },
        "rest": [{ "mode": "server", "resource": SEARCHABLE.iter().chain(["Patient"].iter())
            .map(|t| json!({"type": t, "interaction": [{"code": "read"}, {"code": "search-type"}]})).collect::<Vec<_>>() }],
    }))
}

async fn read_patient(State(h): State<Arc<Hospital>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let grant = match bearer(&h, &headers) {
        Ok(grant) => grant,
        Err(why) => return refused(&h, StatusCode::UNAUTHORIZED, "login", why),
    };
    if id != grant.patient {
        return refused(&h, StatusCode::FORBIDDEN, "forbidden", "Outside the token's patient compartment");
    }
    // A grant with no scope at all reads nothing; one the person withheld the patient from at the portal
    // ([`Fault::PortalWithholdsPatient`]) is held to its scope.
    let held_to_scope = grant.scopes.is_empty() || h.has(Fault::PortalWithholdsPatient);
    if !grant.scopes.iter().any(|s| s.allows("Patient", 'r')) && held_to_scope {
        return refused(&h, StatusCode::FORBIDDEN, "forbidden", "Scope does not allow Patient");
    }
    let Some(patient) = h.patients.iter().find(|p| p.id == id) else {
        return outcome(StatusCode::NOT_FOUND, "not-found", "No such patient");
    };
    Json(json!({
        "resourceType": "Patient", "id": patient.id,
        "name": [{ "family": patient.family, "given": [patient.given] }],
        "birthDate": patient.birth_date, "gender": patient.gender,
    }))
    .into_response()
}

/// The date a resource is filtered on for `data_period`.
fn clinical_date(resource: &Value) -> Option<&str> {
    let path = match resource["resourceType"].as_str()? {
        "Condition" => "/recordedDate",
        "MedicationRequest" => "/authoredOn",
        "AllergyIntolerance" => "/recordedDate",
        "Observation" | "DiagnosticReport" => "/effectiveDateTime",
        "Immunization" => "/occurrenceDateTime",
        "Encounter" => "/period/start",
        "DocumentReference" => "/date",
        "Procedure" => "/performedDateTime",
        _ => return None,
    };
    resource.pointer(path).and_then(Value::as_str)
}

fn within_period(resource: &Value, period: &(Option<String>, Option<String>)) -> bool {
    let Some(date) = clinical_date(resource).map(|d| &d[..d.len().min(10)]) else { return true };
    period.0.as_deref().is_none_or(|start| date >= start) && period.1.as_deref().is_none_or(|end| date <= end)
}

fn withheld(resource: &Value, codes: &[String]) -> bool {
    resource
        .pointer("/meta/security")
        .and_then(Value::as_array)
        .is_some_and(|labels| labels.iter().any(|l| l["code"].as_str().is_some_and(|c| codes.iter().any(|w| w == c))))
}

/// Whether `resource` matches a granular query such as `category=system|code` or `code=system|code`.
fn matches_query(resource: &Value, query: &str) -> bool {
    query.split('&').all(|pair| {
        let Some((name, value)) = pair.split_once('=') else { return false };
        let (system, code) = value.split_once('|').map_or((None, value), |(s, c)| (Some(s), c));
        let concepts: Vec<&Value> = match name {
            "category" => resource["category"].as_array().map(|a| a.iter().collect()).unwrap_or_default(),
            "code" => vec![&resource["code"]],
            _ => return false,
        };
        concepts.iter().any(|concept| {
            concept["coding"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["code"].as_str() == Some(code) && system.is_none_or(|s| c["system"].as_str() == Some(s)))
        })
    })
}

async fn search(
    State(h): State<Arc<Hospital>>,
    Path(resource_type): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let grant = match bearer(&h, &headers) {
        Ok(grant) => grant,
        Err(why) => return refused(&h, StatusCode::UNAUTHORIZED, "login", why),
    };
    if !SEARCHABLE.contains(&resource_type.as_str()) {
        return outcome(StatusCode::NOT_FOUND, "not-supported", "Resource type not served");
    }
    let patient =
        params.get("patient").map(|p| p.trim_start_matches("Patient/").to_string()).unwrap_or(grant.patient.clone());
    if patient != grant.patient {
        return refused(&h, StatusCode::FORBIDDEN, "forbidden", "Outside the token's patient compartment");
    }
    let allowing: Vec<_> = grant.scopes.iter().filter(|s| s.allows(&resource_type, 's')).collect();
    if h.refuses(&resource_type) {
        return refused(
            &h,
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("{resource_type} is not shared with this app"),
        );
    }
    if allowing.is_empty() {
        return refused(
            &h,
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("The token's scopes do not allow {resource_type}"),
        );
    }
    if h.has(Fault::Oversized) {
        let filler = "x".repeat(40 << 20);
        return (
            [(header::CONTENT_TYPE, "application/fhir+json")],
            format!(r#"{{"resourceType":"Bundle","type":"searchset","entry":[],"filler":"{filler}"}}"#),
        )
            .into_response();
    }
    if h.has(Fault::BadBundle) {
        let broken = json!({ "resourceType": "Bundle", "type": "searchset", "entry": [{ "fullUrl": "urn:uuid:1", "search": {} }] });
        return ([(header::CONTENT_TYPE, "application/fhir+json")], Json(broken)).into_response();
    }
    let category = params.get("category");
    let mut matching: Vec<Value> = h
        .records
        .get(&grant.patient)
        .into_iter()
        .flatten()
        .filter(|r| r["resourceType"] == resource_type.as_str())
        .filter(|r| allowing.iter().any(|s| s.query.as_deref().is_none_or(|q| matches_query(r, q))))
        .filter(|r| category.is_none_or(|c| matches_query(r, &format!("category={c}"))))
        .filter(|r| within_period(r, &grant.data_period))
        .filter(|r| !withheld(r, &grant.withhold))
        .cloned()
        .collect();
    if h.has(Fault::WrongPatient) {
        for resource in &mut matching {
            for field in ["subject", "patient"] {
                if resource.get(field).is_some() {
                    resource[field] = json!({ "reference": "Patient/someone-else" });
                }
            }
        }
    }
    let count: usize = params.get("_count").and_then(|c| c.parse().ok()).unwrap_or(50).clamp(1, 200);
    let offset: usize = params.get("_offset").and_then(|c| c.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = matching.iter().skip(offset).take(count).cloned().collect();
    let base = format!("{}/{resource_type}?patient={}&_count={count}", h.fhir_base(), grant.patient);
    let mut links = vec![json!({ "relation": "self", "url": format!("{base}&_offset={offset}") })];
    if h.has(Fault::LoopNext) {
        links.push(json!({ "relation": "next", "url": format!("{base}&_offset={offset}") }));
    } else if offset + count < matching.len() {
        links.push(json!({ "relation": "next", "url": format!("{base}&_offset={}", offset + count) }));
    }
    let entries: Vec<Value> = page
        .into_iter()
        .map(|r| json!({ "fullUrl": format!("{}/{}/{}", h.fhir_base(), resource_type, r["id"].as_str().unwrap_or("")), "resource": r }))
        .collect();
    let bundle = json!({ "resourceType": "Bundle", "type": "searchset", "total": matching.len(), "link": links, "entry": entries });
    ([(header::CONTENT_TYPE, "application/fhir+json")], Json(bundle)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granular_queries_and_periods() {
        let lab = json!({"resourceType": "Observation", "effectiveDateTime": "2024-03-01T09:00:00Z",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]}});
        assert!(matches_query(&lab, "category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"));
        assert!(matches_query(&lab, "code=http://loinc.org|4548-4"));
        assert!(!matches_query(&lab, "category=vital-signs"));
        assert!(within_period(&lab, &(Some("2024-01-01".into()), Some("2024-12-31".into()))));
        assert!(!within_period(&lab, &(Some("2025-01-01".into()), None)));
        let labelled = json!({"meta": {"security": [{"code": "PSY"}]}});
        assert!(withheld(&labelled, &["PSY".into()]) && !withheld(&labelled, &["HIV".into()]));
    }
}
