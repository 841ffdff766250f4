//! The JSON schema of the `answers` object of `POST /v1/responses`, derived from the catalog's
//! questionnaires so that it says exactly what `voce_shared::validate` accepts: the questions, the
//! type and range of each answer, which follow-up each rating shows, and that an optional
//! question may be left blank (a whitespace-only string or an empty list counts as no answer).
//!
//! Display conditions are expressed as one branch per combination of the values of the questions
//! they read, so the schema is `anyOf` those branches over every published questionnaire; the
//! ticket says which questionnaire applies.

use serde_json::{Value, json};
use voce_shared::questionnaire::{Question, QuestionKind, SCALE_MAX, SCALE_MIN};
use voce_shared::{Catalog, Questionnaire};

/// The characters Rust's `str::trim` removes (Unicode `White_Space`), written out so that every
/// regular-expression dialect reads the class the same way.
const BLANK: &str = "^[\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*$";

/// The schema of `answers` for every published questionnaire.
pub fn answers_schema(catalog: &Catalog) -> Value {
    let branches: Vec<Value> = catalog.questionnaires().flat_map(branches).collect();
    json!({
        "description": "Answers by question id, valid for the questionnaire version named in the ticket. A blank string or an empty list is no answer.",
        "anyOf": branches,
    })
}

/// One object schema per combination of values of the questions that display conditions read.
fn branches(q: &Questionnaire) -> Vec<Value> {
    let mut sources: Vec<&Question> = Vec::new();
    for condition in q.questions.iter().filter_map(|x| x.shown_if.as_ref()) {
        if let Some(source) = q.question(&condition.question)
            && !sources.iter().any(|s| s.id == source.id)
        {
            sources.push(source);
        }
    }
    let mut assignments: Vec<Vec<Option<u8>>> = vec![Vec::new()];
    for source in &sources {
        let mut values: Vec<Option<u8>> = (SCALE_MIN..=SCALE_MAX).map(Some).collect();
        if !source.required {
            values.push(None);
        }
        assignments = assignments
            .into_iter()
            .flat_map(|a| {
                values.iter().map(move |v| {
                    let mut next = a.clone();
                    next.push(*v);
                    next
                })
            })
            .collect();
    }
    assignments
        .iter()
        .map(|assignment| {
            let value_of = |id: &str| {
                sources
                    .iter()
                    .position(|s| s.id == id)
                    .and_then(|i| assignment[i])
            };
            branch(q, &value_of)
        })
        .collect()
}

/// The object schema of one branch, given the value (or absence) of each condition source.
fn branch(q: &Questionnaire, value_of: &dyn Fn(&str) -> Option<u8>) -> Value {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for question in &q.questions {
        let is_source = q.questions.iter().any(|x| {
            x.shown_if
                .as_ref()
                .is_some_and(|c| c.question == question.id)
        });
        let shown = question
            .shown_if
            .as_ref()
            .is_none_or(|c| value_of(&c.question).is_some_and(|v| (c.min..=c.max).contains(&v)));
        let schema = match (is_source, value_of(&question.id)) {
            (true, Some(v)) => json!({ "type": "integer", "const": v }),
            (true, None) => blank(),
            (false, _) if !shown => blank(),
            (false, _) if question.required => answer(&question.kind),
            (false, _) => json!({ "anyOf": [answer(&question.kind), blank()] }),
        };
        if (is_source && value_of(&question.id).is_some()) || (shown && question.required) {
            required.push(question.id.clone());
        }
        properties.insert(question.id.clone(), schema);
    }
    json!({
        "type": "object",
        "title": format!("{} v{}", q.id, q.version),
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// What counts as no answer: a whitespace-only string or an empty list.
fn blank() -> Value {
    json!({ "anyOf": [
        { "type": "string", "pattern": BLANK },
        { "type": "array", "maxItems": 0 },
    ]})
}

/// The schema of an answer to a question of this kind.
fn answer(kind: &QuestionKind) -> Value {
    match kind {
        QuestionKind::Stars { .. } | QuestionKind::Scale { .. } => {
            json!({ "type": "integer", "minimum": SCALE_MIN, "maximum": SCALE_MAX })
        }
        QuestionKind::SingleChoice { options } => {
            let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            json!({ "type": "string", "enum": ids })
        }
        QuestionKind::MultipleChoice { options, min, max } => {
            let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            json!({
                "type": "array",
                "items": { "type": "string", "enum": ids },
                "uniqueItems": true,
                "minItems": (*min).max(1),
                "maxItems": max,
            })
        }
        QuestionKind::FreeText { max_chars, .. } => {
            json!({ "type": "string", "maxLength": max_chars })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        Catalog::national().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn each_rating_shows_only_its_follow_up() {
        let schema = answers_schema(catalog());
        let branches = schema["anyOf"].as_array().cloned().unwrap_or_default();
        // Two questionnaires, five ratings each (the rating is required).
        assert_eq!(branches.len(), 10);
        let low = branches
            .iter()
            .find(|b| {
                b["title"] == "chiarezza-pagina v1" && b["properties"]["valutazione"]["const"] == 2
            })
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            low["properties"]["difficolta"]["anyOf"][0]["type"],
            "string"
        );
        assert_eq!(low["properties"]["aspetti-positivi"], blank());
        assert_eq!(low["required"], json!(["valutazione"]));
        assert_eq!(low["additionalProperties"], false);
    }

    #[test]
    fn the_blank_pattern_matches_what_trim_removes() {
        for c in [
            '\t', '\n', '\u{b}', '\u{c}', '\r', ' ', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
            '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
        ] {
            assert!(c.is_whitespace(), "{c:?}");
        }
        // Every other Unicode whitespace character would need to be in the class too.
        let listed = |c: char| {
            matches!(
                c,
                '\t' | '\n'
                    | '\u{b}'
                    | '\u{c}'
                    | '\r'
                    | ' '
                    | '\u{85}'
                    | '\u{a0}'
                    | '\u{1680}'
                    | '\u{2000}'
                    ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
            )
        };
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            assert_eq!(c.is_whitespace(), listed(c), "{c:?}");
        }
    }
}
