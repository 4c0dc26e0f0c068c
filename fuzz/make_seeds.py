#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus (fuzz/corpus/<target>/) and the public key the ticket seeds verify with
(fuzz/fuzz_targets/seed_issuer.jwk.json). Run it from anywhere: `python3 fuzz/make_seeds.py` (needs the
`cryptography` package). A fresh key is made each run and its private half is never written.

Seeds are valid and near-valid inputs: tickets of both kernels (the shapes the testbed's broker mints), signed,
with one thing wrong, or as bare claims; FHIR resources of every type the wallet reads, search Bundles about the
right patient, about another one, without a patient, with paging links.
"""
import base64
import hashlib
import json
import pathlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

FUZZ = pathlib.Path(__file__).resolve().parent
NOW = 1_800_000_000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def write(target: str, name: str, data: bytes) -> None:
    (FUZZ / "corpus" / target / name).write_bytes(data)


# ---------------------------------------------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------------------------------------------

key = ec.generate_private_key(ec.SECP256R1())
numbers = key.public_key().public_numbers()
x, y = b64url(numbers.x.to_bytes(32, "big")), b64url(numbers.y.to_bytes(32, "big"))
kid = b64url(hashlib.sha256(compact({"crv": "P-256", "kty": "EC", "x": x, "y": y})).digest())
jwk = {"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig"}
(FUZZ / "fuzz_targets" / "seed_issuer.jwk.json").write_text(json.dumps(jwk, indent=2) + "\n")


def sign(claims, header=None) -> bytes:
    header = header or {"alg": "ES256", "kid": kid, "typ": "JWT"}
    signing_input = f"{b64url(compact(header))}.{b64url(compact(claims))}".encode()
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return signing_input + b"." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big")).encode()


BROKER = "http://127.0.0.1:8000"
patient = {
    "resourceType": "Patient",
    "identifier": [{"system": f"{BROKER}/people", "value": "p1"}],
    "name": [{"family": "Washington", "given": ["Harold"]}],
    "birthDate": "1948-03-02",
    "gender": "male",
}
current = {
    "iss": BROKER,
    "aud": "https://network.example",
    "aud_type": "trust_framework",
    "exp": NOW + 3600,
    "iat": NOW,
    "jti": "g1-abcdefghi",
    "ticket_type": "https://smarthealthit.org/permission-ticket-type/patient-delegated-access-v1",
    "subject": {"patient": patient},
    "access": {
        "smart_scopes": ["patient/Condition.rs", "patient/Observation.rs?category=http://terminology.hl7.org/"
                         "CodeSystem/observation-category|laboratory", "patient/*.rs"],
        "sensitivity_withhold": {"codes": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                            "code": "PSY"}]},
        "data_period": {"start": "2020-01-01", "end": "2026-12-31"},
    },
    "presenter_binding": {"method": "jkt", "jkt": kid},
    "revocation": {"url": f"{BROKER}/status/1", "index": 7},
    "requester": {
        "resourceType": "RelatedPerson",
        "name": [{"family": "Washington-Clarke", "given": ["Margaret"]}],
        "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                      "code": "HPOWATT", "display": "healthcare power of attorney"}]}],
        "period": {"end": "2027-01-01"},
    },
}
research = dict(current, ticket_type="https://smarthealthit.org/permission-ticket-type/research-study-access-v1",
                continuation={"refresh_until": NOW + 5 * 365 * 86400},
                study={"resourceType": "ResearchStudy", "title": "Heart failure outcomes"})
research.pop("requester")
april = dict(current, access={
    "permissions": [
        {"kind": "data", "resource_type": "Observation", "interactions": ["read", "search"],
         "category_any_of": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                              "code": "laboratory"}]},
        {"kind": "data", "resource_type": "Condition", "interactions": ["search"]},
        {"kind": "operation", "name": "$everything", "target": "Patient"},
    ],
    "sensitive_data": "exclude",
}, must_understand=["sensitivity_policy"], sensitivity_policy={"unlisted_sensitive_data": "exclude"},
    context={"reason": {"text": "care coordination"}})
june = dict(current, access={"fhir_resources": [{"type": "Immunization", "interactions": ["read"]}]})

tickets = {
    "current-kernel.jwt": sign(current),
    "research-continuation.jwt": sign(research),
    "april-kernel.jwt": sign(april),
    "june-kernel.jwt": sign(june),
    "expired.jwt": sign(dict(current, exp=NOW - 10)),
    "issued-in-future.jwt": sign(dict(current, iat=NOW + 86400)),
    "unknown-kid.jwt": sign(current, {"alg": "ES256", "kid": "not-published", "typ": "JWT"}),
    "alg-none.jwt": f"{b64url(compact({'alg': 'none', 'kid': kid}))}.{b64url(compact(current))}.".encode(),
    "aud-list-of-numbers.jwt": sign(dict(current, aud=[1, 2])),
    "no-access.jwt": sign({k: v for k, v in current.items() if k != "access"}),
}
for name, jwt in tickets.items():
    write("ticket_parse", name, jwt)
# The target also reads its input as the claims of a ticket: bare claims reach the claim readers directly.
for name, claims in {"current-claims.json": current, "april-claims.json": april, "research-claims.json": research,
                     "june-claims.json": june}.items():
    write("ticket_parse", name, compact(claims))

# ---------------------------------------------------------------------------------------------------------------
# FHIR
# ---------------------------------------------------------------------------------------------------------------

FHIR = "http://127.0.0.1:8080/fhir"
me = {"reference": "Patient/p1"}
coding = lambda system, code, display: {"coding": [{"system": system, "code": code, "display": display}],
                                        "text": display}
resources = [
    {"resourceType": "Condition", "id": "c1", "subject": me, "onsetDateTime": "2019-04-02",
     "clinicalStatus": {"coding": [{"code": "active"}]},
     "code": coding("http://snomed.info/sct", "44054006", "Type 2 diabetes mellitus")},
    {"resourceType": "Observation", "id": "o1", "subject": {"reference": f"{FHIR}/Patient/p1"},
     "effectiveDateTime": "2024-01-05T10:00:00Z", "code": coding("http://loinc.org", "4548-4", "HbA1c"),
     "valueQuantity": {"value": 7.2, "unit": "%"}},
    {"resourceType": "MedicationRequest", "id": "m1", "subject": me, "authoredOn": "2023-11-12",
     "medicationCodeableConcept": coding("http://www.nlm.nih.gov/research/umls/rxnorm", "860975", "Metformin"),
     "requester": {"display": "Dr. Okafor"}},
    {"resourceType": "AllergyIntolerance", "id": "a1", "patient": me, "recordedDate": "2010-06-01",
     "criticality": "high", "code": coding("http://snomed.info/sct", "91936005", "Penicillin allergy")},
    {"resourceType": "Immunization", "id": "i1", "patient": me, "occurrenceDateTime": "2024-10-01",
     "status": "completed", "vaccineCode": coding("http://hl7.org/fhir/sid/cvx", "158", "Influenza")},
    {"resourceType": "Encounter", "id": "e1", "subject": me, "period": {"start": "2024-03-03T09:00:00Z"},
     "class": {"display": "ambulatory"}, "type": [coding("http://snomed.info/sct", "185349003", "Office visit")]},
    {"resourceType": "DiagnosticReport", "id": "d1", "subject": me, "effectiveDateTime": "2024-01-05",
     "status": "final", "code": coding("http://loinc.org", "24323-8", "Metabolic panel")},
    {"resourceType": "DocumentReference", "id": "r1", "subject": me, "date": "2024-02-02T00:00:00Z",
     "type": coding("http://loinc.org", "34133-9", "Summary of episode note"),
     "content": [{"attachment": {"title": "Discharge summary"}}]},
    {"resourceType": "Procedure", "id": "p1", "subject": me, "performedDateTime": "2018-08-08",
     "status": "completed", "code": coding("http://snomed.info/sct", "80146002", "Appendectomy")},
]
for resource in resources:
    write("fhir_normalise", f"{resource['resourceType']}.json", compact(resource))


def bundle(entries, next_url=None):
    value = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in entries]}
    if next_url:
        value["link"] = [{"relation": "next", "url": next_url}]
    return value


conditions = [r for r in resources if r["resourceType"] == "Condition"]
wrong = dict(conditions[0], subject={"reference": "Patient/p2"})
nobody = {k: v for k, v in conditions[0].items() if k != "subject"}
write("fhir_normalise", "bundle-conditions.json", compact(bundle(conditions, f"{FHIR}/Condition?page=2")))
write("fhir_normalise", "bundle-everything.json", compact(bundle(resources)))
write("fhir_normalise", "bundle-wrong-patient.json", compact(bundle(conditions + [wrong])))
write("fhir_normalise", "bundle-no-patient.json", compact(bundle([nobody])))
write("fhir_normalise", "bundle-foreign-next.json", compact(bundle(conditions, "https://evil.example/fhir?page=2")))
write("fhir_normalise", "bundle-bad-dates.json",
      compact(bundle([dict(conditions[0], onsetDateTime="2024-02-30"), dict(conditions[0], onsetDateTime=42)])))
write("fhir_normalise", "list-of-resources.json", compact(resources))
