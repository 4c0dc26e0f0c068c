-- A trust broker's name as its own metadata gives it (organization.name or organization_name in its SMART
-- configuration), kept at sign-in; NULL when it gives none (the window then says "your trust broker").
ALTER TABLE brokers ADD COLUMN name TEXT;
