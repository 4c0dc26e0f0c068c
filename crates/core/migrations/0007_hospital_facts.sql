-- What is known of each hospital's organisation, to match a ticket's own hospital limits (`data_holder_filter`)
-- before the ticket is shown there: its identifiers (NPI, TIN; one `system|value` per line), state and country, as
-- the broker's hints or a Brands bundle gave them. Public directory facts: no patient, no secret.
ALTER TABLE hospitals ADD COLUMN identifiers TEXT NOT NULL DEFAULT '';
ALTER TABLE hospitals ADD COLUMN state TEXT;
ALTER TABLE hospitals ADD COLUMN country TEXT;
