//! Ready-made forms for tests: what the collector would answer for a service, built from the
//! national catalog without any network, so native and browser tests mount the real questionnaires.

use voce_shared::api::{Form, FormBody, FormService};
use voce_shared::{Catalog, Locale};

/// The form the collector would serve for questionnaire `id` (`chiarezza-pagina` or
/// `facilita-servizio`) in `locale`, for a service of INPS, with a dummy ticket.
///
/// Returns `None` when the catalog has no such questionnaire.
pub fn form(id: &str, locale: Locale) -> Option<Form> {
    let catalog = Catalog::national().ok()?;
    let questionnaire = catalog.latest(id).ok()?;
    let (service, kind) = if id == "chiarezza-pagina" {
        ("inps-naspi-info", "informazioni")
    } else {
        ("inps-naspi", "domanda-online")
    };
    Some(Form {
        service: FormService {
            id: service.into(),
            name: "NASpI".into(),
            kind: kind.into(),
        },
        body: FormBody {
            ipa_code: "inps".into(),
            name: "INPS".into(),
            kind: "ente-previdenziale".into(),
        },
        locale,
        questionnaire: questionnaire.resolve(locale, "INPS"),
        questionnaire_ref: questionnaire.reference(),
        ticket: "test.ticket.signature".into(),
        expires_at: "2030-01-01T00:00:00Z".into(),
    })
}
