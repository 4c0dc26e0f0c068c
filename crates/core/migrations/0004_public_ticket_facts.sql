-- What the background check may know about a ticket without reading it from the keychain. All public: the issuer,
-- where its revocation status is published, when the grant behind it ends, and when the issuer was seen listing it
-- as revoked. Filled when a ticket is read while unlocked; a row with none of them is checked once it has been read.
ALTER TABLE tickets ADD COLUMN issuer TEXT;
ALTER TABLE tickets ADD COLUMN status_list_url TEXT;
ALTER TABLE tickets ADD COLUMN status_list_index INTEGER;
ALTER TABLE tickets ADD COLUMN grant_ends_at INTEGER;
ALTER TABLE tickets ADD COLUMN revoked_at INTEGER;

-- Desktop reminders already sent, so each is sent once.
CREATE TABLE reminders_sent (
    key TEXT PRIMARY KEY,
    sent_at INTEGER NOT NULL
);
