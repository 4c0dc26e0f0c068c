//! How a ticket is shown to people: plain words, dates not timestamps (digest §2.8), one model for every ticket
//! type and both kernels.
//!
//! The rule: a description never claims more than the ticket grants, and every permission, limit and exclusion
//! in the ticket appears in it. Words for codes come from tables held as data below (HL7 v3 RoleCode for
//! relationships, v3 ActReason for purposes of use, FHIR resource types, record categories, sensitivity labels);
//! a code no table knows is shown with the ticket's own display, or as the code itself — never as something it
//! does not say.
//!
//! The rule is held by a property over generated tickets of every type and both kernels (`tests/describe_rules.rs`)
//! and by the expected words of every spec vector and fixture scenario (`tests/descriptions.rs`).

use crate::ticket::{
    ClaimLinkage, Coded, HolderFilter, Permission, Requester, RequesterKind, Ticket, ACT_REASON, DELEGATED_ACCESS,
    PAYER_CLAIMS, PAYER_QUALITY_GAP, PROVIDER_CONSULT, PUBLIC_HEALTH, RESEARCH, ROLE_CODE, SELF_ACCESS, SOCIAL_CARE,
};
use serde::Serialize;
use ts_rs::TS;

/// A ticket described for people. Holds display text only, never the JWT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TicketDescription {
    /// What kind of ticket: "Self access", "Delegated access", "Public health investigation", "Research study"…
    pub kind: String,
    /// "Your own records" or "Margaret Washington may access Harold Washington's records as healthcare power of attorney".
    pub headline: String,
    /// Who asks for the records, when the ticket names a requester ("Wisconsin Department of Health Services").
    pub requester: Option<String>,
    /// Why the ticket exists, one line each ("Study: Diabetes Outcomes Registry", "Purpose: patient request").
    pub purpose: Vec<String>,
    /// "Harold Washington, born 12 Mar 1944".
    pub patient: String,
    /// Who issued it: its name (see [`describe_issued`]); [`describe`] alone gives the issuer's host.
    pub issuer: String,
    /// One line per permission: "Lab results — view".
    pub access: Vec<String>,
    /// Every limit on what is shared: the data period, which hospitals may answer, claim linkage.
    pub limits: Vec<String>,
    /// Every exclusion: "Not shared: Mental health, Substance use".
    pub not_shared: Vec<String>,
    /// Every line after the access lines, in the spec's order — the purpose, limit and exclusion lines above
    /// included — so that a front end showing `details` shows everything.
    pub details: Vec<String>,
}

/// Formats a Unix time as "12 Nov 2027".
pub fn date_words(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| day_words(t.date()))
        .unwrap_or_else(|_| "an unknown date".into())
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Parses exactly `YYYY-MM-DD`.
pub fn parse_day(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).ok()
}

/// Formats a FHIR date as words: `YYYY-MM-DD` → "12 Nov 2027", `YYYY-MM` → "Nov 2027", `YYYY` unchanged; anything
/// else is returned as given.
pub fn iso_date_words(date: &str) -> String {
    if let Some(day) = parse_day(date.get(..10).unwrap_or(date)) {
        return day_words(day);
    }
    let month = date.get(5..7).and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m));
    match (date.len(), date.get(..4).filter(|y| y.chars().all(|c| c.is_ascii_digit())), month) {
        (7, Some(year), Some(month)) if date.as_bytes()[4] == b'-' => format!("{} {year}", MONTHS[month - 1]),
        _ => date.to_string(),
    }
}

fn day_words(date: time::Date) -> String {
    format!("{} {} {}", date.day(), MONTHS[u8::from(date.month()) as usize - 1], date.year())
}

/// How a v3 RoleCode (or v2-0131 contact role) reads after "may access … records as".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A legal or chosen authority: "as healthcare power of attorney".
    Authority,
    /// A personal relationship to the patient: "as Aisha Patel's mother".
    Kin,
}

/// The v2-0131 contact-role code system (the other half of the FHIR RelatedPerson relationship value set).
const CONTACT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/v2-0131";

/// The names a ticket may give each code system: the canonical URL, the OID in the code system's own `identifier`,
/// and the FHIR STU3 URL. A code under any other system is not looked up in these tables.
const ROLE_CODE_NAMES: &[&str] = &[ROLE_CODE, "urn:oid:2.16.840.1.113883.5.111", "http://hl7.org/fhir/v3/RoleCode"];
const CONTACT_ROLE_NAMES: &[&str] = &[CONTACT_ROLE, "urn:oid:2.16.840.1.113883.18.58", "http://hl7.org/fhir/v2/0131"];
const ACT_REASON_NAMES: &[&str] = &[ACT_REASON, "urn:oid:2.16.840.1.113883.5.8", "http://hl7.org/fhir/v3/ActReason"];

/// HL7 v3 RoleCode codes a requester's `relationship` can carry, in plain words: every code of the
/// PersonalRelationshipRoleType part (`_PersonalRelationshipRoleType` and all below it, the v3 half of the FHIR
/// RelatedPerson relationship value set), the responsible party and every code below it (guardians, powers of
/// attorney, executor), the contact roles NOK and ECON, and DELEGATEE (in HL7, anyone given a right or authority by
/// another; digest §2.3 uses it only for a delegate the patient chose through the issuer, hence its words).
///
/// Source: code system `http://terminology.hl7.org/CodeSystem/v3-RoleCode` (OID 2.16.840.1.113883.5.111),
/// CodeSystem.version 4.0.0 as published in HL7 Terminology (THO, package hl7.terminology) 7.3.0; read from
/// github.com/HL7/UTG `input/sourceOfTruth/v3/codeSystems/v3-RoleCode.xml` at commit
/// a19c263616d7b759fe91ceaa0faf4c5b5a5b614b (master, 4 Aug 2026), checked 24 Nov 2026. Every code here is in it;
/// MTHINLOAW and SISLINLAW are retired there (replaced by MTHINLAW, SISINLAW) and kept so older tickets still read.
/// The words are ours, from each concept's display and definition.
const ROLE_CODES: &[(&str, Role, &str)] = &[
    // Responsible parties (RESPRSN and below) and the power-of-attorney instruments (digest §2.3).
    ("RESPRSN", Role::Authority, "legally responsible party"),
    ("POWATT", Role::Authority, "power of attorney"),
    ("HPOWATT", Role::Authority, "healthcare power of attorney"),
    ("DPOWATT", Role::Authority, "durable power of attorney"),
    ("SPOWATT", Role::Authority, "special (limited) power of attorney"),
    ("GUARD", Role::Authority, "guardian"),
    ("GUADLTM", Role::Authority, "guardian ad litem (appointed by a court for legal proceedings)"),
    ("EXCEST", Role::Authority, "executor of the estate"),
    // Agent and contact roles.
    ("DELEGATEE", Role::Authority, "delegate chosen by the patient"),
    ("NOK", Role::Authority, "next of kin"),
    ("ECON", Role::Authority, "emergency contact"),
    // PersonalRelationshipRoleType: family.
    ("FAMMEMB", Role::Kin, "family member"),
    ("CHILD", Role::Kin, "child"),
    ("CHLDADOPT", Role::Kin, "adopted child"),
    ("DAUADOPT", Role::Kin, "adopted daughter"),
    ("SONADOPT", Role::Kin, "adopted son"),
    ("CHLDFOST", Role::Kin, "foster child"),
    ("DAUFOST", Role::Kin, "foster daughter"),
    ("SONFOST", Role::Kin, "foster son"),
    ("DAUC", Role::Kin, "daughter"),
    ("DAU", Role::Kin, "daughter"),
    ("STPDAU", Role::Kin, "stepdaughter"),
    ("NCHILD", Role::Kin, "birth child"),
    ("SONC", Role::Kin, "son"),
    ("SON", Role::Kin, "son"),
    ("STPSON", Role::Kin, "stepson"),
    ("STPCHLD", Role::Kin, "stepchild"),
    ("EXT", Role::Kin, "extended family member"),
    ("AUNT", Role::Kin, "aunt"),
    ("MAUNT", Role::Kin, "maternal aunt"),
    ("PAUNT", Role::Kin, "paternal aunt"),
    ("COUSN", Role::Kin, "cousin"),
    ("MCOUSN", Role::Kin, "maternal cousin"),
    ("PCOUSN", Role::Kin, "paternal cousin"),
    ("GGRPRN", Role::Kin, "great-grandparent"),
    ("GGRFTH", Role::Kin, "great-grandfather"),
    ("MGGRFTH", Role::Kin, "maternal great-grandfather"),
    ("PGGRFTH", Role::Kin, "paternal great-grandfather"),
    ("GGRMTH", Role::Kin, "great-grandmother"),
    ("MGGRMTH", Role::Kin, "maternal great-grandmother"),
    ("PGGRMTH", Role::Kin, "paternal great-grandmother"),
    ("MGGRPRN", Role::Kin, "maternal great-grandparent"),
    ("PGGRPRN", Role::Kin, "paternal great-grandparent"),
    ("GRNDCHILD", Role::Kin, "grandchild"),
    ("GRNDDAU", Role::Kin, "granddaughter"),
    ("GRNDSON", Role::Kin, "grandson"),
    ("GRPRN", Role::Kin, "grandparent"),
    ("GRFTH", Role::Kin, "grandfather"),
    ("MGRFTH", Role::Kin, "maternal grandfather"),
    ("PGRFTH", Role::Kin, "paternal grandfather"),
    ("GRMTH", Role::Kin, "grandmother"),
    ("MGRMTH", Role::Kin, "maternal grandmother"),
    ("PGRMTH", Role::Kin, "paternal grandmother"),
    ("MGRPRN", Role::Kin, "maternal grandparent"),
    ("PGRPRN", Role::Kin, "paternal grandparent"),
    ("INLAW", Role::Kin, "in-law"),
    ("CHLDINLAW", Role::Kin, "child-in-law"),
    ("DAUINLAW", Role::Kin, "daughter-in-law"),
    ("SONINLAW", Role::Kin, "son-in-law"),
    ("PRNINLAW", Role::Kin, "parent-in-law"),
    ("FTHINLAW", Role::Kin, "father-in-law"),
    ("MTHINLAW", Role::Kin, "mother-in-law"),
    ("MTHINLOAW", Role::Kin, "mother-in-law"),
    ("SIBINLAW", Role::Kin, "sibling-in-law"),
    ("BROINLAW", Role::Kin, "brother-in-law"),
    ("SISINLAW", Role::Kin, "sister-in-law"),
    ("SISLINLAW", Role::Kin, "sister-in-law"),
    ("NIENEPH", Role::Kin, "niece or nephew"),
    ("NEPHEW", Role::Kin, "nephew"),
    ("NIECE", Role::Kin, "niece"),
    ("UNCLE", Role::Kin, "uncle"),
    ("MUNCLE", Role::Kin, "maternal uncle"),
    ("PUNCLE", Role::Kin, "paternal uncle"),
    ("PRN", Role::Kin, "parent"),
    ("ADOPTP", Role::Kin, "adoptive parent"),
    ("ADOPTF", Role::Kin, "adoptive father"),
    ("ADOPTM", Role::Kin, "adoptive mother"),
    ("FTH", Role::Kin, "father"),
    ("FTHFOST", Role::Kin, "foster father"),
    ("NFTH", Role::Kin, "birth father"),
    ("NFTHF", Role::Kin, "father of the unborn child"),
    ("STPFTH", Role::Kin, "stepfather"),
    ("MTH", Role::Kin, "mother"),
    ("GESTM", Role::Kin, "gestational mother"),
    ("MTHFOST", Role::Kin, "foster mother"),
    ("NMTH", Role::Kin, "birth mother"),
    ("NMTHF", Role::Kin, "mother of the unborn child"),
    ("STPMTH", Role::Kin, "stepmother"),
    ("NPRN", Role::Kin, "birth parent"),
    ("PRNFOST", Role::Kin, "foster parent"),
    ("STPPRN", Role::Kin, "step-parent"),
    ("SIB", Role::Kin, "sibling"),
    ("BRO", Role::Kin, "brother"),
    ("HBRO", Role::Kin, "half-brother"),
    ("NBRO", Role::Kin, "full brother"),
    ("STPBRO", Role::Kin, "stepbrother"),
    ("HSIB", Role::Kin, "half-sibling"),
    ("HSIS", Role::Kin, "half-sister"),
    ("NSIB", Role::Kin, "full sibling"),
    ("NSIS", Role::Kin, "full sister"),
    ("SIS", Role::Kin, "sister"),
    ("STPSIS", Role::Kin, "stepsister"),
    ("STPSIB", Role::Kin, "step-sibling"),
    ("TWIN", Role::Kin, "twin"),
    ("FTWIN", Role::Kin, "fraternal twin"),
    ("FTWINBRO", Role::Kin, "fraternal twin brother"),
    ("FTWINSIS", Role::Kin, "fraternal twin sister"),
    ("ITWIN", Role::Kin, "identical twin"),
    ("ITWINBRO", Role::Kin, "identical twin brother"),
    ("ITWINSIS", Role::Kin, "identical twin sister"),
    ("TWINBRO", Role::Kin, "twin brother"),
    ("TWINSIS", Role::Kin, "twin sister"),
    ("SIGOTHR", Role::Kin, "significant other"),
    ("DOMPART", Role::Kin, "domestic partner"),
    ("FMRSPS", Role::Kin, "former spouse"),
    ("SPS", Role::Kin, "spouse"),
    ("HUSB", Role::Kin, "husband"),
    ("WIFE", Role::Kin, "wife"),
    // PersonalRelationshipRoleType: outside the family, and the patient.
    ("FRND", Role::Kin, "friend"),
    ("NBOR", Role::Kin, "neighbour"),
    ("ROOM", Role::Kin, "roommate"),
    ("ONESELF", Role::Authority, "the patient themself"),
];

/// HL7 v2 table 0131 contact roles, the other codes the FHIR RelatedPerson relationship value set allows, in plain
/// words. Looked up only for that system or for a code given without a system: "C", "E", "F" and "O" are also
/// RoleCode codes of another meaning (calibrator, electronic QC, filler and operator proficiency).
///
/// Source: code system `http://terminology.hl7.org/CodeSystem/v2-0131` (OID 2.16.840.1.113883.18.58),
/// CodeSystem.version 3.0.0 as published in HL7 Terminology (THO) 7.3.0; read from github.com/HL7/UTG
/// `input/sourceOfTruth/v2/codeSystems/cs-v2-0131.xml` at commit a19c263616d7b759fe91ceaa0faf4c5b5a5b614b,
/// checked 24 Nov 2026. All twelve codes; the words are ours.
const CONTACT_ROLES: &[(&str, Role, &str)] = &[
    ("BP", Role::Authority, "billing contact"),
    ("C", Role::Authority, "emergency contact"),
    ("CP", Role::Authority, "contact person"),
    ("E", Role::Authority, "employer"),
    ("EP", Role::Authority, "emergency contact"),
    ("F", Role::Authority, "federal agency"),
    ("I", Role::Authority, "insurance company"),
    ("N", Role::Authority, "next of kin"),
    ("O", Role::Authority, "contact of another kind"),
    ("PR", Role::Authority, "person who prepared the referral"),
    ("S", Role::Authority, "state agency"),
    ("U", Role::Authority, "contact of unknown kind"),
];

/// HL7 v3 ActReason purposes of use in plain words: every code of the PurposeOfUse part (`PurposeOfUse` and all
/// below it, the codes of the v3-PurposeOfUse value set). Each reads after "Purpose: ".
///
/// Source: code system `http://terminology.hl7.org/CodeSystem/v3-ActReason` (OID 2.16.840.1.113883.5.8),
/// CodeSystem.version 4.0.0 as published in HL7 Terminology (THO) 7.3.0; read from github.com/HL7/UTG
/// `input/sourceOfTruth/v3/codeSystems/v3-ActReason.xml` at commit a19c263616d7b759fe91ceaa0faf4c5b5a5b614b
/// (master, 4 Aug 2026), checked 24 Nov 2026. The words are ours, from each concept's display and definition.
const PURPOSES: &[(&str, &str)] = &[
    // Treatment.
    ("TREAT", "treatment"),
    ("CLINTRL", "treatment in a clinical trial"),
    ("COC", "coordination of care"),
    ("ETREAT", "emergency treatment"),
    ("BTG", "emergency override of access rules (break the glass)"),
    ("ERTREAT", "emergency room treatment"),
    ("POPHLTH", "care for a population (such as a needle exchange)"),
    ("TREATDS", "treatment decisions made with the help of algorithms such as AI"),
    // Requests on the patient's behalf.
    ("PATRQT", "patient request"),
    ("FAMRQT", "request by a family member the patient authorized"),
    ("PWATRNY", "request by the patient's legal representative (power of attorney)"),
    ("SUPNWK", "request by someone the patient authorized"),
    // Public health.
    ("PUBHLTH", "public health"),
    ("DISASTER", "urgent care in a disaster area"),
    ("THREAT", "protecting people who may be targets of violence"),
    // Research.
    ("HRESCH", "health research"),
    ("BIORCH", "biomedical research"),
    ("CLINTRCH", "clinical trial research"),
    ("CLINTRCHNPC", "clinical trial research, without patient care"),
    ("CLINTRCHPC", "clinical trial research, with patient care"),
    ("PRECLINTRCH", "research to prepare a clinical trial"),
    ("DSRCH", "research on a specific disease"),
    ("POARCH", "research on population origins or ancestry"),
    ("TRANSRCH", "translational research (from the lab to patient care)"),
    // Payment.
    ("HPAYMT", "healthcare payment"),
    ("CLMATTCH", "clinical evidence for a claim or coverage request"),
    ("COVAUTH", "prior authorization of coverage"),
    ("COVERAGE", "coverage under a health plan or program"),
    ("ELIGDTRM", "deciding eligibility for coverage"),
    ("ELIGVER", "checking eligibility for coverage"),
    ("ENROLLM", "enrolling in a health plan or program"),
    ("MILDCRG", "military discharge"),
    ("REMITADV", "the amount paid on a claim (remittance advice)"),
    ("PMTDS", "payment decisions made with the help of algorithms such as AI"),
    // Healthcare operations.
    ("HOPERAT", "healthcare operations"),
    ("CAREMGT", "reviewing the quality, safety and cost of care"),
    ("DONAT", "organ, eye or tissue donation"),
    ("FRAUD", "detecting and preventing fraud"),
    ("GOV", "government processes"),
    ("HACCRED", "meeting accreditation standards"),
    ("HCOMPL", "compliance with a mandate"),
    ("HDECD", "matters about a deceased patient"),
    ("HDIRECT", "keeping a patient directory"),
    ("HDM", "administering health plan benefits"),
    ("HLEGAL", "legal proceedings"),
    ("HOUTCOMS", "measuring health outcomes"),
    ("HPRGRP", "health program reporting"),
    ("HQUALIMP", "improving the quality of care"),
    ("HSYSADMIN", "running healthcare computer systems"),
    ("LABELING", "labelling records for security and privacy"),
    ("METAMGT", "managing records' metadata"),
    ("MEMADMIN", "administering a member's health coverage"),
    ("MILCDM", "military command"),
    ("PATADMIN", "patient administration"),
    ("PATSFTY", "patient safety"),
    ("PERFMSR", "measuring how well recommended care is followed"),
    ("RECORDMGT", "records management"),
    ("SYSDEV", "building or testing healthcare computer systems"),
    ("HTEST", "testing systems with made-up data"),
    ("TRAIN", "training and education"),
    ("MLTRAINING", "training an AI (machine learning) model"),
    // Marketing.
    ("HMARKT", "marketing health products or services"),
];

/// FHIR resource types in plain words.
const RESOURCE_WORDS: &[(&str, &str)] = &[
    ("*", "All record types"),
    ("Account", "Billing accounts"),
    ("AdverseEvent", "Adverse events"),
    ("AllergyIntolerance", "Allergies"),
    ("Appointment", "Appointments"),
    ("AppointmentResponse", "Appointment replies"),
    ("Binary", "Attached files"),
    ("BodyStructure", "Body sites and structures"),
    ("CarePlan", "Care plans"),
    ("CareTeam", "Care teams"),
    ("ChargeItem", "Charges"),
    ("Claim", "Claims"),
    ("ClaimResponse", "Claim decisions"),
    ("ClinicalImpression", "Clinical assessments"),
    ("Communication", "Messages"),
    ("CommunicationRequest", "Message requests"),
    ("Composition", "Clinical documents"),
    ("Condition", "Problems"),
    ("Consent", "Consents"),
    ("Coverage", "Insurance coverage"),
    ("CoverageEligibilityRequest", "Insurance eligibility checks"),
    ("CoverageEligibilityResponse", "Insurance eligibility answers"),
    ("DetectedIssue", "Detected issues (such as drug interactions)"),
    ("Device", "Devices"),
    ("DeviceRequest", "Device orders"),
    ("DeviceUseStatement", "Device use"),
    ("DiagnosticReport", "Reports"),
    ("DocumentManifest", "Document sets"),
    ("DocumentReference", "Documents"),
    ("Encounter", "Visits"),
    ("EnrollmentRequest", "Enrollment requests"),
    ("EpisodeOfCare", "Episodes of care"),
    ("ExplanationOfBenefit", "Explanations of benefits"),
    ("FamilyMemberHistory", "Family history"),
    ("Flag", "Alerts and flags"),
    ("Goal", "Goals"),
    ("Group", "Groups"),
    ("ImagingStudy", "Imaging studies"),
    ("Immunization", "Immunizations"),
    ("ImmunizationEvaluation", "Immunization evaluations"),
    ("ImmunizationRecommendation", "Immunization recommendations"),
    ("Invoice", "Invoices"),
    ("List", "Lists"),
    ("Location", "Places of care"),
    ("Media", "Photos and recordings"),
    ("Medication", "Medicine details"),
    ("MedicationAdministration", "Medicines given"),
    ("MedicationDispense", "Medicines dispensed"),
    ("MedicationRequest", "Medications"),
    ("MedicationStatement", "Medicines taken"),
    ("MolecularSequence", "Genetic sequences"),
    ("NutritionOrder", "Diet orders"),
    ("Observation", "Results, vital signs and other observations"),
    ("Organization", "Organizations"),
    ("Patient", "Demographics"),
    ("Person", "Person records"),
    ("Practitioner", "Clinicians"),
    ("PractitionerRole", "Clinicians' roles"),
    ("Procedure", "Procedures"),
    ("Provenance", "Record history"),
    ("Questionnaire", "Questionnaires"),
    ("QuestionnaireResponse", "Questionnaire answers"),
    ("RelatedPerson", "Related people"),
    ("RequestGroup", "Grouped orders"),
    ("ResearchStudy", "Research studies"),
    ("ResearchSubject", "Research participation"),
    ("RiskAssessment", "Risk assessments"),
    ("Schedule", "Schedules"),
    ("ServiceRequest", "Referrals and orders"),
    ("Specimen", "Specimens"),
    ("SupplyDelivery", "Supply deliveries"),
    ("SupplyRequest", "Supply orders"),
    ("Task", "Tasks"),
    ("VisionPrescription", "Glasses and lens prescriptions"),
];

const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const US_CORE_CONDITION_CATEGORY: &str = "http://hl7.org/fhir/us/core/CodeSystem/condition-category";
const US_CORE_CATEGORY: &str = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category";
const DOCUMENT_CATEGORY: &str = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category";
const DIAGNOSTIC_SECTION: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";
const MEDICATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/medicationrequest-category";
const LOINC: &str = "http://loinc.org";

/// Record categories (`category=` narrowing) in plain words, by resource type, category system and code.
/// A category without a system is read in the resource type's usual system (the first listed for it).
const CATEGORY_WORDS: &[(&str, &str, &str, &str)] = &[
    ("Observation", OBSERVATION_CATEGORY, "laboratory", "Lab results"),
    ("Observation", OBSERVATION_CATEGORY, "vital-signs", "Vital signs"),
    ("Observation", OBSERVATION_CATEGORY, "social-history", "Social history"),
    ("Observation", OBSERVATION_CATEGORY, "imaging", "Imaging results"),
    ("Observation", OBSERVATION_CATEGORY, "procedure", "Results of procedures"),
    ("Observation", OBSERVATION_CATEGORY, "survey", "Survey answers"),
    ("Observation", OBSERVATION_CATEGORY, "exam", "Exam findings"),
    ("Observation", OBSERVATION_CATEGORY, "therapy", "Therapy results"),
    ("Observation", OBSERVATION_CATEGORY, "activity", "Activity measurements"),
    ("Observation", US_CORE_CATEGORY, "sdoh", "Social needs screenings (such as food, housing or transport)"),
    ("Observation", US_CORE_CATEGORY, "functional-status", "Functional status"),
    ("Observation", US_CORE_CATEGORY, "disability-status", "Disability status"),
    ("Observation", US_CORE_CATEGORY, "cognitive-status", "Cognitive status"),
    ("Observation", US_CORE_CATEGORY, "treatment-intervention-preference", "Treatment preferences"),
    ("Observation", US_CORE_CATEGORY, "care-experience-preference", "Care experience preferences"),
    ("Condition", CONDITION_CATEGORY, "problem-list-item", "Problem list"),
    ("Condition", CONDITION_CATEGORY, "encounter-diagnosis", "Diagnoses from visits"),
    ("Condition", US_CORE_CONDITION_CATEGORY, "health-concern", "Health concerns"),
    ("Condition", US_CORE_CATEGORY, "sdoh", "Social needs (such as food, housing or transport)"),
    ("DocumentReference", DOCUMENT_CATEGORY, "clinical-note", "Clinical notes"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "LAB", "Lab reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "RAD", "Radiology reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "PAT", "Pathology reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "SP", "Surgical pathology reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "MB", "Microbiology reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "HM", "Hematology reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "CH", "Chemistry reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "CUS", "Cardiac ultrasound reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "EC", "Electrocardiogram reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "GE", "Genetics reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "CT", "CT scan reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "NMR", "MRI reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "US", "Ultrasound reports"),
    ("DiagnosticReport", DIAGNOSTIC_SECTION, "OTH", "Other reports"),
    ("DiagnosticReport", LOINC, "LP29684-5", "Radiology reports"),
    ("DiagnosticReport", LOINC, "LP29708-2", "Cardiology reports"),
    ("DiagnosticReport", LOINC, "LP7839-6", "Pathology reports"),
    ("MedicationRequest", MEDICATION_CATEGORY, "inpatient", "Medications given in hospital"),
    ("MedicationRequest", MEDICATION_CATEGORY, "outpatient", "Medications outside hospital"),
    ("MedicationRequest", MEDICATION_CATEGORY, "community", "Medications taken at home"),
    ("MedicationRequest", MEDICATION_CATEGORY, "discharge", "Medications on leaving hospital"),
];

/// Code systems by name, for code narrowing ("only LOINC code 4548-4").
const CODE_SYSTEMS: &[(&str, &str)] = &[
    (LOINC, "LOINC"),
    ("http://snomed.info/sct", "SNOMED CT"),
    ("http://www.nlm.nih.gov/research/umls/rxnorm", "RxNorm"),
    ("http://hl7.org/fhir/sid/cvx", "CVX"),
    ("http://hl7.org/fhir/sid/icd-10-cm", "ICD-10-CM"),
    ("http://hl7.org/fhir/sid/icd-10", "ICD-10"),
    ("http://www.ama-assn.org/go/cpt", "CPT"),
    ("http://hl7.org/fhir/sid/ndc", "NDC"),
];

/// Sensitivity labels (v3 ActCode information-sensitivity codes and v3 Confidentiality) in plain words.
const SENSITIVITY_WORDS: &[(&str, &str)] = &[
    ("ADOL", "Adolescent health"),
    ("BH", "Behavioral health"),
    ("CEL", "Records of public figures"),
    ("DEMO", "Demographic details"),
    ("DIA", "Diagnoses"),
    ("DRGIS", "Drug information"),
    ("EMP", "Employee health records"),
    ("ETH", "Substance use"),
    ("ETHUD", "Alcohol use"),
    ("GDIS", "Genetic conditions"),
    ("HIV", "HIV"),
    ("LIVARG", "Living arrangements"),
    ("MH", "Mental health"),
    ("MST", "Military sexual trauma"),
    ("OPIOIDUD", "Opioid use"),
    ("PATLOC", "Where the patient is"),
    ("PSY", "Mental health"),
    ("PSYTHPN", "Psychotherapy notes"),
    ("RACE", "Race"),
    ("REL", "Religion"),
    ("SCA", "Sickle cell anemia"),
    ("SICKLE", "Sickle cell"),
    ("SDV", "Sexual assault, abuse or domestic violence"),
    ("SEX", "Sexual and reproductive health"),
    ("STD", "Sexually transmitted infections"),
    ("SUD", "Substance use"),
    ("TBOO", "Taboo subjects"),
    ("R", "Restricted records"),
    ("V", "Very restricted records"),
];

/// The words of a relationship or authority code under `system` (`None`: a bare code, looked up as RoleCode, then
/// as a v2-0131 contact role); `None` for a code or system the tables do not know.
fn role_of(system: Option<&str>, code: &str) -> Option<(Role, &'static str)> {
    let find = |table: &'static [(&'static str, Role, &'static str)]| {
        table.iter().find(|(c, ..)| *c == code).map(|(_, role, words)| (*role, *words))
    };
    match system {
        None => find(ROLE_CODES).or_else(|| find(CONTACT_ROLES)),
        Some(system) if ROLE_CODE_NAMES.contains(&system) => find(ROLE_CODES),
        Some(system) if CONTACT_ROLE_NAMES.contains(&system) => find(CONTACT_ROLES),
        Some(_) => None,
    }
}

/// The plain words of a v3 RoleCode relationship or authority, or of a v2-0131 contact role ("HPOWATT" →
/// "healthcare power of attorney", "MTH" → "mother"); "representative" for a code no table knows.
pub fn authority_words(code: &str) -> &'static str {
    role_of(None, code).map_or("representative", |(_, words)| words)
}

/// A relationship or authority as it reads after "as": "healthcare power of attorney" for an authority, "{whose}
/// mother" for a personal relationship (`whose` is e.g. "your" or "Aisha's"); "representative" for a code no table
/// knows.
pub fn relationship_words(code: &str, whose: &str) -> String {
    match role_of(None, code) {
        Some((Role::Kin, words)) => format!("{whose} {words}"),
        Some((Role::Authority, words)) => words.to_string(),
        None => "representative".to_string(),
    }
}

/// The plain words of a v3 ActReason purpose of use ("HRESCH" → "health research"), if the table knows it.
pub fn purpose_words(code: &str) -> Option<&'static str> {
    PURPOSES.iter().find(|(c, _)| *c == code).map(|(_, words)| *words)
}

/// Plain words for a FHIR resource type; a type without its own words is spelled out ("MolecularSequence"
/// without a table entry would read "Molecular sequence records").
pub fn resource_words(resource: &str) -> String {
    if let Some((_, words)) = RESOURCE_WORDS.iter().find(|(r, _)| *r == resource) {
        return words.to_string();
    }
    let mut spelled = String::new();
    for (i, c) in resource.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            spelled.push(' ');
            spelled.push(c.to_ascii_lowercase());
        } else {
            spelled.push(c);
        }
    }
    format!("{spelled} records")
}

/// Plain words for a category of `resource` given as a granular-scope value (`system|code` or `code`).
pub fn category_words(resource: &str, value: &str) -> Option<&'static str> {
    let (system, code) = value.split_once('|').map_or((None, value), |(s, c)| (Some(s), c));
    let usual = CATEGORY_WORDS.iter().find(|(r, ..)| *r == resource).map(|(_, s, ..)| *s);
    CATEGORY_WORDS
        .iter()
        .find(|(r, s, c, _)| *r == resource && *c == code && system.or(usual) == Some(*s))
        .map(|(.., words)| *words)
}

/// Plain words for a sensitivity label code, if the table knows it.
pub fn sensitivity_words(code: &str) -> Option<&'static str> {
    SENSITIVITY_WORDS.iter().find(|(c, _)| *c == code).map(|(_, words)| *words)
}

fn code_words(value: &str) -> String {
    match value.split_once('|') {
        Some((system, code)) => match CODE_SYSTEMS.iter().find(|(s, _)| *s == system) {
            Some((_, name)) => format!("{name} code {code}"),
            None => format!("code {code} ({system})"),
        },
        None => format!("code {value}"),
    }
}

/// One permission in words: "Lab results — view", "Problems — view and change", "Results, vital signs and
/// other observations, only LOINC code 4548-4 — view". A narrowed permission always names its narrowing.
pub fn permission_words(permission: &Permission) -> String {
    let verbs = match (permission.views(), permission.changes()) {
        (true, true) => "view and change",
        (false, true) => "change",
        _ => "view",
    };
    let mut subject = None;
    let mut only = Vec::new();
    for (name, value) in &permission.narrowing {
        match name.as_str() {
            "category" => match category_words(&permission.resource, value) {
                Some(words) if subject.is_none() => subject = Some(words.to_string()),
                _ => only.push(format!("category {}", value.rsplit('|').next().unwrap_or(value))),
            },
            "code" => only.push(code_words(value)),
            other => only.push(format!("where {other} is {value}")),
        }
    }
    let subject = subject.unwrap_or_else(|| resource_words(&permission.resource));
    if only.is_empty() {
        format!("{subject} — {verbs}")
    } else {
        format!("{subject}, only {} — {verbs}", only.join(" and "))
    }
}

/// One SMART scope in words (see [`permission_words`]); a scope Tessera cannot read is shown as written.
pub fn scope_words(scope: &str) -> String {
    match Permission::from_scope(scope) {
        Some(permission) => permission_words(&permission),
        None => format!("A permission Tessera cannot read: {scope}"),
    }
}

/// The scope a hospital granted (space-separated, as in a token response) in words, one line per scope.
pub fn granted_words(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(scope_words).collect()
}

fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// "a", "a or b", "a, b or c".
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// "a", "a and b", "a, b and c".
fn all_of(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "Cardiologist" → "a cardiologist", "Electrophysiologist" → "an electrophysiologist".
fn a_or_an(noun: &str) -> String {
    let lower = match noun.chars().next() {
        Some(first) if first.is_uppercase() && !noun.chars().nth(1).is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(noun.chars().skip(1)).collect()
        }
        _ => noun.to_string(),
    };
    let article = if lower.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {lower}")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The requester in words: a name when the ticket gives one, else what kind of party it is.
pub fn requester_words(requester: &Requester) -> String {
    let role = requester.role.as_ref().map(Coded::words).filter(|r| !r.is_empty());
    match (&requester.kind, &requester.name) {
        (RequesterKind::PractitionerRole, name) => {
            let extras: Vec<String> = [role.clone(), requester.organization.clone()].into_iter().flatten().collect();
            match (name, &role) {
                (Some(name), _) if extras.is_empty() => name.clone(),
                (Some(name), _) => format!("{name} ({})", extras.join(", ")),
                (None, Some(role)) => match &requester.organization {
                    Some(org) => capitalised(&format!("{} at {org}", a_or_an(role))),
                    None => capitalised(&a_or_an(role)),
                },
                (None, None) => match &requester.organization {
                    Some(org) => format!("A clinician at {org}"),
                    None => "A clinician".into(),
                },
            }
        }
        (_, Some(name)) => name.clone(),
        (RequesterKind::RelatedPerson, None) => "A related person".into(),
        (RequesterKind::Practitioner, None) => "A clinician".into(),
        (RequesterKind::Organization, None) => "An organization".into(),
        (RequesterKind::Other(kind), None) => capitalised(&a_or_an(&resource_words(kind).to_lowercase())),
    }
}

/// " as healthcare power of attorney", " as Aisha's mother" (`patient` is the patient's first name), or the
/// ticket's own display for a code no table knows; empty when the ticket states no relationship.
fn relationship_phrase(relationship: Option<&Coded>, patient: &str) -> String {
    let Some(relationship) = relationship else { return String::new() };
    match relationship.code.as_deref().and_then(|code| role_of(relationship.system.as_deref(), code)) {
        Some((Role::Authority, words)) => format!(" as {words}"),
        Some((Role::Kin, words)) => format!(" as {patient}'s {words}"),
        None => match relationship.display.as_ref().or(relationship.text.as_ref()) {
            Some(display) => format!(" as {display}"),
            None => format!(" under relationship code {}", relationship.code.as_deref().unwrap_or("(none)")),
        },
    }
}

fn fact<'a>(ticket: &'a Ticket, name: &str) -> Option<&'a str> {
    ticket.claims.context.iter().find(|f| f.name == name).map(|f| f.words.as_str())
}

const UNKNOWN_KIND: &str = "Unrecognised kind of ticket";

/// The ticket type in words.
fn kind_words(ticket_type: &str) -> &'static str {
    match ticket_type {
        SELF_ACCESS => "Self access",
        DELEGATED_ACCESS => "Delegated access",
        PUBLIC_HEALTH => "Public health investigation",
        SOCIAL_CARE => "Social care referral",
        PAYER_CLAIMS => "Payer claims review",
        RESEARCH => "Research study",
        PROVIDER_CONSULT => "Provider consult",
        PAYER_QUALITY_GAP => "Payer quality measure",
        _ => UNKNOWN_KIND,
    }
}

fn headline(ticket: &Ticket, who: Option<&str>) -> String {
    let c = &ticket.claims;
    let patient = c.patient.full_name();
    let why = match c.ticket_type.as_str() {
        DELEGATED_ACCESS => {
            let first_name = c.patient.given.split_whitespace().next().unwrap_or("the patient");
            relationship_phrase(c.requested_by.as_ref().and_then(|r| r.relationship.as_ref()), first_name)
        }
        PUBLIC_HEALTH => match fact(ticket, "reportable_condition") {
            Some(condition) => format!(" for a public health investigation of {condition}"),
            None => " for a public health investigation".into(),
        },
        SOCIAL_CARE => match fact(ticket, "concern") {
            Some(concern) => format!(" for a social care referral about {concern}"),
            None => " for a social care referral".into(),
        },
        PAYER_CLAIMS => match fact(ticket, "service") {
            Some(service) => format!(" to review a claim for {service}"),
            None => " to review a claim".into(),
        },
        PROVIDER_CONSULT => match fact(ticket, "reason") {
            Some(reason) => format!(" for a consult about {reason}"),
            None => " for a consult".into(),
        },
        PAYER_QUALITY_GAP => match fact(ticket, "measure") {
            Some(measure) => format!(" for the quality measure \"{measure}\""),
            None => " for a quality measure".into(),
        },
        _ => match &c.study {
            Some(study) => format!(" for the study \"{study}\""),
            None if c.ticket_type == RESEARCH => " for a research study".into(),
            None => String::new(),
        },
    };
    match (who, &c.study) {
        (Some(who), _) => format!("{who} may access {patient}'s records{why}"),
        (None, Some(study)) if c.ticket_type == SELF_ACCESS => format!("{patient}'s consent to the study \"{study}\""),
        (None, _) if c.ticket_type == SELF_ACCESS => "Your own records".to_string(),
        (None, _) => format!("Access to {patient}'s records{why}"),
    }
}

/// Why the ticket exists, one line per fact the ticket states.
fn purpose_lines(ticket: &Ticket) -> Vec<String> {
    let c = &ticket.claims;
    let mut lines: Vec<String> = c
        .context
        .iter()
        .map(|f| {
            let label = match f.name {
                "study" => "Study",
                "reason" => "Reason for the consult",
                "consult_request" => "Consult request",
                "concern" => "Concern",
                "referral" => "Referral",
                "service" => "Service",
                "claim" => "Claim",
                "reportable_condition" => "Reportable condition",
                "measure" => "Quality measure",
                other => other,
            };
            format!("{label}: {}", f.words)
        })
        .collect();
    for purpose in &c.purpose {
        // A code under another system than ActReason is not read as an ActReason code.
        let act_reason = purpose.system.as_deref().is_none_or(|system| ACT_REASON_NAMES.contains(&system));
        let words = purpose.code.as_deref().filter(|_| act_reason).and_then(purpose_words).map(String::from);
        let words = words.unwrap_or_else(|| match (&purpose.display, &purpose.text, &purpose.code) {
            (Some(display), ..) => display.clone(),
            (None, Some(text), _) => text.clone(),
            (None, None, Some(code)) => format!("code {code}"),
            (None, None, None) => "not stated".into(),
        });
        lines.push(format!("Purpose: {words}"));
    }
    lines
}

fn period_line(period: &(Option<String>, Option<String>)) -> Option<String> {
    let when = match (period.0.as_deref().map(iso_date_words), period.1.as_deref().map(iso_date_words)) {
        (Some(start), Some(end)) => format!("{start}–{end}"),
        (Some(start), None) => format!("from {start} on"),
        (None, Some(end)) => format!("up to {end}"),
        (None, None) => return None,
    };
    Some(format!(
        "Mostly records dated {when}. Records still relevant to current care (e.g. active allergies) and records without dates may still be shared."
    ))
}

fn filter_line(filters: &[HolderFilter]) -> Option<String> {
    if filters.is_empty() {
        return None;
    }
    let mut places = Vec::new();
    for filter in filters {
        match filter {
            HolderFilter::Jurisdiction { state, country } => {
                let place: Vec<String> = [state.clone(), country.clone()].into_iter().flatten().collect();
                places.push(format!("hospitals in {}", place.join(", ")));
            }
            HolderFilter::Organization { names, .. } => places.extend(names.iter().cloned()),
            HolderFilter::Unreadable(kind) => {
                places.push(format!("hospitals matching a limit Tessera cannot read ({kind})"))
            }
        }
    }
    Some(format!("Only {}. A chosen clinic may share the whole combined record of its health system.", either(&places)))
}

fn linkage_line(linkage: &ClaimLinkage) -> String {
    let visits = match linkage.encounters.as_slice() {
        [] => "the visits the claim names".to_string(),
        [one] => format!("visit {one}"),
        many => format!("visits {}", all_of(many)),
    };
    match &linkage.claim {
        Some(claim) => format!("Only records tied to {visits} (claim {claim})"),
        None => format!("Only records tied to {visits}"),
    }
}

fn not_shared_lines(ticket: &Ticket) -> Vec<String> {
    let c = &ticket.claims;
    let mut lines = Vec::new();
    if !c.withheld.is_empty() {
        let mut words: Vec<String> = Vec::new();
        for code in &c.withheld {
            let display = c.withheld_displays.iter().find(|(c, _)| c == code).map(|(_, d)| d.clone());
            let word = sensitivity_words(code)
                .map(String::from)
                .or(display)
                .unwrap_or_else(|| format!("records labelled {code}"));
            if !words.contains(&word) {
                words.push(word);
            }
        }
        lines.push(format!("Not shared: {}", words.join(", ")));
    }
    if c.withhold_unlisted {
        lines.push("Not shared: any record a hospital classes as sensitive".into());
    }
    if c.sensitive_data.as_deref() == Some("exclude") {
        lines.push(
            "Not shared: records hospitals mark as sensitive (such as mental health, substance use, HIV or reproductive health)"
                .into(),
        );
    }
    lines
}

/// Describes a ticket for people, in the order of digest §2.8.
pub fn describe(ticket: &Ticket) -> TicketDescription {
    let c = &ticket.claims;
    let requester = c.requested_by.as_ref().map(requester_words);
    let patient_name = c.patient.full_name();
    let patient = match &c.patient.birth_date {
        Some(born) => format!("{patient_name}, born {}", iso_date_words(born)),
        None => patient_name,
    };
    let purpose = purpose_lines(ticket);
    let mut access: Vec<String> = c.permissions.iter().map(permission_words).collect();
    access.extend(c.unreadable_permissions.iter().map(|p| format!("A permission Tessera cannot read: {p}")));
    access.extend(c.operations.iter().map(|o| format!("May run the operation {o}")));
    if access.is_empty() {
        access.push(match &c.claim_linkage {
            Some(linkage) => format!("{} — view", linkage_line(linkage).replacen("Only records", "Records", 1)),
            None => "No record types are listed".into(),
        });
    }
    let limits: Vec<String> = [
        c.data_period.as_ref().and_then(period_line),
        filter_line(&c.holder_filters),
        c.claim_linkage.as_ref().map(linkage_line),
    ]
    .into_iter()
    .flatten()
    .collect();
    let not_shared = not_shared_lines(ticket);

    let mut details = purpose.clone();
    if kind_words(&c.ticket_type) == UNKNOWN_KIND {
        details.push(format!("Tessera does not know this kind of ticket ({}); hospitals may refuse it", c.ticket_type));
    }
    if let Some(until) = &c.authority_until {
        details.push(format!("Authority recorded until {}", iso_date_words(until)));
    }
    details.extend(limits.iter().cloned());
    details.push(if c.aud_is_framework {
        format!("Usable across network {}", c.aud.join(", "))
    } else {
        format!("Usable at {}", c.aud.join(", "))
    });
    details.push(format!("This ticket can be presented to hospitals until {}", date_words(c.exp)));
    match c.continuation {
        Some(Some(until)) => details.push(format!("Connections stay active until {}", date_words(until))),
        Some(None) => details.push("Connections stay active until you revoke".into()),
        None => {}
    }
    details.push(if c.revocation.is_some() {
        "Can be revoked early".into()
    } else {
        format!(
            "Carries no revocation status, so hospitals cannot learn before {} that it was ended",
            date_words(c.exp)
        )
    });
    details.push(match (&c.jkt, &c.bound_entity, &c.unknown_binding) {
        (Some(_), ..) => "Only this app on this device can use it".into(),
        (None, Some(entity), _) => format!("Only {entity} can use it"),
        (None, None, Some(method)) => format!("Bound to its holder in a way Tessera does not know ({method})"),
        (None, None, None) => "Any app a hospital accepts can use it".into(),
    });
    for evidence in &c.evidence {
        let whose = if evidence.about == "patient" { "the patient's" } else { "the requester's" };
        details.push(match (&evidence.issuer, &evidence.acr) {
            (Some(issuer), Some(acr)) => format!(
                "Carries proof of {whose} identity from {} (assurance {})",
                host(issuer),
                acr.trim_end_matches('/').rsplit('/').next().unwrap_or(acr)
            ),
            (Some(issuer), None) => format!("Carries proof of {whose} identity from {}", host(issuer)),
            _ => format!("Carries proof of {whose} identity that Tessera could not read"),
        });
    }
    details.extend(not_shared.iter().cloned());
    match c.sensitive_data.as_deref() {
        None | Some("exclude") => {}
        Some("include") => details.push("Records hospitals mark as sensitive may be shared".into()),
        Some(other) => details.push(format!("Sensitive records: a setting Tessera cannot read ({other})")),
    }
    if !c.unknown_access.is_empty() {
        details.push(format!(
            "Has limits most hospitals may not understand ({}); it may be refused",
            c.unknown_access.join(", ")
        ));
    }
    TicketDescription {
        kind: kind_words(&c.ticket_type).to_string(),
        headline: headline(ticket, requester.as_deref()),
        requester,
        purpose,
        patient,
        issuer: host(&c.iss),
        access,
        limits,
        not_shared,
        details,
    }
}

/// [`describe`], with the issuer called as `names` knows it (the name its metadata gave, else "your trust
/// broker"): what every screen shows.
pub fn describe_issued(ticket: &Ticket, names: &crate::broker::names::IssuerNames) -> TicketDescription {
    TicketDescription { issuer: names.of(&ticket.claims.iss), ..describe(ticket) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_dates_in_words() {
        assert_eq!(
            scope_words(&format!("patient/Observation.rs?category={OBSERVATION_CATEGORY}|laboratory")),
            "Lab results — view"
        );
        assert_eq!(scope_words("patient/Observation.rs?category=laboratory"), "Lab results — view");
        assert_eq!(
            scope_words("patient/Observation.rs?category=http://x|laboratory"),
            "Results, vital signs and other observations, only category laboratory — view"
        );
        assert_eq!(scope_words("patient/*.cruds"), "All record types — view and change");
        assert_eq!(
            scope_words("patient/Observation.rs?code=http://loinc.org|4548-4"),
            "Results, vital signs and other observations, only LOINC code 4548-4 — view"
        );
        assert_eq!(scope_words("patient/ServiceRequest.rs"), "Referrals and orders — view");
        assert_eq!(scope_words("patient/BiologicallyDerivedProduct.r"), "Biologically derived product records — view");
        assert_eq!(scope_words("openid"), "A permission Tessera cannot read: openid");
        assert_eq!(iso_date_words("2027-11-12"), "12 Nov 2027");
        assert_eq!(iso_date_words("2025-02"), "Feb 2025");
        assert_eq!(iso_date_words("2025"), "2025");
        assert_eq!(iso_date_words("2025-13"), "2025-13");
        assert_eq!(iso_date_words("soon"), "soon");
        assert_eq!(date_words(1_784_140_413), "15 Jul 2026");
    }

    #[test]
    fn code_tables_have_no_duplicate_codes_and_no_empty_words() {
        fn unique<T: PartialEq>(keys: &[T]) -> bool {
            keys.iter().enumerate().all(|(i, k)| !keys[..i].contains(k))
        }
        // Words are read mid-sentence: never empty, never padded, never capitalised.
        fn plain(words: &str) -> bool {
            !words.is_empty() && words.trim() == words && !words.starts_with(|c: char| c.is_uppercase())
        }
        assert!(unique(&ROLE_CODES.iter().map(|(c, ..)| *c).collect::<Vec<_>>()));
        assert!(unique(&CONTACT_ROLES.iter().map(|(c, ..)| *c).collect::<Vec<_>>()));
        assert!(unique(&RESOURCE_WORDS.iter().map(|(c, _)| *c).collect::<Vec<_>>()));
        assert!(unique(&PURPOSES.iter().map(|(c, _)| *c).collect::<Vec<_>>()));
        assert!(unique(&SENSITIVITY_WORDS.iter().map(|(c, _)| *c).collect::<Vec<_>>()));
        assert!(unique(&CATEGORY_WORDS.iter().map(|(r, s, c, _)| (*r, *s, *c)).collect::<Vec<_>>()));
        for (code, _, words) in ROLE_CODES.iter().chain(CONTACT_ROLES) {
            assert!(!code.is_empty() && code.trim() == *code && plain(words), "{code}: {words:?}");
        }
        for (code, words) in PURPOSES {
            assert!(!code.is_empty() && code.trim() == *code && plain(words), "{code}: {words:?}");
        }
        for (code, words) in RESOURCE_WORDS.iter().chain(SENSITIVITY_WORDS) {
            assert!(!code.is_empty() && !words.is_empty(), "{code}: {words:?}");
        }
        for (resource, system, code, words) in CATEGORY_WORDS {
            assert!(![resource, system, code, words].iter().any(|s| s.is_empty()), "{resource} {code}");
        }
        assert_eq!(authority_words("MTH"), "mother");
        assert_eq!(authority_words("HPOWATT"), "healthcare power of attorney");
        assert_eq!(authority_words("XYZ"), "representative");
        assert_eq!(relationship_words("MTH", "your"), "your mother");
        assert_eq!(relationship_words("GUARD", "your"), "guardian");
        assert_eq!(purpose_words("HRESCH"), Some("health research"));
    }

    /// The tables hold the published code systems' codes, not a hand-picked few: the codes below are every concept
    /// under `_PersonalRelationshipRoleType` and under `RESPRSN` in v3-RoleCode, every concept under `PurposeOfUse`
    /// in v3-ActReason, and every v2-0131 code, as HL7 Terminology 7.3.0 has them (HL7/UTG commit a19c263, the
    /// files named above each table).
    #[test]
    fn code_tables_hold_the_published_codes() {
        const PERSONAL_RELATIONSHIPS: &str =
            "FAMMEMB CHILD CHLDADOPT DAUADOPT SONADOPT CHLDFOST DAUFOST SONFOST DAUC DAU STPDAU NCHILD SON SONC \
            STPSON STPCHLD EXT AUNT MAUNT PAUNT COUSN MCOUSN PCOUSN GGRPRN GGRFTH MGGRFTH PGGRFTH GGRMTH MGGRMTH \
            PGGRMTH MGGRPRN PGGRPRN GRNDCHILD GRNDDAU GRNDSON GRPRN GRFTH MGRFTH PGRFTH GRMTH MGRMTH PGRMTH MGRPRN \
            PGRPRN INLAW CHLDINLAW DAUINLAW SONINLAW PRNINLAW FTHINLAW MTHINLAW MTHINLOAW SIBINLAW BROINLAW SISINLAW \
            SISLINLAW NIENEPH NEPHEW NIECE UNCLE MUNCLE PUNCLE PRN ADOPTP ADOPTF ADOPTM FTH FTHFOST NFTH NFTHF \
            STPFTH MTH GESTM MTHFOST NMTH NMTHF STPMTH NPRN PRNFOST STPPRN SIB BRO HBRO NBRO TWINBRO FTWINBRO \
            ITWINBRO STPBRO HSIB HSIS NSIB NSIS TWINSIS FTWINSIS ITWINSIS TWIN FTWIN ITWIN SIS STPSIS STPSIB SIGOTHR \
            DOMPART FMRSPS SPS HUSB WIFE FRND NBOR ONESELF ROOM";
        const RESPONSIBLE_PARTIES: &str = "RESPRSN EXCEST GUADLTM GUARD POWATT DPOWATT HPOWATT SPOWATT";
        const OTHER_ROLES: &str = "DELEGATEE NOK ECON";
        const PURPOSES_OF_USE: &str =
            "HMARKT HOPERAT CAREMGT DONAT FRAUD GOV HACCRED HCOMPL HDECD HDIRECT HDM HLEGAL HOUTCOMS HPRGRP HQUALIMP \
            HSYSADMIN LABELING METAMGT MEMADMIN MILCDM PATADMIN PATSFTY PERFMSR RECORDMGT SYSDEV HTEST TRAIN \
            MLTRAINING HPAYMT CLMATTCH COVAUTH COVERAGE ELIGDTRM ELIGVER ENROLLM MILDCRG REMITADV PMTDS HRESCH \
            BIORCH CLINTRCH CLINTRCHNPC CLINTRCHPC PRECLINTRCH DSRCH POARCH TRANSRCH PATRQT FAMRQT PWATRNY SUPNWK \
            PUBHLTH DISASTER THREAT TREAT CLINTRL COC ETREAT BTG ERTREAT POPHLTH TREATDS";
        const CONTACT_ROLE_CODES: &str = "BP CP EP PR E C F I N S O U";
        fn same(table: Vec<&str>, published: &[&str]) {
            let mut table = table;
            let mut published: Vec<&str> = published.iter().flat_map(|codes| codes.split_whitespace()).collect();
            table.sort_unstable();
            published.sort_unstable();
            assert_eq!(table, published);
        }
        same(
            ROLE_CODES.iter().map(|(c, ..)| *c).collect(),
            &[PERSONAL_RELATIONSHIPS, RESPONSIBLE_PARTIES, OTHER_ROLES],
        );
        same(PURPOSES.iter().map(|(c, _)| *c).collect(), &[PURPOSES_OF_USE]);
        same(CONTACT_ROLES.iter().map(|(c, ..)| *c).collect(), &[CONTACT_ROLE_CODES]);
    }

    /// Codes added or corrected against the published code systems, one of each kind.
    #[test]
    fn corrected_and_added_codes_read_as_published() {
        // A personal relationship: NSIB is a sibling with both birth parents in common; SIGOTHR is not only a partner.
        assert_eq!(relationship_words("NSIB", "your"), "your full sibling");
        assert_eq!(relationship_words("SIGOTHR", "Pat's"), "Pat's significant other");
        assert_eq!(relationship_words("SISLINLAW", "your"), "your sister-in-law");
        // An authority: a special power of attorney is the limited kind.
        assert_eq!(authority_words("SPOWATT"), "special (limited) power of attorney");
        assert_eq!(relationship_words("RESPRSN", "your"), "legally responsible party");
        // A purpose of use: "PC" is patient care, not patient consent; three purposes added.
        assert_eq!(purpose_words("CLINTRCHNPC"), Some("clinical trial research, without patient care"));
        assert_eq!(purpose_words("CLINTRCHPC"), Some("clinical trial research, with patient care"));
        assert_eq!(purpose_words("MLTRAINING"), Some("training an AI (machine learning) model"));
        assert_eq!(purpose_words("TREATDS"), Some("treatment decisions made with the help of algorithms such as AI"));
        assert_eq!(purpose_words("PMTDS"), Some("payment decisions made with the help of algorithms such as AI"));
        // A v2-0131 contact role, read as one only under its own system or with none.
        assert_eq!(authority_words("PR"), "person who prepared the referral");
        assert_eq!(role_of(Some(CONTACT_ROLE), "C"), Some((Role::Authority, "emergency contact")));
        assert_eq!(role_of(None, "C"), Some((Role::Authority, "emergency contact")));
        assert_eq!(role_of(Some(ROLE_CODE), "C"), None, "RoleCode C is a calibrator, not an emergency contact");
        assert_eq!(role_of(Some("urn:oid:2.16.840.1.113883.5.111"), "MTH"), Some((Role::Kin, "mother")));
        assert_eq!(role_of(Some("http://snomed.info/sct"), "MTH"), None);
    }
}
