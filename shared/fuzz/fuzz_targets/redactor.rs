//! Fuzz target: the redactor must never panic and must be idempotent on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voce_shared::redact;

fuzz_target!(|text: &str| {
    let once = redact(text);
    let twice = redact(&once.text);
    assert_eq!(twice.text, once.text, "redaction is not idempotent");
    assert!(twice.found.is_empty(), "a placeholder was detected as personal data");
});
