-- How the wallet is protected when it is locked: 'off' (the lock is a privacy screen) or 'passphrase' (unlocking
-- needs the person's passphrase, whose Argon2id verifier is in the keychain, never here). No row: not chosen yet.
CREATE TABLE protection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    kind TEXT NOT NULL,
    chosen_at INTEGER NOT NULL
);
