//! Fuzz target: the validator must never panic, whatever JSON a client sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use voce_shared::{Catalog, Submission, validate};

fuzz_target!(|data: &[u8]| {
    let Ok(catalog) = Catalog::national() else { return };
    if let Ok(submission) = serde_json::from_slice::<Submission>(data) {
        for q in catalog.questionnaires() {
            let _ = validate(q, &submission);
        }
    }
});
