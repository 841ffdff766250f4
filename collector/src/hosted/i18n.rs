//! The hosted page's own words (buttons, headings, error messages) in the five languages of the
//! catalog. The questions themselves come from the catalog, and the messages of refused answers
//! from `voce_shared::messages` (the widget shows the same ones). Each entry lists it, en, de, fr, sl
//! in that order, so a missing translation is a compile error; Italian is the reference.

use voce_shared::{Locale, ViolationMessage};

/// A user-interface string of the hosted page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// The link that skips to the form.
    SkipToContent,
    /// The label of the language menu.
    Languages,
    /// The line under the service's name.
    Intro,
    /// The button of the first step.
    Next,
    /// The button that sends the answers.
    Send,
    /// The heading of the error summary.
    ErrorSummary,
    /// The prefix of the page title when there are errors.
    ErrorTitle,
    /// An answer or a request that is not valid (the validator's own message, from
    /// `voce_shared::messages`).
    NotValid,
    /// The ticket expired or was not valid: a fresh form was issued.
    Expired,
    /// The answers of this form (or this attestation) were already stored.
    AlreadyAnswered,
    /// No such service.
    NotFound,
    /// The collector cannot store answers right now.
    Unavailable,
    /// The hint of the optional questions.
    Optional,
    /// The heading of the confirmation page.
    ThankYou,
    /// The honeypot's label (people never see it).
    LeaveEmpty,
    /// The footer line.
    Footer,
}

impl Text {
    /// The string in `locale`.
    pub fn get(self, locale: Locale) -> &'static str {
        locale.pick(self.all())
    }

    fn all(self) -> [&'static str; 5] {
        match self {
            Text::SkipToContent => [
                "Vai al questionario",
                "Skip to the questionnaire",
                "Zum Fragebogen springen",
                "Aller au questionnaire",
                "Skoči na vprašalnik",
            ],
            Text::Languages => ["Lingua", "Language", "Sprache", "Langue", "Jezik"],
            Text::Intro => [
                "Questionario di valutazione del servizio",
                "Service feedback questionnaire",
                "Fragebogen zur Bewertung des Dienstes",
                "Questionnaire d'évaluation du service",
                "Vprašalnik za oceno storitve",
            ],
            Text::Next => ["Avanti", "Next", "Weiter", "Suivant", "Naprej"],
            Text::Send => ["Invia", "Send", "Senden", "Envoyer", "Pošlji"],
            Text::ErrorSummary => [
                "Controlla le risposte segnalate",
                "Please check the answers marked",
                "Bitte prüfen Sie die markierten Antworten",
                "Veuillez vérifier les réponses signalées",
                "Preverite označene odgovore",
            ],
            Text::ErrorTitle => ["Errore", "Error", "Fehler", "Erreur", "Napaka"],
            Text::NotValid => ViolationMessage::NotValid.all(),
            Text::Expired => [
                "Il modulo è scaduto. Le tue risposte sono ancora qui: inviale di nuovo.",
                "The form has expired. Your answers are still here: please send them again.",
                "Das Formular ist abgelaufen. Ihre Antworten sind noch hier: Bitte senden Sie sie erneut.",
                "Le formulaire a expiré. Vos réponses sont toujours là : envoyez-les à nouveau.",
                "Obrazec je potekel. Vaši odgovori so še vedno tukaj: pošljite jih znova.",
            ],
            Text::AlreadyAnswered => [
                "Abbiamo già ricevuto una risposta con questo modulo. Grazie!",
                "We have already received an answer with this form. Thank you!",
                "Wir haben mit diesem Formular bereits eine Antwort erhalten. Danke!",
                "Nous avons déjà reçu une réponse avec ce formulaire. Merci !",
                "S tem obrazcem smo že prejeli odgovor. Hvala!",
            ],
            Text::NotFound => [
                "Questo servizio non esiste.",
                "This service does not exist.",
                "Diesen Dienst gibt es nicht.",
                "Ce service n'existe pas.",
                "Ta storitev ne obstaja.",
            ],
            Text::Unavailable => [
                "Non è possibile registrare le risposte in questo momento. Riprova tra poco.",
                "Answers cannot be recorded right now. Please try again shortly.",
                "Antworten können gerade nicht gespeichert werden. Bitte versuchen Sie es gleich erneut.",
                "Les réponses ne peuvent pas être enregistrées pour le moment. Réessayez dans un instant.",
                "Odgovorov trenutno ni mogoče shraniti. Poskusite znova čez nekaj trenutkov.",
            ],
            Text::Optional => [
                "facoltativa",
                "optional",
                "optional",
                "facultative",
                "neobvezno",
            ],
            Text::ThankYou => ["Grazie", "Thank you", "Danke", "Merci", "Hvala"],
            Text::LeaveEmpty => [
                "Lascia vuoto questo campo",
                "Leave this field empty",
                "Dieses Feld leer lassen",
                "Laissez ce champ vide",
                "To polje pustite prazno",
            ],
            Text::Footer => [
                "Voce — rilevazione nazionale dell'esperienza dei servizi pubblici digitali. Nessun cookie, nessun dato personale.",
                "Voce — the national survey of the experience of public digital services. No cookies, no personal data.",
                "Voce — die nationale Erhebung zur Erfahrung mit öffentlichen digitalen Diensten. Keine Cookies, keine personenbezogenen Daten.",
                "Voce — l'enquête nationale sur l'expérience des services publics numériques. Pas de cookies, pas de données personnelles.",
                "Voce — nacionalna raziskava izkušenj z javnimi digitalnimi storitvami. Brez piškotkov, brez osebnih podatkov.",
            ],
        }
    }
}

/// The name of a language in itself, for the language menu.
pub fn language_name(locale: Locale) -> &'static str {
    match locale {
        Locale::It => "Italiano",
        Locale::En => "English",
        Locale::De => "Deutsch",
        Locale::Fr => "Français",
        Locale::Sl => "Slovenščina",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_exists_and_differs_from_italian_where_a_word_differs() {
        for text in [Text::Send, Text::Next, Text::NotValid, Text::Expired] {
            let it = text.get(Locale::It);
            for locale in Locale::ALL {
                assert!(!text.get(locale).is_empty());
                if locale != Locale::It {
                    assert_ne!(text.get(locale), it, "{text:?} {locale:?}");
                }
            }
        }
    }
}
