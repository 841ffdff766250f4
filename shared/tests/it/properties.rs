//! Property tests: the validator agrees with a simple model of the rules, redaction is
//! idempotent, and the check characters agree with independent computations.

#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::{Value, json};
use voce_shared::redact::{is_codice_fiscale, is_italian_iban, luhn_valid};
use voce_shared::validate::check;
use voce_shared::{Catalog, Submission, contains_personal_data, redact, validate};

/// An independent model of `chiarezza-pagina` v1: valid iff the rating is an integer 1..=5,
/// the follow-up (if any) is the one the rating shows and one of its options, and the text (if
/// any) is a string of at most 200 scalar values.
fn model_accepts(rating: &Value, follow_up: Option<(&str, &Value)>, text: Option<&Value>) -> bool {
    let Some(r) = rating
        .as_i64()
        .filter(|_| rating.is_i64() || rating.is_u64())
    else {
        return false;
    };
    if !(1..=5).contains(&r) {
        return false;
    }
    let negatives = [
        "indicazioni-non-chiare",
        "indicazioni-non-complete",
        "non-capivo-se-procedevo",
        "problemi-tecnici",
        "altro",
    ];
    let positives = [
        "indicazioni-chiare",
        "indicazioni-complete",
        "capivo-come-procedere",
        "nessun-problema-tecnico",
        "altro",
    ];
    if let Some((question, value)) = follow_up {
        let (shown, options) = if r <= 3 {
            ("difficolta", negatives)
        } else {
            ("aspetti-positivi", positives)
        };
        match value.as_str() {
            _ if question != shown => return false,
            Some(v) if !options.contains(&v) => return false,
            None => return false,
            Some(_) => {}
        }
    }
    match text {
        None => true,
        Some(Value::String(s)) => s.chars().count() <= 200,
        Some(_) => false,
    }
}

fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..9).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        "[a-z-]{1,25}".prop_map(Value::from),
        prop::sample::select(vec![
            "altro",
            "indicazioni-chiare",
            "problemi-tecnici",
            "capivo-come-procedere"
        ])
        .prop_map(Value::from),
        ".{0,210}".prop_map(Value::from),
    ]
}

proptest! {
    #[test]
    fn the_validator_agrees_with_the_model(
        rating in any_value(),
        follow_up in proptest::option::of((prop::sample::select(vec!["difficolta", "aspetti-positivi"]), any_value())),
        text in proptest::option::of(prop_oneof![".{0,230}".prop_map(Value::from), any_value()]),
    ) {
        let q = Catalog::national().expect("catalog").latest("chiarezza-pagina").expect("q");
        let mut answers = serde_json::Map::new();
        answers.insert("valutazione".into(), rating.clone());
        if let Some((id, v)) = &follow_up { answers.insert((*id).into(), v.clone()); }
        if let Some(t) = &text { answers.insert("dettagli".into(), t.clone()); }
        // Empty strings count as unanswered, as the validator documents.
        let blank = |v: &Value| v.as_str().is_some_and(|s| s.trim().is_empty());
        let follow = follow_up.as_ref().filter(|(_, v)| !blank(v)).map(|(q, v)| (*q, v));
        let text = text.as_ref().filter(|v| !blank(v));
        let submission: Submission = serde_json::from_value(Value::Object(answers)).expect("object");
        prop_assert_eq!(validate(q, &submission).is_ok(), model_accepts(&rating, follow, text));
    }

    #[test]
    fn check_and_validate_refuse_the_same_questions_with_the_same_codes(
        rating in any_value(),
        follow_up in proptest::option::of((prop::sample::select(vec!["difficolta", "aspetti-positivi", "esito", "ignota"]), any_value())),
        text in proptest::option::of(any_value()),
    ) {
        let mut answers = serde_json::Map::new();
        answers.insert("valutazione".into(), rating);
        if let Some((id, v)) = follow_up { answers.insert(id.into(), v); }
        if let Some(t) = text { answers.insert("dettagli".into(), t); }
        let submission: Submission = serde_json::from_value(Value::Object(answers)).expect("object");
        for q in Catalog::national().expect("catalog").questionnaires() {
            let codes = |r: Result<(), voce_shared::Violations>| {
                r.err().map(|v| v.0.into_iter().map(|v| (v.question, v.code)).collect::<Vec<_>>())
            };
            let full = codes(validate(q, &submission).map(|_| ()));
            prop_assert_eq!(codes(check(q, &submission.answers)), full);
        }
    }

    #[test]
    fn the_validator_never_panics_on_arbitrary_json(raw in "\\PC{0,200}") {
        if let Ok(submission) = serde_json::from_str::<Submission>(&raw) {
            for q in Catalog::national().expect("catalog").questionnaires() {
                let _ = validate(q, &submission);
            }
        }
    }

    #[test]
    fn redaction_is_idempotent(text in "(\\PC|[0-9 @.+-]|RSSMRA85T10A562S|IT60X0542811101000000123456|3331234567){0,40}") {
        let once = redact(&text);
        let twice = redact(&once.text);
        prop_assert_eq!(&twice.text, &once.text);
        prop_assert!(twice.found.is_empty());
    }

    /// The widget's warning and the collector's redaction agree: `contains_personal_data` is
    /// true exactly when `redact` finds something.
    #[test]
    fn contains_personal_data_is_true_exactly_when_redact_finds_something(
        text in "(\\PC|[0-9 @.+-]|RSSMRA85T10A562S|IT60X0542811101000000123456|3331234567|a@b\\.it|4222222222222){0,12}"
    ) {
        prop_assert_eq!(contains_personal_data(&text), !redact(&text).found.is_empty());
    }

    #[test]
    fn the_codice_fiscale_check_character_agrees_with_an_independent_computation(
        body in "[A-Z]{6}[0-9]{2}[ABCDEHLMPRST][0-9]{2}[A-Z][0-9]{3}"
    ) {
        let expected = reference_cf_check(&body);
        let valid = format!("{body}{expected}");
        prop_assert!(is_codice_fiscale(valid.as_bytes()));
        let sentence = format!("cf {}", valid.to_lowercase());
        prop_assert_eq!(redact(&sentence).found.len(), 1);
        for wrong in ('A'..='Z').filter(|c| *c != expected) {
            let candidate = format!("{body}{wrong}");
            prop_assert!(!is_codice_fiscale(candidate.as_bytes()));
        }
    }

    #[test]
    fn the_iban_check_digits_agree_with_an_independent_computation(
        cin in "[A-Z]", abi in "[0-9]{5}", cab in "[0-9]{5}", account in "[0-9A-Z]{12}"
    ) {
        let bban = format!("{cin}{abi}{cab}{account}");
        let check = 98 - reference_mod97(&format!("{bban}IT00"));
        let iban = format!("IT{check:02}{bban}");
        prop_assert!(is_italian_iban(iban.as_bytes()));
        let wrong = format!("IT{:02}{bban}", (check + 1) % 100);
        prop_assert!(!is_italian_iban(wrong.as_bytes()));
    }

    #[test]
    fn luhn_agrees_with_an_independent_computation(digits in prop::collection::vec(0u8..10, 12..19)) {
        let check = reference_luhn_digit(&digits);
        let mut card = digits.clone();
        card.push(check);
        prop_assert!(luhn_valid(&card));
        card.pop();
        card.push((check + 1) % 10);
        prop_assert!(!luhn_valid(&card));
    }
}

/// The codice fiscale check character from the published tables, written independently.
fn reference_cf_check(first15: &str) -> char {
    let odd = "BAKPLCQDREVOSFTGUHMINJWZYX";
    let mut sum = 0;
    for (i, c) in first15.chars().enumerate() {
        let normalised = if c.is_ascii_digit() {
            (b'A' + (c as u8 - b'0')) as char
        } else {
            c
        };
        sum += if i % 2 == 0 {
            odd.find(normalised).expect("letter")
        } else {
            (normalised as u8 - b'A') as usize
        };
    }
    (b'A' + (sum % 26) as u8) as char
}

/// Mod 97 over the decimal expansion, with big-number arithmetic done digit by digit on a string.
fn reference_mod97(s: &str) -> u32 {
    let digits: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                c.to_string()
            } else {
                (c as u32 - 'A' as u32 + 10).to_string()
            }
        })
        .collect();
    digits
        .chars()
        .fold(0, |acc, d| (acc * 10 + d.to_digit(10).expect("digit")) % 97)
}

fn reference_luhn_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}
