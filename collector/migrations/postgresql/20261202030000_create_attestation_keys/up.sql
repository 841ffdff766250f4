-- The Ed25519 public keys each body signs completion attestations with, by key id.
CREATE TABLE attestation_keys (
    ipa_code TEXT NOT NULL REFERENCES bodies (ipa_code) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    public_key TEXT NOT NULL,
    PRIMARY KEY (ipa_code, kid)
);
