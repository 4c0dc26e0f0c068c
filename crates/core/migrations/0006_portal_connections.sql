-- Connections made through a hospital's own patient portal (SMART standalone launch), for hospitals that take no
-- permission tickets. The refresh token, the hospital's patient id and whom it is for live in the keychain
-- (vault_item); here only what is public: the hospital, a one-way hash of the person's id in Tessera (to find a
-- person's connections without naming them), the client Tessera is there, and how the connection stands.
CREATE TABLE portal_connections (
    id TEXT PRIMARY KEY,
    fhir_base_url TEXT NOT NULL,
    person_ref TEXT NOT NULL,
    vault_item TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    public_client INTEGER NOT NULL,
    token_endpoint TEXT NOT NULL,
    revocation_endpoint TEXT,
    management_endpoint TEXT,
    status TEXT NOT NULL,
    error_code TEXT,
    granted_scope TEXT,
    created_at INTEGER NOT NULL,
    last_used INTEGER NOT NULL
);
CREATE INDEX portal_connections_person ON portal_connections (person_ref);
