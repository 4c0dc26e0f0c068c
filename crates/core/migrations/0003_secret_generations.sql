-- Crash-safe rotation: a secret's value lives in a keychain item of its own generation. A new value is written to
-- a new item (next_item), the switch is one SQLite commit (item = next_item; the old one becomes stale_item), then the
-- stale item is deleted. A crash at any point leaves the old value or the new one, never neither, and recovery
-- removes whatever the index no longer points at.
ALTER TABLE vault_items ADD COLUMN item TEXT;
ALTER TABLE vault_items ADD COLUMN next_item TEXT;
ALTER TABLE vault_items ADD COLUMN stale_item TEXT;
ALTER TABLE vault_items ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
-- Values written before generations live under the secret's own id.
UPDATE vault_items SET item = id WHERE state = 'committed';
