//! SMART User-access Brands bundles: a FHIR `Bundle` of `Organization` (the brand people recognise) and `Endpoint`
//! (a FHIR base URL) resources, published by EHR vendors and providers. Importing one fills the hospital directory.

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
    let mut brand_of: HashMap<String, String> = HashMap::new();
    for org in resources.iter().filter(|r| r.get("resourceType").and_then(Value::as_str) == Some("Organization")) {
        let Some(name) = org.get("name").and_then(Value::as_str) else { continue };
        for reference in org.get("endpoint").and_then(Value::as_array).into_iter().flatten() {
            if let Some(target) = reference.get("reference").and_then(Value::as_str) {
                brand_of.entry(target.trim_start_matches("Endpoint/").to_string()).or_insert_with(|| name.to_string());
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
        let name = brand_of
            .get(id)
            .cloned()
            .or_else(|| endpoint.get("name").and_then(Value::as_str).map(String::from))
            .unwrap_or_else(|| base.clone());
        out.push(BrandEndpoint { fhir_base_url: base, name });
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
            {"resource": {"resourceType": "Organization", "id": "o1", "name": "Emory Healthcare", "endpoint": [{"reference": "Endpoint/e1"}]}},
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
                    name: "Emory Healthcare".into()
                },
                BrandEndpoint { fhir_base_url: "https://clinic.example/fhir".into(), name: "Clinic API".into() },
            ]
        );
        assert!(parse(&json!({"resourceType": "Patient"})).is_err());
        assert!(parse(&json!({"resourceType": "Bundle", "entry": []})).is_err());
    }
}
