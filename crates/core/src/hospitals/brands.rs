//! SMART User-access Brands bundles: a FHIR `Bundle` of `Organization` (the brand people recognise) and `Endpoint`
//! (a FHIR base URL) resources, published by EHR vendors and providers. Importing one fills the hospital directory.

use crate::store::HospitalFacts;
use crate::{Error, ErrorCode, Result};
use serde_json::Value;
use std::collections::HashMap;

/// One hospital found in a brands bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandEndpoint {
    /// The endpoint's FHIR base URL.
    pub fhir_base_url: String,
    /// The brand's name (or the endpoint's, when no brand points at it).
    pub name: String,
    /// The brand's identifiers and address (none when no brand points at it).
    pub facts: HospitalFacts,
}

fn invalid(detail: &str) -> Error {
    Error::new(ErrorCode::InvalidInput)
        .with_message("That is not a SMART User-access Brands bundle.")
        .with_action("Check the file or address and try again.")
        .with_detail(detail.to_string())
}

/// Reads the active endpoints of a brands bundle, each named after a brand that lists it.
pub fn parse(bundle: &Value) -> Result<Vec<BrandEndpoint>> {
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(invalid("not a Bundle"));
    }
    let resources: Vec<&Value> =
        bundle.get("entry").and_then(Value::as_array).into_iter().flatten().filter_map(|e| e.get("resource")).collect();
    let mut brand_of: HashMap<String, &Value> = HashMap::new();
    for org in resources.iter().filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("Organization")) {
        if org.get("name").and_then(Value::as_str).is_none() {
            continue;
        }
        for reference in org.get("endpoint").and_then(Value::as_array).into_iter().flatten() {
            if let Some(target) = reference.get("reference").and_then(Value::as_str) {
                brand_of.entry(target.trim_start_matches("Endpoint/").to_string()).or_insert(org);
            }
        }
    }
    let mut out = Vec::new();
    for endpoint in resources.iter().filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("Endpoint")) {
        let active = endpoint.get("status").and_then(Value::as_str).is_none_or(|s| s == "active");
        let Some(address) = endpoint.get("address").and_then(Value::as_str) else { continue };
        let Ok(base) = crate::base::http::normalise_base(address) else { continue };
        if !active || out.iter().any(|e: &BrandEndpoint| e.fhir_base_url == base) {
            continue;
        }
        let id = endpoint.get("id").and_then(Value::as_str).unwrap_or_default();
        let brand = brand_of.get(id).copied();
        let name = brand
            .and_then(|org| org.get("name").and_then(Value::as_str))
            .or_else(|| endpoint.get("name").and_then(Value::as_str))
            .map_or_else(|| base.clone(), String::from);
        out.push(BrandEndpoint { fhir_base_url: base, name, facts: HospitalFacts::of_organization(brand) });
    }
    if out.is_empty() {
        return Err(invalid("no active endpoint"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_take_their_brand_names_and_inactive_ones_are_skipped() {
        let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Organization", "id": "o1", "name": "Emory Healthcare", "endpoint": [{"reference": "Endpoint/e1"}],
                "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}], "address": [{"city": "Atlanta", "state": "GA"}]}},
            {"resource": {"resourceType": "Endpoint", "id": "e1", "status": "active", "address": "https://fhir.emory.example/r4/"}},
            {"resource": {"resourceType": "Endpoint", "id": "e2", "status": "off", "address": "https://old.example/r4"}},
            {"resource": {"resourceType": "Endpoint", "id": "e3", "name": "Clinic API", "address": "https://clinic.example/fhir"}},
        ]});
        let found = parse(&bundle).unwrap();
        assert_eq!(
            found,
            vec![
                BrandEndpoint {
                    fhir_base_url: "https://fhir.emory.example/r4".into(),
                    name: "Emory Healthcare".into(),
                    facts: HospitalFacts {
                        identifiers: vec![crate::ticket::OrgIdentifier {
                            system: Some("http://hl7.org/fhir/sid/us-npi".into()),
                            value: "1234567893".into()
                        }],
                        state: Some("GA".into()),
                        country: None,
                    },
                },
                BrandEndpoint {
                    fhir_base_url: "https://clinic.example/fhir".into(),
                    name: "Clinic API".into(),
                    facts: HospitalFacts::default(),
                },
            ]
        );
        assert!(parse(&json!({"resourceType": "Patient"})).is_err());
        assert!(parse(&json!({"resourceType": "Bundle", "entry": []})).is_err());
    }
}
