//! Fuzz target: FHIR search pages and normalisation.
//!
//! Each input that is JSON is read as one resource (normalised), as a list of resources, and as a search page of
//! every resource type the wallet reads (`records::read_page`, then normalise, merge and export). Nothing may panic;
//! a page fails only as `records.invalid` or `records.wrong_patient`; whatever a page yields names the token's
//! patient (`p1`) in every `subject`/`patient` reference it has, and its `next` link stays on the hospital.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tessera_core::records::{self, HospitalRef, RecordItem, RESOURCE_TYPES};
use tessera_core::ErrorCode;

const FHIR: &str = "http://127.0.0.1:8080/fhir";

/// The target's own reading of "about patient p1", independent of the code under test.
fn about_the_patient(resource: &Value) -> bool {
    let ours = ["Patient/p1".to_string(), format!("{FHIR}/Patient/p1")];
    let references: Vec<&Value> =
        ["/subject/reference", "/patient/reference"].iter().filter_map(|p| resource.pointer(p)).collect();
    !references.is_empty() && references.iter().all(|r| r.as_str().is_some_and(|r| ours.iter().any(|o| o == r)))
}

fn merge_and_export(items: Vec<RecordItem>) {
    let merged = records::merge(items);
    let bundle = records::export_bundle(&merged, "2026-11-23T00:00:00Z");
    let sources: usize = merged.iter().map(|item| item.sources.len()).sum();
    assert_eq!(bundle["entry"].as_array().map(Vec::len), Some(sources), "one exported entry per source");
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    let hospital = HospitalRef { name: "Hospital".into(), fhir_base_url: FHIR.into() };
    // One resource, or a list of them.
    let _ = records::normalise(&value, &hospital);
    if let Some(list) = value.as_array() {
        merge_and_export(list.iter().filter_map(|r| records::normalise(r, &hospital)).collect());
    }
    // A search page, for each type.
    for (kind, _) in RESOURCE_TYPES {
        match records::read_page(&value, 200, FHIR, "p1", kind) {
            Ok((resources, next)) => {
                for resource in &resources {
                    assert!(about_the_patient(resource), "a resource about someone else: {resource}");
                }
                if let Some(next) = next {
                    let origin = |u: &str| url::Url::parse(u).map(|u| u.origin().ascii_serialization());
                    assert_eq!(origin(&next), origin(FHIR), "a next link off the hospital: {next}");
                }
                merge_and_export(resources.iter().filter_map(|r| records::normalise(r, &hospital)).collect());
            }
            Err(error) => assert!(
                matches!(error.code(), ErrorCode::RecordsInvalid | ErrorCode::RecordsWrongPatient),
                "a page failed as {}",
                error.code()
            ),
        }
    }
});
