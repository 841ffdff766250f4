DROP TABLE attestation_keys;
