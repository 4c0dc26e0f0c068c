//! Deterministic synthetic data: people, the hospitals they were seen at, and their FHIR records.
//!
//! Everything follows from a seed. Each patient has a set of long-running facts (problems, medications,
//! allergies) that every hospital they visited reports again under its own ids, so the wallet has real duplicates
//! to merge; each visit adds its own encounters, results, immunizations, documents and procedures. Some records
//! carry `meta.security` sensitivity labels (mental health, HIV, substance use).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{json, Value};

/// What a person is in the test network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Has records; may sign in for their own records.
    Patient,
    /// Acts for one or more patients.
    Caregiver,
    /// A patient enrolled in a research study whose consent is long-lived.
    ResearchParticipant,
}

/// One person: a patient, a caregiver or a research participant.
#[derive(Debug, Clone)]
pub struct Person {
    /// Stable id, e.g. `p3`.
    pub id: String,
    /// Given name.
    pub given: String,
    /// Family name.
    pub family: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `male` / `female`.
    pub gender: &'static str,
    /// See [`Role`].
    pub role: Role,
    /// Patients this person may act for, with the v3-RoleCode of the authority (`HPOWATT`, `GUARD`, `DELEGATEE`).
    pub acts_for: Vec<(String, &'static str)>,
    /// Indices of the hospitals holding records about this person (empty for a caregiver with no records).
    pub sites: Vec<usize>,
    /// The research study, for a research participant.
    pub study: Option<String>,
}

impl Person {
    /// "Given Family".
    pub fn name(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
}

/// One hospital's identity.
#[derive(Debug, Clone)]
pub struct HospitalInfo {
    /// Display name.
    pub name: String,
    /// A 10-digit NPI.
    pub npi: String,
    /// US state code.
    pub state: &'static str,
    /// City.
    pub city: &'static str,
}

/// The whole synthetic world.
#[derive(Debug, Clone)]
pub struct World {
    /// Everyone, patients first.
    pub people: Vec<Person>,
    /// Every hospital, by index.
    pub hospitals: Vec<HospitalInfo>,
}

impl World {
    /// The person with this id.
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    /// Whether `person` has a chart at hospital `site`: they were seen there, or — at a hospital whose way in is its
    /// own patient portal (`portal`), where a caregiver signs in with an account of her own that carries proxy
    /// access — they act for a patient seen there.
    pub fn has_chart(&self, person: &Person, site: usize, portal: bool) -> bool {
        person.sites.contains(&site)
            || (portal
                && person.acts_for.iter().any(|(id, _)| self.person(id).is_some_and(|p| p.sites.contains(&site))))
    }

    /// The charts `person` may open in hospital `site`'s patient portal, in the patient picker's order: each
    /// patient they act for who is seen there (proxy access, with the authority's v3-RoleCode), then their own
    /// (`None`). Empty when they have no account there.
    pub fn portal_charts(&self, person: &Person, site: usize) -> Vec<(String, Option<&'static str>)> {
        let mut charts: Vec<(String, Option<&'static str>)> = person
            .acts_for
            .iter()
            .filter(|(id, _)| self.person(id).is_some_and(|p| p.sites.contains(&site)))
            .map(|(id, code)| (id.clone(), Some(*code)))
            .collect();
        if self.has_chart(person, site, true) {
            charts.push((person.id.clone(), None));
        }
        charts
    }
}

const GIVEN_F: &[&str] =
    &["Margaret", "Priya", "Patricia", "Elena", "Denise", "Maria", "Grace", "Ruth", "Aisha", "Lena"];
const GIVEN_M: &[&str] =
    &["Harold", "Carlos", "James", "Kevin", "Marcus", "Robert", "Samuel", "Walter", "Daniel", "Omar"];
const FAMILY: &[&str] =
    &["Washington", "Patel", "Okafor", "Reyes", "Walker", "Chen", "Thornton", "Park", "Johnson", "Davis", "Medina"];
const PLACES: &[(&str, &str)] = &[
    ("Atlanta", "GA"),
    ("Decatur", "GA"),
    ("Jacksonville", "FL"),
    ("Savannah", "GA"),
    ("Macon", "GA"),
    ("Tallahassee", "FL"),
    ("Columbus", "GA"),
    ("Gainesville", "FL"),
    ("Athens", "GA"),
    ("Orlando", "FL"),
];
const KINDS: &[&str] = &[
    "Memorial Hospital",
    "Internal Medicine",
    "Neurology Associates",
    "Emergency Department",
    "Memory Clinic",
    "Family Practice",
    "Children's Hospital",
    "Allergy & Asthma Clinic",
    "Medical Center",
    "Cancer Institute",
];

/// Builds the world for `sites` hospitals from `seed`.
pub fn generate(seed: u64, sites: usize) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let hospitals = (0..sites)
        .map(|index| {
            let (city, state) = PLACES[(index + rng.gen_range(0..PLACES.len())) % PLACES.len()];
            let kind = KINDS[index % KINDS.len()];
            let suffix = if index >= KINDS.len() { format!(" {}", index / KINDS.len() + 1) } else { String::new() };
            HospitalInfo {
                name: format!("{city} {kind}{suffix}"),
                npi: format!("1{:09}", rng.gen_range(0..1_000_000_000u64)),
                state,
                city,
            }
        })
        .collect();

    let mut families = FAMILY.to_vec();
    families.shuffle(&mut rng);
    let mut people = Vec::new();
    let mut next_id = 0;
    let mut person = |rng: &mut ChaCha8Rng, family: &str, female: bool, years: std::ops::Range<i32>, role: Role| {
        next_id += 1;
        let year = rng.gen_range(years);
        let pool = if female { GIVEN_F } else { GIVEN_M };
        Person {
            id: format!("p{next_id}"),
            given: pool[rng.gen_range(0..pool.len())].to_string(),
            family: family.to_string(),
            birth_date: format!("{year}-{:02}-{:02}", rng.gen_range(1..=12), rng.gen_range(1..=28)),
            gender: if female { "female" } else { "male" },
            role,
            acts_for: Vec::new(),
            sites: Vec::new(),
            study: None,
        }
    };
    // Caregivers come first so the default sign-in (the first caregiver) is the main story.
    let mut elder = person(&mut rng, families[0], false, 1938..1950, Role::Patient);
    let mut daughter = person(&mut rng, families[0], true, 1968..1978, Role::Caregiver);
    let mut child = person(&mut rng, families[1], true, 2014..2020, Role::Patient);
    let mut mother = person(&mut rng, families[1], true, 1982..1990, Role::Caregiver);
    let mut participant = person(&mut rng, families[2], true, 1955..1965, Role::ResearchParticipant);
    let mut adult = person(&mut rng, families[3], true, 1980..1992, Role::Patient);

    // The elder is seen everywhere (the fan-out story); the others at a few places each.
    elder.sites = (0..sites).collect();
    for someone in [&mut child, &mut participant, &mut adult] {
        let count = rng.gen_range(2..=5).min(sites);
        let mut all: Vec<usize> = (0..sites).collect();
        all.shuffle(&mut rng);
        someone.sites = all.into_iter().take(count).collect();
        someone.sites.sort_unstable();
    }
    daughter.acts_for.push((elder.id.clone(), "HPOWATT"));
    mother.acts_for.push((child.id.clone(), "GUARD"));
    participant.study = Some("Lung cancer immunotherapy outcomes study (5 years)".to_string());
    // The elder's daughter is also a patient herself with no records; she signs in as a caregiver.
    people.extend([daughter, elder, mother, child, participant, adult]);
    World { people, hospitals }
}

/// Gives the first families the names of the people in the stories Tessera is built for: Harold Washington and his
/// daughter Margaret (his healthcare power of attorney), Aisha Patel and her mother Priya, Patricia Okafor in a
/// research study. Everything else (birth dates, sites, records) stays as the seed made it.
pub fn name_the_story(world: &mut World) {
    let names = [
        ("Margaret", "Washington-Clarke"),
        ("Harold", "Washington"),
        ("Priya", "Patel"),
        ("Aisha", "Patel"),
        ("Patricia", "Okafor"),
    ];
    for (person, (given, family)) in world.people.iter_mut().zip(names) {
        person.given = given.to_string();
        person.family = family.to_string();
    }
}

/// A coded fact that may be reported by several hospitals.
struct Fact {
    system: &'static str,
    code: &'static str,
    display: &'static str,
    security: Option<&'static str>,
}

const fn fact(system: &'static str, code: &'static str, display: &'static str) -> Fact {
    Fact { system, code, display, security: None }
}

const SNOMED: &str = "http://snomed.info/sct";
const LOINC: &str = "http://loinc.org";
const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
const CVX: &str = "http://hl7.org/fhir/sid/cvx";
/// The code system of the sensitivity labels the testbed uses.
pub const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

const CONDITIONS: &[Fact] = &[
    fact(SNOMED, "26929004", "Alzheimer's disease"),
    fact(SNOMED, "38341003", "Hypertensive disorder"),
    fact(SNOMED, "44054006", "Type 2 diabetes mellitus"),
    fact(SNOMED, "195967001", "Asthma"),
    fact(SNOMED, "55822004", "Hyperlipidemia"),
    fact(SNOMED, "49436004", "Atrial fibrillation"),
    fact(SNOMED, "254637007", "Non-small cell lung cancer"),
    fact(SNOMED, "396275006", "Osteoarthritis"),
    Fact { system: SNOMED, code: "35489007", display: "Depressive disorder", security: Some("PSY") },
    Fact { system: SNOMED, code: "7200002", display: "Alcoholism", security: Some("ETH") },
];
const MEDICATIONS: &[Fact] = &[
    fact(RXNORM, "997223", "donepezil 10 MG Oral Tablet"),
    fact(RXNORM, "314076", "lisinopril 10 MG Oral Tablet"),
    fact(RXNORM, "860975", "metformin 500 MG Oral Tablet"),
    fact(RXNORM, "745679", "albuterol 90 MCG/ACTUAT Inhaler"),
    fact(RXNORM, "617312", "atorvastatin 40 MG Oral Tablet"),
    fact(RXNORM, "1364430", "apixaban 5 MG Oral Tablet"),
    fact(RXNORM, "996740", "memantine 10 MG Oral Tablet"),
    Fact { system: RXNORM, code: "312940", display: "sertraline 50 MG Oral Tablet", security: Some("PSY") },
];
const ALLERGIES: &[Fact] = &[
    fact(RXNORM, "70618", "Penicillin"),
    fact(SNOMED, "256349002", "Peanut"),
    fact(SNOMED, "111088007", "Latex"),
    fact(RXNORM, "10831", "Sulfamethoxazole"),
];
const LABS: &[(&str, &str, &str, f64, f64)] = &[
    ("4548-4", "Hemoglobin A1c", "%", 5.2, 9.5),
    ("2160-0", "Creatinine", "mg/dL", 0.6, 1.8),
    ("2345-7", "Glucose", "mg/dL", 70.0, 210.0),
    ("18262-6", "LDL cholesterol", "mg/dL", 60.0, 190.0),
];
/// The v3 ObservationInterpretation code system.
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

/// The adult normal range of a lab in [`LABS`], by LOINC code.
fn normal_range(code: &str) -> Option<(f64, f64)> {
    match code {
        "4548-4" => Some((4.0, 5.6)),
        "2160-0" => Some((0.6, 1.3)),
        "2345-7" => Some((70.0, 99.0)),
        "18262-6" => Some((0.0, 99.0)),
        _ => None,
    }
}

const VITALS: &[(&str, &str, &str, f64, f64)] = &[
    ("8480-6", "Systolic blood pressure", "mm[Hg]", 105.0, 165.0),
    ("8867-4", "Heart rate", "/min", 55.0, 105.0),
    ("29463-7", "Body weight", "kg", 45.0, 110.0),
];
const VACCINES: &[(&str, &str)] = &[
    ("150", "Influenza, injectable, quadrivalent"),
    ("208", "COVID-19 mRNA vaccine"),
    ("115", "Tdap"),
    ("33", "Pneumococcal polysaccharide PPV23"),
];
const PROCEDURES: &[(&str, &str)] = &[
    ("73761001", "Colonoscopy"),
    ("816077007", "MRI of brain"),
    ("40701008", "Echocardiography"),
    ("80146002", "Appendectomy"),
];
const DOCUMENTS: &[(&str, &str)] = &[("18842-5", "Discharge summary"), ("11506-3", "Progress note")];

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }], "text": display })
}

fn labelled(mut resource: Value, security: Option<&str>) -> Value {
    if let Some(code) = security {
        resource["meta"] = json!({ "security": [{ "system": ACT_CODE, "code": code }] });
    }
    resource
}

/// A date `days` before 2026-11-01, as `YYYY-MM-DD`.
pub fn date_before_reference(days: i64) -> String {
    let reference = time::macros::date!(2026 - 11 - 01);
    let day = reference - time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day())
}

/// The FHIR resources hospital `site` holds about `person`, whose local Patient id there is `patient_id`.
/// Deterministic in (`seed`, person, site).
pub fn records(seed: u64, person: &Person, site: usize, patient_id: &str) -> Vec<Value> {
    // Long-running facts depend on the person only, so every site reports the same ones.
    let person_number: u64 = person.id.trim_start_matches('p').parse().unwrap_or(0);
    let mut facts_rng = ChaCha8Rng::seed_from_u64(seed ^ person_number.wrapping_mul(0x9e37_79b9));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ person_number.wrapping_mul(0x9e37_79b9) ^ ((site as u64 + 1) << 32));
    let subject = json!({ "reference": format!("Patient/{patient_id}") });
    let mut out = Vec::new();
    let mut next = 0;
    let mut id = |prefix: &str| {
        next += 1;
        format!("{prefix}-{site}-{patient_id}-{next}")
    };
    let pick = |rng: &mut ChaCha8Rng, len: usize, count: usize| {
        let mut indices: Vec<usize> = (0..len).collect();
        indices.shuffle(rng);
        indices.truncate(count.min(len));
        indices
    };

    let condition_ids = pick(&mut facts_rng, CONDITIONS.len(), 3);
    let medication_ids = pick(&mut facts_rng, MEDICATIONS.len(), 3);
    let allergy_ids = pick(&mut facts_rng, ALLERGIES.len(), 1);
    for index in condition_ids {
        let fact = &CONDITIONS[index];
        let onset = date_before_reference(400 + 300 * index as i64);
        out.push(labelled(
            json!({
                "resourceType": "Condition", "id": id("cond"), "subject": subject,
                "clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
                "category": [coding("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")],
                "code": coding(fact.system, fact.code, fact.display),
                "onsetDateTime": onset, "recordedDate": date_before_reference(rng.gen_range(30..900)),
            }),
            fact.security,
        ));
    }
    for index in medication_ids {
        let fact = &MEDICATIONS[index];
        out.push(labelled(
            json!({
                "resourceType": "MedicationRequest", "id": id("med"), "subject": subject,
                "status": "active", "intent": "order",
                "medicationCodeableConcept": coding(fact.system, fact.code, fact.display),
                "authoredOn": date_before_reference(rng.gen_range(20..700)),
                "requester": { "display": format!("Dr. {}", FAMILY[rng.gen_range(0..FAMILY.len())]) },
                "dosageInstruction": [{ "text": "Take one tablet by mouth daily" }],
            }),
            fact.security,
        ));
    }
    for index in allergy_ids {
        let fact = &ALLERGIES[index];
        out.push(json!({
            "resourceType": "AllergyIntolerance", "id": id("alg"), "patient": subject,
            "clinicalStatus": coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"),
            "code": coding(fact.system, fact.code, fact.display),
            "criticality": "high", "recordedDate": date_before_reference(rng.gen_range(100..2000)),
        }));
    }
    for visit in 0..rng.gen_range(1..=3) {
        let day = rng.gen_range(10..2500);
        let date = date_before_reference(day);
        let encounter_id = id("enc");
        let (class, kind) = [("AMB", "Office visit"), ("EMER", "Emergency visit"), ("IMP", "Hospital stay")][visit % 3];
        out.push(json!({
            "resourceType": "Encounter", "id": encounter_id, "subject": subject, "status": "finished",
            "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": class, "display": kind },
            "type": [coding(SNOMED, "185349003", kind)],
            "period": { "start": format!("{date}T09:00:00Z"), "end": format!("{date}T10:00:00Z") },
        }));
        for (code, display, unit, low, high) in LABS.iter().take(rng.gen_range(1..=LABS.len())) {
            let value = (rng.gen_range(*low..*high) * 10.0_f64).round() / 10.0;
            let mut lab = json!({
                "resourceType": "Observation", "id": id("obs"), "subject": subject, "status": "final",
                "category": [coding("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory")],
                "code": coding(LOINC, code, display), "effectiveDateTime": format!("{date}T09:30:00Z"),
                "valueQuantity": { "value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit },
                "encounter": { "reference": format!("Encounter/{encounter_id}") },
            });
            // As a hospital's laboratory would: the normal range and its reading of the value against it.
            if let Some((normal_low, normal_high)) = normal_range(code) {
                let (flag, words) = match value {
                    v if v > normal_high => ("H", "High"),
                    v if v < normal_low => ("L", "Low"),
                    _ => ("N", "Normal"),
                };
                lab["referenceRange"] = json!([{ "low": { "value": normal_low, "unit": unit },
                    "high": { "value": normal_high, "unit": unit } }]);
                lab["interpretation"] = json!([coding(INTERPRETATION, flag, words)]);
            }
            out.push(lab);
        }
        let (code, display, unit, low, high) = VITALS[visit % VITALS.len()];
        out.push(json!({
            "resourceType": "Observation", "id": id("obs"), "subject": subject, "status": "final",
            "category": [coding("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs", "Vital Signs")],
            "code": coding(LOINC, code, display), "effectiveDateTime": format!("{date}T09:05:00Z"),
            "valueQuantity": { "value": rng.gen_range(low..high).round(), "unit": unit },
        }));
        out.push(json!({
            "resourceType": "DiagnosticReport", "id": id("rep"), "subject": subject, "status": "final",
            "category": [coding("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")],
            "code": coding(LOINC, "24323-8", "Comprehensive metabolic panel"), "effectiveDateTime": format!("{date}T09:30:00Z"),
        }));
        let (doc_code, doc_display) = DOCUMENTS[visit % DOCUMENTS.len()];
        out.push(json!({
            "resourceType": "DocumentReference", "id": id("doc"), "subject": subject, "status": "current",
            "type": coding(LOINC, doc_code, doc_display), "date": format!("{date}T12:00:00Z"),
            "content": [{ "attachment": { "contentType": "text/plain", "title": doc_display } }],
        }));
    }
    let (vaccine_code, vaccine) = VACCINES[rng.gen_range(0..VACCINES.len())];
    out.push(json!({
        "resourceType": "Immunization", "id": id("imm"), "patient": subject, "status": "completed",
        "vaccineCode": coding(CVX, vaccine_code, vaccine), "occurrenceDateTime": date_before_reference(rng.gen_range(30..1500)),
    }));
    if rng.gen_bool(0.6) {
        let (code, display) = PROCEDURES[rng.gen_range(0..PROCEDURES.len())];
        out.push(json!({
            "resourceType": "Procedure", "id": id("proc"), "subject": subject, "status": "completed",
            "code": coding(SNOMED, code, display), "performedDateTime": date_before_reference(rng.gen_range(30..2500)),
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_is_deterministic_and_shaped_as_documented() {
        let a = generate(42, 12);
        let b = generate(42, 12);
        assert_eq!(
            a.people.iter().map(Person::name).collect::<Vec<_>>(),
            b.people.iter().map(Person::name).collect::<Vec<_>>()
        );
        assert_eq!(a.hospitals.len(), 12);
        assert_eq!(a.people[0].role, Role::Caregiver);
        let elder = &a.people[1];
        assert_eq!(a.people[0].acts_for, vec![(elder.id.clone(), "HPOWATT")]);
        assert_eq!(elder.sites.len(), 12);
        assert!(a.people.iter().any(|p| p.role == Role::ResearchParticipant && p.study.is_some()));
    }

    #[test]
    fn a_caregiver_has_a_portal_account_with_proxy_access_where_her_relative_is_seen() {
        let world = generate(42, 6);
        let (caregiver, elder) = (&world.people[0], &world.people[1]);
        assert!(!world.has_chart(caregiver, 0, false), "no records of her own at a ticket hospital");
        assert!(world.has_chart(caregiver, 0, true), "her own account at a portal");
        assert_eq!(
            world.portal_charts(caregiver, 0),
            vec![(elder.id.clone(), Some("HPOWATT")), (caregiver.id.clone(), None)]
        );
        assert_eq!(world.portal_charts(elder, 0), vec![(elder.id.clone(), None)], "a patient sees only themself");
        let adult = world
            .people
            .iter()
            .find(|p| p.role == Role::Patient && p.acts_for.is_empty() && p.sites.len() < 6)
            .unwrap();
        let elsewhere = (0..6).find(|s| !adult.sites.contains(s)).unwrap();
        assert!(world.portal_charts(adult, elsewhere).is_empty(), "no account where she was never seen");
    }

    #[test]
    fn long_running_facts_repeat_across_sites_under_different_ids() {
        let world = generate(7, 4);
        let elder = &world.people[1];
        let codes = |site| {
            records(7, elder, site, &format!("pat{site}"))
                .into_iter()
                .filter(|r| r["resourceType"] == "Condition")
                .map(|r| (r["code"]["coding"][0]["code"].clone(), r["id"].clone()))
                .collect::<Vec<_>>()
        };
        let (first, second) = (codes(0), codes(1));
        assert_eq!(first.iter().map(|c| &c.0).collect::<Vec<_>>(), second.iter().map(|c| &c.0).collect::<Vec<_>>());
        assert_ne!(first[0].1, second[0].1);
    }
}
