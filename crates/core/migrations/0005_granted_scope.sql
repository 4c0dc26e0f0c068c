-- What each hospital last granted for a ticket: the token response's `scope` (SMART scopes, no patient data, no
-- secret), so that the grants view reports the grant actually received rather than the one asked for.
ALTER TABLE connections ADD COLUMN granted_scope TEXT;
