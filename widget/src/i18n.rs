//! The widget's own words (buttons, errors, warnings) in the five languages of the catalog.
//!
//! The questions come translated from the collector, and the messages of refused answers from
//! `voce_shared::messages` (the hosted page shows the same ones); only the widget's own
//! user-interface strings live here.
//! Each entry lists it, en, de, fr, sl in that order, so a missing translation is a compile error.

use voce_shared::Locale;

/// A user-interface string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// The button that sends the answers.
    Send,
    /// The button that goes to the next step.
    Next,
    /// The button that goes back one step.
    Back,
    /// The button that declines the optional module and sends the answers given so far.
    Skip,
    /// The button that accepts the optional module.
    AcceptModule,
    /// The button that tries a failed operation again.
    Retry,
    /// Shown while the form loads.
    Loading,
    /// Shown while the answers are being sent.
    Sending,
    /// The polite state when the form cannot be offered on this page.
    Unavailable,
    /// The form could not be loaded.
    LoadFailed,
    /// The answers could not be sent because of the network or an overloaded collector.
    NetworkFailed,
    /// The ticket expired: sending again fetches a new one.
    Expired,
    /// The collector refused the answers for another reason.
    Refused,
    /// Some answers need attention before sending.
    Invalid,
    /// The free text seems to contain personal data.
    PersonalData,
}

impl Text {
    /// The string in `locale`.
    pub fn get(self, locale: Locale) -> &'static str {
        locale.pick(self.all())
    }

    fn all(self) -> [&'static str; 5] {
        match self {
            Text::Send => ["Invia", "Send", "Senden", "Envoyer", "Pošlji"],
            Text::Next => ["Avanti", "Next", "Weiter", "Suivant", "Naprej"],
            Text::Back => ["Indietro", "Back", "Zurück", "Retour", "Nazaj"],
            Text::Skip => [
                "Salta e invia",
                "Skip and send",
                "Überspringen und senden",
                "Passer et envoyer",
                "Preskoči in pošlji",
            ],
            Text::AcceptModule => ["Rispondi", "Answer", "Antworten", "Répondre", "Odgovori"],
            Text::Retry => [
                "Riprova",
                "Try again",
                "Erneut versuchen",
                "Réessayer",
                "Poskusi znova",
            ],
            Text::Loading => [
                "Caricamento…",
                "Loading…",
                "Wird geladen…",
                "Chargement…",
                "Nalaganje…",
            ],
            Text::Sending => [
                "Invio in corso…",
                "Sending…",
                "Wird gesendet…",
                "Envoi en cours…",
                "Pošiljanje…",
            ],
            Text::Unavailable => [
                "Il questionario di valutazione non è disponibile su questa pagina.",
                "The feedback form is not available on this page.",
                "Der Bewertungsfragebogen ist auf dieser Seite nicht verfügbar.",
                "Le questionnaire d'évaluation n'est pas disponible sur cette page.",
                "Vprašalnik za oceno na tej strani ni na voljo.",
            ],
            Text::LoadFailed => [
                "Non è stato possibile caricare il questionario. Controlla la connessione e riprova.",
                "The form could not be loaded. Check your connection and try again.",
                "Der Fragebogen konnte nicht geladen werden. Prüfen Sie die Verbindung und versuchen Sie es erneut.",
                "Le questionnaire n'a pas pu être chargé. Vérifiez la connexion et réessayez.",
                "Vprašalnika ni bilo mogoče naložiti. Preverite povezavo in poskusite znova.",
            ],
            Text::NetworkFailed => [
                "Non è stato possibile inviare le risposte. Le tue risposte sono ancora qui: riprova tra poco.",
                "Your answers could not be sent. They are still here: please try again shortly.",
                "Ihre Antworten konnten nicht gesendet werden. Sie sind noch hier: Bitte versuchen Sie es gleich erneut.",
                "Vos réponses n'ont pas pu être envoyées. Elles sont toujours là : réessayez dans un instant.",
                "Odgovorov ni bilo mogoče poslati. Še vedno so tukaj: poskusite znova čez nekaj trenutkov.",
            ],
            Text::Expired => [
                "La sessione è scaduta. Le tue risposte sono ancora qui: premi Riprova per inviarle.",
                "The session has expired. Your answers are still here: press Try again to send them.",
                "Die Sitzung ist abgelaufen. Ihre Antworten sind noch hier: Klicken Sie auf Erneut versuchen.",
                "La session a expiré. Vos réponses sont toujours là : appuyez sur Réessayer pour les envoyer.",
                "Seja je potekla. Vaši odgovori so še vedno tukaj: pritisnite Poskusi znova.",
            ],
            Text::Refused => [
                "Le risposte non sono state accettate. Premi Riprova per inviarle di nuovo.",
                "Your answers were not accepted. Press Try again to send them again.",
                "Ihre Antworten wurden nicht angenommen. Klicken Sie auf Erneut versuchen.",
                "Vos réponses n'ont pas été acceptées. Appuyez sur Réessayer pour les renvoyer.",
                "Odgovori niso bili sprejeti. Pritisnite Poskusi znova.",
            ],
            Text::Invalid => [
                "Controlla le risposte segnalate.",
                "Please check the answers marked.",
                "Bitte prüfen Sie die markierten Antworten.",
                "Veuillez vérifier les réponses signalées.",
                "Preverite označene odgovore.",
            ],
            Text::PersonalData => [
                "Sembra che tu abbia scritto dati personali (codice fiscale, IBAN, e-mail, telefono o carta). Non sono necessari: ti chiediamo di toglierli. In ogni caso verranno rimossi prima del salvataggio.",
                "You seem to have written personal data (tax code, IBAN, e-mail, phone or card number). It is not needed: please remove it. It will be removed before storage in any case.",
                "Sie scheinen persönliche Daten eingegeben zu haben (Steuernummer, IBAN, E-Mail, Telefon- oder Kartennummer). Sie werden nicht benötigt: Bitte entfernen Sie sie. Sie werden vor dem Speichern ohnehin entfernt.",
                "Vous semblez avoir saisi des données personnelles (code fiscal, IBAN, e-mail, téléphone ou carte). Elles ne sont pas nécessaires : merci de les retirer. Elles seront de toute façon supprimées avant l'enregistrement.",
                "Zdi se, da ste vpisali osebne podatke (davčna številka, IBAN, e-pošta, telefon ali kartica). Niso potrebni: prosimo, odstranite jih. Pred shranjevanjem bodo vsekakor odstranjeni.",
            ],
        }
    }
}

/// The accessible name of star `n`, from the questionnaire's `star_label` (`{n}` stands for it).
pub fn star_label(template: &str, n: u8) -> String {
    // By hand rather than `str::replace`, whose substring searcher costs over a kilobyte of
    // WebAssembly; `{` is ASCII, so every cut falls on a character boundary.
    let digit = char::from(b'0' + n.min(9));
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.as_bytes().windows(3).position(|w| w == b"{n}") {
        out.push_str(&rest[..i]);
        out.push(digit);
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_TEXT: [Text; 15] = [
        Text::Send,
        Text::Next,
        Text::Back,
        Text::Skip,
        Text::AcceptModule,
        Text::Retry,
        Text::Loading,
        Text::Sending,
        Text::Unavailable,
        Text::LoadFailed,
        Text::NetworkFailed,
        Text::Expired,
        Text::Refused,
        Text::Invalid,
        Text::PersonalData,
    ];

    #[test]
    fn every_string_exists_in_every_locale() {
        for text in EVERY_TEXT {
            for locale in Locale::ALL {
                assert!(!text.get(locale).trim().is_empty(), "{text:?} in {locale}");
            }
        }
    }

    #[test]
    fn buttons_speak_the_citizens_language() {
        assert_eq!(Text::Send.get(Locale::It), "Invia");
        assert_eq!(Text::Send.get(Locale::En), "Send");
        assert_eq!(Text::Retry.get(Locale::De), "Erneut versuchen");
        assert_eq!(Text::Back.get(Locale::Fr), "Retour");
        assert_eq!(Text::Next.get(Locale::Sl), "Naprej");
    }

    #[test]
    fn star_labels_fill_in_the_number() {
        assert_eq!(
            star_label("Valuta {n} stelle su 5", 3),
            "Valuta 3 stelle su 5"
        );
        assert_eq!(
            star_label("{n} von 5 Sternen vergeben", 5),
            "5 von 5 Sternen vergeben"
        );
    }
}
