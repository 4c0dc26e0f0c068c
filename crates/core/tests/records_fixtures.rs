//! The record against data Tessera did not write: the shared synthetic bundles (10 patients at 29 sites, from the
//! spec's reference implementation's data; skipped when `../shared` is absent). Every medicine order's dose and
//! status, every result's flag and reference range reach the item, and each merged item's headline is one
//! resource's facts.

use serde_json::Value;
use std::path::Path;
use tessera_core::records::{self, Flag, HospitalRef, RecordItem};

/// Every patient's bundles: (patient folder, site, resources).
fn bundles() -> Vec<(String, String, Vec<Value>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/synthetic-patients");
    let Ok(patients) = std::fs::read_dir(&dir) else {
        println!("skipped: {} is absent", dir.display());
        return vec![];
    };
    let mut out = Vec::new();
    for patient in patients.flatten().filter(|e| e.path().is_dir()) {
        for site in std::fs::read_dir(patient.path().join("sites")).unwrap().flatten() {
            let bundle: Value =
                serde_json::from_str(&std::fs::read_to_string(site.path().join("bundle.json")).unwrap()).unwrap();
            let resources = bundle["entry"].as_array().unwrap().iter().map(|e| e["resource"].clone()).collect();
            out.push((
                patient.file_name().to_string_lossy().into_owned(),
                site.file_name().to_string_lossy().into_owned(),
                resources,
            ));
        }
    }
    out
}

fn site(name: &str) -> HospitalRef {
    HospitalRef { name: name.into(), fhir_base_url: format!("https://{name}.example/fhir") }
}

#[test]
fn every_medicine_shows_its_dose_and_status_and_every_flagged_result_its_flag_and_range() {
    let (mut medicines, mut flagged, mut ranged) = (0, 0, 0);
    for (_, name, resources) in bundles() {
        for resource in &resources {
            let Some(item) = records::normalise(resource, &site(&name)) else { continue };
            match resource["resourceType"].as_str() {
                Some("MedicationRequest") => {
                    medicines += 1;
                    if let Some(text) = resource.pointer("/dosageInstruction/0/text").and_then(Value::as_str) {
                        assert_eq!(item.dose.as_deref(), Some(text), "{}", resource["id"]);
                    }
                    assert_eq!(item.status.as_deref(), resource["status"].as_str(), "{}", resource["id"]);
                }
                Some("Observation") => {
                    let code = resource.pointer("/interpretation/0/coding/0/code").and_then(Value::as_str);
                    // The hospital's own reading; without one, its value against its own range.
                    let expected = match code {
                        Some(code) => Flag::of_code(code),
                        None => {
                            let number = |p: &str| resource.pointer(p).and_then(Value::as_f64);
                            match (
                                number("/valueQuantity/value"),
                                number("/referenceRange/0/low/value"),
                                number("/referenceRange/0/high/value"),
                            ) {
                                (Some(v), Some(low), _) if v < low => Some(Flag::Low),
                                (Some(v), _, Some(high)) if v > high => Some(Flag::High),
                                _ => None,
                            }
                        }
                    };
                    assert_eq!(item.flag, expected, "{}: interpretation {code:?}", resource["id"]);
                    flagged += usize::from(matches!(code, Some("H" | "L" | "HH" | "LL")));
                    if resource.get("referenceRange").is_some() {
                        assert!(item.range.is_some(), "{}: its reference range is not shown", resource["id"]);
                        ranged += 1;
                    }
                    if let Some(unit) = &item.unit {
                        assert!(!unit.contains('[') && !unit.contains('{'), "{}: unit {unit}", resource["id"]);
                    }
                }
                _ => {}
            }
        }
    }
    if medicines > 0 {
        assert!(flagged >= 37 && ranged >= 99, "{flagged} flagged, {ranged} with a range");
    }
}

#[test]
fn each_patients_merged_items_show_one_resources_facts_and_keep_every_order() {
    for patient in bundles().iter().map(|(p, _, _)| p.clone()).collect::<std::collections::BTreeSet<_>>() {
        let mut items: Vec<RecordItem> = Vec::new();
        let mut orders = 0;
        for (_, name, resources) in bundles().into_iter().filter(|(p, _, _)| *p == patient) {
            for resource in &resources {
                orders += usize::from(resource["resourceType"] == "MedicationRequest");
                items.extend(records::normalise(resource, &site(&name)));
            }
        }
        let merged = records::merge(items);
        let kept: usize =
            merged.iter().filter(|i| i.category == records::Category::Medication).map(|i| i.sources.len()).sum();
        assert_eq!(kept, orders, "{patient}: every medicine order is one source");
        for item in &merged {
            let first = records::normalise(&item.resources[0], &site("x")).unwrap();
            assert_eq!(
                (&first.date, &first.detail, &first.dose, &first.status, &first.flag),
                (&item.date, &item.detail, &item.dose, &item.status, &item.flag),
                "{patient}: {}",
                item.title
            );
            assert!(item.sources.windows(2).all(|w| w[0].day >= w[1].day), "{patient}: newest entry first");
        }
    }
}
