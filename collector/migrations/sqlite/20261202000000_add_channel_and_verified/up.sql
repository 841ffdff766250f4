-- Where a response came from (`widget`, `page`, `qr`, `email`, `sms`) and whether it carried a
-- body's completion attestation, so that statistics can split by either.
ALTER TABLE responses ADD COLUMN channel TEXT NOT NULL DEFAULT 'widget';
ALTER TABLE responses ADD COLUMN verified BOOLEAN NOT NULL DEFAULT 0;
