//! Loading a directory of per-site FHIR bundles (`--data DIR`), in the layout of the shared synthetic patients:
//! `DIR/<patient>/provider-map.json` (demographics and sites), `DIR/<patient>/sites/<site>/bundle.json` (what that
//! site holds), and optionally `DIR/<patient>/ticket-scenarios.json` (who acts for the patient). Each site becomes a
//! hospital; each patient keeps the local Patient id their bundle gives them at that site.

use crate::data::{HospitalInfo, Person, Role, World};
use anyhow::Context;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// Each site's records per person: `(person id, hospital index)` → (local Patient id, resources).
pub type SiteRecords = HashMap<(String, usize), (String, Vec<Value>)>;

/// A world read from fixtures, with each site's records per person.
pub struct FixtureWorld {
    /// People and hospitals.
    pub world: World,
    /// See [`SiteRecords`].
    pub records: SiteRecords,
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}

/// The authority a kinship relationship stands for in the test network.
fn authority_for(kinship: &str) -> &'static str {
    match kinship {
        "MTH" | "FTH" | "PRN" | "GRD" | "GUARD" => "GUARD",
        "DAU" | "SON" | "CHILD" | "HPOWATT" => "HPOWATT",
        _ => "DELEGATEE",
    }
}

/// Reads every patient directory under `dir`.
pub fn load(dir: &Path) -> anyhow::Result<FixtureWorld> {
    let mut patients: Vec<_> =
        std::fs::read_dir(dir)?.flatten().map(|e| e.path()).filter(|p| p.join("provider-map.json").is_file()).collect();
    patients.sort();
    anyhow::ensure!(!patients.is_empty(), "{} holds no patient directories", dir.display());
    let mut hospitals: Vec<HospitalInfo> = Vec::new();
    let mut slugs: Vec<String> = Vec::new();
    let mut people = Vec::new();
    let mut caregivers = Vec::new();
    let mut records = HashMap::new();
    for (number, patient_dir) in patients.iter().enumerate() {
        let map = read_json(&patient_dir.join("provider-map.json"))?;
        let full_name = map.pointer("/patient/full_name").and_then(Value::as_str).context("patient.full_name")?;
        let (given, family) = full_name.rsplit_once(' ').unwrap_or(("", full_name));
        let id = format!("f{}", number + 1);
        let mut person = Person {
            id: id.clone(),
            given: given.to_string(),
            family: family.to_string(),
            birth_date: map.pointer("/patient/date_of_birth").and_then(Value::as_str).unwrap_or_default().to_string(),
            gender: if map
                .pointer("/patient/gender")
                .and_then(Value::as_str)
                .is_some_and(|g| g.eq_ignore_ascii_case("female"))
            {
                "female"
            } else {
                "male"
            },
            role: Role::Patient,
            acts_for: Vec::new(),
            sites: Vec::new(),
            study: None,
        };
        for site in map.get("sites").and_then(Value::as_array).into_iter().flatten() {
            let slug = site.get("site_slug").and_then(Value::as_str).context("site_slug")?.to_string();
            let bundle_path = patient_dir.join("sites").join(&slug).join("bundle.json");
            if !bundle_path.is_file() {
                continue;
            }
            let index = match slugs.iter().position(|s| *s == slug) {
                Some(index) => index,
                None => {
                    let text = |name: &str| site.get(name).and_then(Value::as_str).unwrap_or("").to_string();
                    slugs.push(slug.clone());
                    hospitals.push(HospitalInfo {
                        name: text("site_name"),
                        npi: text("npi"),
                        state: leak(&text("state")),
                        city: leak(&text("city")),
                    });
                    slugs.len() - 1
                }
            };
            let bundle = read_json(&bundle_path)?;
            let resources: Vec<Value> = bundle
                .get("entry")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("resource").cloned())
                .collect();
            let patient = resources.iter().find(|r| r["resourceType"] == "Patient");
            if person.birth_date.is_empty() {
                // Some provider maps leave the birth date to the sites' Patient resources (which may disagree:
                // the first one wins, and a site that recorded another date will not match — as in real life).
                person.birth_date = patient.and_then(|p| p["birthDate"].as_str()).unwrap_or_default().to_string();
            }
            let local = patient.and_then(|p| p["id"].as_str()).unwrap_or(&id).to_string();
            let clinical = resources
                .into_iter()
                .filter(|r| {
                    !matches!(
                        r["resourceType"].as_str(),
                        Some("Patient" | "Organization" | "Practitioner" | "Location")
                    )
                })
                .collect();
            person.sites.push(index);
            records.insert((id.clone(), index), (local, clinical));
        }
        let scenarios = read_json(&patient_dir.join("ticket-scenarios.json")).unwrap_or(Value::Null);
        for scenario in scenarios.get("scenarios").and_then(Value::as_array).into_iter().flatten() {
            let Some(requester) =
                scenario.pointer("/ticket/requester").filter(|r| r["resourceType"] == "RelatedPerson")
            else {
                continue;
            };
            let kinship = requester.pointer("/relationship/0/coding/0/code").and_then(Value::as_str).unwrap_or("");
            let given = requester.pointer("/name/0/given/0").and_then(Value::as_str).unwrap_or("").to_string();
            let family = requester.pointer("/name/0/family").and_then(Value::as_str).unwrap_or("").to_string();
            if given.is_empty() || caregivers.iter().any(|c: &Person| c.given == given && c.family == family) {
                continue;
            }
            caregivers.push(Person {
                id: format!("c{}", caregivers.len() + 1),
                given,
                family,
                birth_date: "1970-01-01".into(),
                gender: "female",
                role: Role::Caregiver,
                acts_for: vec![(id.clone(), authority_for(kinship))],
                sites: Vec::new(),
                study: None,
            });
        }
        anyhow::ensure!(!person.birth_date.is_empty(), "{}: no birth date anywhere", patient_dir.display());
        people.push(person);
    }
    // Caregivers first, as in the generated world: the default sign-in is the first caregiver.
    caregivers.extend(people);
    Ok(FixtureWorld { world: World { people: caregivers, hospitals }, records })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_shared_synthetic_patients_when_present() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/synthetic-patients"));
        if !dir.is_dir() {
            return;
        }
        let fixtures = load(dir).unwrap();
        assert_eq!(fixtures.world.hospitals.len(), 29);
        let harold =
            fixtures.world.people.iter().find(|p| p.family == "Washington" && p.role == Role::Patient).unwrap();
        assert_eq!(harold.sites.len(), 5);
        let margaret = fixtures.world.people.iter().find(|p| p.given == "Margaret").unwrap();
        assert_eq!(margaret.acts_for, vec![(harold.id.clone(), "HPOWATT")]);
        let (local, resources) = &fixtures.records[&(harold.id.clone(), harold.sites[0])];
        assert!(!local.is_empty() && !resources.is_empty());
        assert!(load(Path::new("/nonexistent")).is_err());
    }
}
