//! The words a citizen reads for a refused answer: one message per kind of violation, the same in
//! the widget and on the hosted page, in every language of the catalog.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use voce_shared::{Locale, ViolationCode, ViolationMessage, violation_message};

/// Every violation code, with the message the citizen reads for it.
const CODES: [(ViolationCode, ViolationMessage); 10] = [
    (ViolationCode::OutOfRange, ViolationMessage::NotValid),
    (ViolationCode::NotAnOption, ViolationMessage::NotValid),
    (ViolationCode::NotShown, ViolationMessage::NotValid),
    (ViolationCode::Required, ViolationMessage::Required),
    (ViolationCode::TooLong, ViolationMessage::TooLong),
    (ViolationCode::UnknownQuestion, ViolationMessage::NotValid),
    (ViolationCode::WrongType, ViolationMessage::NotValid),
    (ViolationCode::DuplicateOption, ViolationMessage::NotValid),
    (ViolationCode::TooFew, ViolationMessage::NotValid),
    (ViolationCode::TooMany, ViolationMessage::NotValid),
];

#[test]
fn a_missing_answer_and_a_long_text_have_their_own_message_and_every_other_code_says_not_valid() {
    for (code, message) in CODES {
        assert_eq!(ViolationMessage::of(code), message, "{code:?}");
    }
}

#[test]
fn each_message_reads_as_written_in_each_language() {
    let expected = [
        (
            ViolationMessage::Required,
            [
                "Questa risposta è obbligatoria.",
                "This answer is required.",
                "Diese Antwort ist erforderlich.",
                "Cette réponse est obligatoire.",
                "Ta odgovor je obvezen.",
            ],
        ),
        (
            ViolationMessage::TooLong,
            [
                "Il testo è troppo lungo.",
                "The text is too long.",
                "Der Text ist zu lang.",
                "Le texte est trop long.",
                "Besedilo je predolgo.",
            ],
        ),
        (
            ViolationMessage::NotValid,
            [
                "Questa risposta non è valida.",
                "This answer is not valid.",
                "Diese Antwort ist ungültig.",
                "Cette réponse n'est pas valide.",
                "Ta odgovor ni veljaven.",
            ],
        ),
    ];
    for (message, texts) in expected {
        assert_eq!(message.all(), texts, "{message:?}");
        for (locale, text) in Locale::ALL.into_iter().zip(texts) {
            assert_eq!(message.get(locale), text, "{message:?} in {locale}");
        }
    }
}

#[test]
fn a_violation_code_is_told_in_the_citizens_language() {
    assert_eq!(
        violation_message(ViolationCode::Required, Locale::It),
        "Questa risposta è obbligatoria."
    );
    assert_eq!(
        violation_message(ViolationCode::TooLong, Locale::De),
        "Der Text ist zu lang."
    );
    assert_eq!(
        violation_message(ViolationCode::NotAnOption, Locale::Fr),
        "Cette réponse n'est pas valide."
    );
    for (code, message) in CODES {
        for locale in Locale::ALL {
            assert_eq!(violation_message(code, locale), message.get(locale));
        }
    }
}
