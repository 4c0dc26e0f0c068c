-- Hospitals' SMART configurations, kept as long as their Cache-Control max-age allows.
CREATE TABLE discovery_cache (
    fhir_base_url TEXT PRIMARY KEY,
    configuration TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
