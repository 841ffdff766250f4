//! From a ticket and a parsed body to the rows of one response: the answers are validated against
//! the exact questionnaire version the ticket names (the same `voce_shared::validate` the widget
//! ran), free texts are redacted and get a purge date, and the indicator columns are filled from
//! the questions the questionnaire declares as feeding them.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use voce_shared::api::SubmitRequest;
use voce_shared::{Answer, Catalog, IndicatorColumn, Questionnaire, Submission};

use super::IngestError;
use crate::auth::tickets::TicketClaims;
use crate::db::responses::{FreeTextRow, ResponseRow};
use crate::domain::{Channel, day_of, rfc3339};

/// The rows of one response, ready to commit together.
#[derive(Clone, Debug)]
pub struct NewResponse {
    /// The response.
    pub response: ResponseRow,
    /// Its redacted free texts.
    pub texts: Vec<FreeTextRow>,
    /// The day it counts for (`YYYY-MM-DD`).
    pub day: String,
}

/// The questionnaire version a ticket names, provided its content hash is the published one.
pub fn questionnaire_of<'c>(
    catalog: &'c Catalog,
    claims: &TicketClaims,
) -> Result<&'c Questionnaire, IngestError> {
    let named = &claims.questionnaire;
    catalog
        .get(&named.id, named.version)
        .ok()
        .filter(|q| {
            catalog
                .reference(&q.id, q.version)
                .is_ok_and(|r| r.hash == named.hash)
        })
        .ok_or(IngestError::InvalidTicket)
}

/// Validates the answers (422 with every violation) and builds the rows, received `now`.
pub fn build(
    questionnaire: &Questionnaire,
    claims: &TicketClaims,
    request: &SubmitRequest,
    fingerprint: &str,
    now: OffsetDateTime,
    free_text_retention_days: u32,
) -> Result<NewResponse, IngestError> {
    let submission = Submission {
        answers: request.answers.clone(),
    };
    let answers = voce_shared::validate(questionnaire, &submission)
        .map_err(IngestError::InvalidAnswers)?
        .into_answers();
    // Time-ordered, so the unique index of ids grows at its end; the receipt's `received_at`
    // tells the citizen the same time. The export is ordered by the random `export_key`.
    let response_id = uuid::Uuid::now_v7().to_string();
    let purge_after = day_of(now + time::Duration::days(i64::from(free_text_retention_days)));
    let mut texts = Vec::new();
    let mut structured = BTreeMap::new();
    for (question, answer) in &answers {
        match answer {
            Answer::Text(text) => {
                // PostgreSQL cannot store U+0000 in text; it is dropped on both backends alike.
                let redacted = voce_shared::redact(&text.replace('\0', ""));
                texts.push(FreeTextRow {
                    // Time-ordered too: the primary key's index grows at its end.
                    id: uuid::Uuid::now_v7().to_string(),
                    response_id: response_id.clone(),
                    question: question.clone(),
                    text: redacted.text,
                    redacted_kinds: redacted
                        .found
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>()
                        .join(","),
                    purge_after: purge_after.clone(),
                });
            }
            other => {
                structured.insert(question.clone(), other.clone());
            }
        }
    }
    let mut columns = IndicatorColumns::default();
    for source in questionnaire.indicator_sources() {
        if let Some(answer) = answers.get(source.question) {
            columns.fill(source.indicator.column(), answer);
        }
    }
    let response = ResponseRow {
        id: response_id,
        service_id: claims.sub.clone(),
        questionnaire_id: claims.questionnaire.id.clone(),
        questionnaire_version: i32::try_from(claims.questionnaire.version)
            .map_err(|_| IngestError::InvalidTicket)?,
        questionnaire_hash: claims.questionnaire.hash.clone(),
        ticket_id: claims.jti.clone(),
        body_fingerprint: fingerprint.to_owned(),
        received_at: rfc3339(now),
        locale: request.locale.code().to_owned(),
        answers: serde_json::to_string(&structured)
            .map_err(|e| IngestError::Internal(e.to_string()))?,
        valutazione: columns.valutazione,
        motivo: columns.motivo,
        esito: columns.esito,
        soddisfazione: columns.soddisfazione,
        fiducia: columns.fiducia,
        channel: claims
            .channel
            .as_deref()
            .map_or(Ok(Channel::Widget), Channel::parse)
            .map_err(|_| IngestError::InvalidTicket)?
            .code()
            .to_owned(),
        verified: claims.verified,
        export_key: uuid::Uuid::new_v4().simple().to_string(),
        // `rand`'s thread generator is a CSPRNG (ChaCha12 seeded from the operating system).
        record_key: i64::from(rand::random::<u32>()),
    };
    Ok(NewResponse {
        response,
        texts,
        day: day_of(now),
    })
}

/// The indicator columns of a response, filled from its answers.
#[derive(Default)]
struct IndicatorColumns {
    valutazione: Option<i32>,
    motivo: Option<String>,
    esito: Option<String>,
    soddisfazione: Option<i32>,
    fiducia: Option<i32>,
}

impl IndicatorColumns {
    /// Puts an answer in its column; an answer of the wrong shape for the column (which the
    /// catalog's check rules out) leaves it empty.
    fn fill(&mut self, column: IndicatorColumn, answer: &Answer) {
        let rating = || answer.as_rating().map(i32::from);
        let choice = || match answer {
            Answer::Choice(c) => Some(c.clone()),
            _ => None,
        };
        match column {
            IndicatorColumn::Valutazione => self.valutazione = rating(),
            IndicatorColumn::Soddisfazione => self.soddisfazione = rating(),
            IndicatorColumn::Fiducia => self.fiducia = rating(),
            IndicatorColumn::Esito => self.esito = choice(),
            IndicatorColumn::Motivo => self.motivo = self.motivo.take().or_else(choice),
        }
    }
}
