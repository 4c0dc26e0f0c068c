-- Tessera's index. It holds no secret and names no patient: secrets live in the OS keychain (vault_items points
-- at them); names, birth dates and relationships are read from the tickets there.

CREATE TABLE brokers (
    url TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    token_endpoint TEXT NOT NULL,
    revocation_endpoint TEXT,
    management_endpoint TEXT,
    signed_in_at INTEGER NOT NULL
);

-- Intent log for keychain writes: 'pending' before the keychain is written, 'committed' after.
CREATE TABLE vault_items (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'deleting')),
    updated_at INTEGER NOT NULL
);

CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    broker_url TEXT NOT NULL,
    vault_item TEXT NOT NULL,
    person_ref TEXT NOT NULL, -- a one-way hash of the issuer and the patient's identifier there, to count people
    expires_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);

CREATE TABLE hospitals (
    fhir_base_url TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    added_at INTEGER NOT NULL
);

CREATE TABLE hospital_tickets (
    fhir_base_url TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    PRIMARY KEY (fhir_base_url, ticket_id)
);

CREATE TABLE registrations (
    fhir_base_url TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    token_endpoint TEXT NOT NULL,
    revocation_endpoint TEXT,
    registered_at INTEGER NOT NULL
);

CREATE TABLE connections (
    fhir_base_url TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    refresh_item TEXT,
    last_used INTEGER NOT NULL,
    PRIMARY KEY (fhir_base_url, ticket_id)
);

CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    hospital TEXT,
    grant_id TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX activity_at ON activity (at);
