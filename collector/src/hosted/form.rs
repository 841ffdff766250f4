//! The hosted page's form: the fields a browser posts (`application/x-www-form-urlencoded`),
//! turned into the raw answers the shared validator reads, and the split of a questionnaire into
//! the two steps the page shows without script.
//!
//! Step 1 holds the questions of the questionnaire's first step (the star rating); step 2 every
//! later question that the step-1 answers show ([`Questionnaire::is_shown`], the function the
//! validator uses), so the citizen sees exactly one follow-up, and the optional module under its
//! invitation.

use std::collections::BTreeMap;

use serde_json::Value;
use voce_shared::questionnaire::{Question, QuestionKind};
use voce_shared::{Locale, Questionnaire};

/// The names of the fields that are not answers.
pub const TICKET_FIELD: &str = "ticket";
/// The step the form was on (`1` or `2`).
pub const STEP_FIELD: &str = "step";
/// The locale of the page.
pub const LOCALE_FIELD: &str = "locale";

/// A posted form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Posted {
    /// The ticket from the hidden field.
    pub ticket: String,
    /// The step the form was on.
    pub step: u8,
    /// The locale of the page.
    pub locale: Locale,
    /// The honeypot, if filled.
    pub website: Option<String>,
    /// The raw answers, by question id: only questions of the questionnaire, only non-empty.
    pub answers: BTreeMap<String, Value>,
}

/// Reads a posted body. Fields that are neither answers to `questionnaire` nor the form's own
/// are ignored (the page never sends them).
pub fn parse(body: &[u8], questionnaire: &Questionnaire) -> Result<Posted, String> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| e.to_string())?;
    let first = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut answers = BTreeMap::new();
    for question in &questionnaire.questions {
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, v)| *k == question.id && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
            .collect();
        let Some(value) = values.first() else {
            continue;
        };
        let raw = match &question.kind {
            QuestionKind::Stars { .. } | QuestionKind::Scale { .. } => value
                .trim()
                .parse::<i64>()
                .map_or_else(|_| Value::String((*value).to_owned()), Value::from),
            QuestionKind::MultipleChoice { .. } => Value::Array(
                values
                    .iter()
                    .map(|v| Value::String((*v).to_owned()))
                    .collect(),
            ),
            QuestionKind::SingleChoice { .. } | QuestionKind::FreeText { .. } => {
                Value::String((*value).to_owned())
            }
        };
        answers.insert(question.id.clone(), raw);
    }
    Ok(Posted {
        ticket: first(TICKET_FIELD).unwrap_or_default().trim().to_owned(),
        step: if first(STEP_FIELD) == Some("2") { 2 } else { 1 },
        locale: first(LOCALE_FIELD).map_or(Locale::It, Locale::negotiate),
        website: first(voce_shared::api::HONEYPOT_FIELD)
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
        answers,
    })
}

/// The step a question belongs to on the page: 1 for the questionnaire's first step, else 2.
pub fn page_step(questionnaire: &Questionnaire, question: &Question) -> u8 {
    let first = questionnaire
        .questions
        .iter()
        .map(|q| q.step)
        .min()
        .unwrap_or(1);
    if question.step == first { 1 } else { 2 }
}

/// The questions the page shows at `step`, given the answers so far.
pub fn questions_of_step<'q>(
    questionnaire: &'q Questionnaire,
    step: u8,
    answers: &BTreeMap<String, Value>,
) -> Vec<&'q Question> {
    questionnaire
        .questions
        .iter()
        .filter(|q| page_step(questionnaire, q) == step)
        .filter(|q| step == 1 || questionnaire.is_shown(q, answers))
        .collect()
}

/// The answers to the questions of step 1 only.
pub fn step_one_answers(
    questionnaire: &Questionnaire,
    answers: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    answers
        .iter()
        .filter(|(id, _)| {
            questionnaire
                .question(id)
                .is_some_and(|q| page_step(questionnaire, q) == 1)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facilita() -> &'static Questionnaire {
        match voce_shared::Catalog::national().and_then(|c| {
            c.latest("facilita-servizio")
                .map_err(|_| unreachable!("the catalog has facilita-servizio"))
        }) {
            Ok(q) => q,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn posted_fields_become_typed_raw_answers_and_empty_ones_are_dropped() -> Result<(), String> {
        let body = b"ticket=t.k.n&step=2&locale=de&valutazione=2&difficolta=problemi-tecnici&dettagli=&esito=si&soddisfazione=x&made-up=1";
        let posted = parse(body, facilita())?;
        assert_eq!(posted.ticket, "t.k.n");
        assert_eq!(posted.step, 2);
        assert_eq!(posted.locale, Locale::De);
        assert_eq!(posted.website, None);
        assert_eq!(
            posted.answers,
            BTreeMap::from([
                ("valutazione".to_owned(), Value::from(2)),
                ("difficolta".to_owned(), Value::from("problemi-tecnici")),
                ("esito".to_owned(), Value::from("si")),
                ("soddisfazione".to_owned(), Value::from("x")),
            ])
        );
        Ok(())
    }

    #[test]
    fn step_two_shows_only_the_follow_up_the_rating_asks_for() {
        let q = facilita();
        let ids = |rating: i64| -> Vec<String> {
            let answers = BTreeMap::from([("valutazione".to_owned(), Value::from(rating))]);
            questions_of_step(q, 2, &answers)
                .iter()
                .map(|q| q.id.clone())
                .collect()
        };
        assert_eq!(
            ids(2),
            [
                "difficolta",
                "dettagli",
                "esito",
                "soddisfazione",
                "fiducia"
            ]
        );
        assert_eq!(
            ids(5),
            [
                "aspetti-positivi",
                "dettagli",
                "esito",
                "soddisfazione",
                "fiducia"
            ]
        );
        let first: Vec<&str> = questions_of_step(q, 1, &BTreeMap::new())
            .iter()
            .map(|q| q.id.as_str())
            .collect();
        assert_eq!(first, ["valutazione"]);
    }
}
