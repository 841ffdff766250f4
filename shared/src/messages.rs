//! What a citizen is told when an answer breaks a rule of the validator, in the five languages of
//! the catalog. The widget and the collector's hosted page show the same words for the same
//! violation code, so both read them from here.

use crate::{Locale, ViolationCode};

/// The message shown beside an answer the validator refused. Several violation codes share one
/// message: a citizen needs to know that an answer is missing, too long or otherwise not valid,
/// not which rule caught it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViolationMessage {
    /// A required answer is missing.
    Required,
    /// A text is longer than allowed.
    TooLong,
    /// Any other invalid answer.
    NotValid,
}

impl ViolationMessage {
    /// The message for a violation code of the validator.
    pub fn of(code: ViolationCode) -> ViolationMessage {
        match code {
            ViolationCode::Required => ViolationMessage::Required,
            ViolationCode::TooLong => ViolationMessage::TooLong,
            _ => ViolationMessage::NotValid,
        }
    }

    /// The message in `locale`.
    pub fn get(self, locale: Locale) -> &'static str {
        locale.pick(self.all())
    }

    /// The message in it, en, de, fr and sl, in that order (the order of the user-interface
    /// string tables of the widget and the hosted page).
    pub fn all(self) -> [&'static str; 5] {
        match self {
            ViolationMessage::Required => [
                "Questa risposta è obbligatoria.",
                "This answer is required.",
                "Diese Antwort ist erforderlich.",
                "Cette réponse est obligatoire.",
                "Ta odgovor je obvezen.",
            ],
            ViolationMessage::TooLong => [
                "Il testo è troppo lungo.",
                "The text is too long.",
                "Der Text ist zu lang.",
                "Le texte est trop long.",
                "Besedilo je predolgo.",
            ],
            ViolationMessage::NotValid => [
                "Questa risposta non è valida.",
                "This answer is not valid.",
                "Diese Antwort ist ungültig.",
                "Cette réponse n'est pas valide.",
                "Ta odgovor ni veljaven.",
            ],
        }
    }
}

/// The message for a violation code of the validator, in `locale`.
pub fn violation_message(code: ViolationCode, locale: Locale) -> &'static str {
    ViolationMessage::of(code).get(locale)
}
