//! The validator: decides whether a submission answers a questionnaire version correctly.
//!
//! It is total: any JSON value in any position yields either a [`ValidSubmission`] or a list of
//! [`Violation`]s, each with a stable machine code and the question it concerns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::questionnaire::{QuestionKind, Questionnaire, SCALE_MAX, SCALE_MIN};
use crate::submission::{Answer, Submission, ValidSubmission};

/// Why an answer was refused. The codes are stable: clients and analysts match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationCode {
    /// A rating or scale value outside 1–5.
    OutOfRange,
    /// A choice that is not one of the question's options.
    NotAnOption,
    /// An answer to a question that the earlier answers hide.
    NotShown,
    /// A required question, shown, without an answer.
    Required,
    /// Free text longer than the question allows.
    TooLong,
    /// An answer to a question the questionnaire does not have.
    UnknownQuestion,
    /// A value of the wrong JSON type for the question.
    WrongType,
    /// The same option chosen twice.
    DuplicateOption,
    /// Fewer options than the question requires.
    TooFew,
    /// More options than the question allows.
    TooMany,
}

impl ViolationCode {
    /// The stable machine code, such as `out_of_range`.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationCode::OutOfRange => "out_of_range",
            ViolationCode::NotAnOption => "not_an_option",
            ViolationCode::NotShown => "not_shown",
            ViolationCode::Required => "required",
            ViolationCode::TooLong => "too_long",
            ViolationCode::UnknownQuestion => "unknown_question",
            ViolationCode::WrongType => "wrong_type",
            ViolationCode::DuplicateOption => "duplicate_option",
            ViolationCode::TooFew => "too_few",
            ViolationCode::TooMany => "too_many",
        }
    }
}

impl fmt::Display for ViolationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One refused answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{question}: {message}")]
pub struct Violation {
    /// The question id the violation concerns (as sent, for unknown questions).
    pub question: String,
    /// The stable machine code.
    pub code: ViolationCode,
    /// A human explanation in English, for developers and logs.
    pub message: String,
}

/// Every violation found in a submission; never empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct Violations(pub Vec<Violation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{} invalid answer(s): {}",
            self.0.len(),
            parts.join("; ")
        )
    }
}

/// Validates `submission` against `questionnaire`, returning the typed answers or every
/// violation found. Empty strings and empty arrays count as "not answered".
pub fn validate(
    questionnaire: &Questionnaire,
    submission: &Submission,
) -> Result<ValidSubmission, Violations> {
    let mut violations = Vec::new();
    let mut answers = BTreeMap::new();
    let mut refuse = |question: &str, code: ViolationCode, message: String| {
        violations.push(Violation {
            question: question.to_owned(),
            code,
            message,
        });
    };

    for id in submission.answers.keys() {
        if questionnaire.question(id).is_none() {
            refuse(
                id,
                ViolationCode::UnknownQuestion,
                format!("{} has no question {id:?}", questionnaire.id),
            );
        }
    }

    for question in &questionnaire.questions {
        let id = question.id.as_str();
        let raw = submission.answers.get(id).filter(|v| !is_empty_answer(v));
        let shown = questionnaire.is_shown(question, &submission.answers);
        let Some(raw) = raw else {
            if shown && question.required {
                refuse(id, ViolationCode::Required, "an answer is required".into());
            }
            continue;
        };
        if !shown {
            refuse(
                id,
                ViolationCode::NotShown,
                "the earlier answers do not show this question".into(),
            );
            continue;
        }
        match typed_answer(&question.kind, raw) {
            Ok(answer) => {
                answers.insert(id.to_owned(), answer);
            }
            Err((code, message)) => refuse(id, code, message),
        }
    }

    if violations.is_empty() {
        Ok(ValidSubmission { answers })
    } else {
        Err(Violations(violations))
    }
}

fn is_empty_answer(v: &Value) -> bool {
    match v {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn typed_answer(kind: &QuestionKind, raw: &Value) -> Result<Answer, (ViolationCode, String)> {
    match kind {
        QuestionKind::Stars { .. } | QuestionKind::Scale { .. } => {
            let Value::Number(n) = raw else {
                return Err((
                    ViolationCode::WrongType,
                    "expected a whole number from 1 to 5".into(),
                ));
            };
            let value = match (n.as_i64(), n.as_u64()) {
                (Some(v), _) => i128::from(v),
                (None, Some(v)) => i128::from(v),
                (None, None) => {
                    return Err((
                        ViolationCode::WrongType,
                        "expected a whole number from 1 to 5".into(),
                    ));
                }
            };
            if !(i128::from(SCALE_MIN)..=i128::from(SCALE_MAX)).contains(&value) {
                return Err((
                    ViolationCode::OutOfRange,
                    format!("{value} is not from 1 to 5"),
                ));
            }
            Ok(Answer::Rating(u8::try_from(value).unwrap_or(SCALE_MIN)))
        }
        QuestionKind::SingleChoice { options } => {
            let Value::String(s) = raw else {
                return Err((
                    ViolationCode::WrongType,
                    "expected the id of one option".into(),
                ));
            };
            if options.iter().any(|o| &o.id == s) {
                Ok(Answer::Choice(s.clone()))
            } else {
                Err((
                    ViolationCode::NotAnOption,
                    format!("{s:?} is not an option"),
                ))
            }
        }
        QuestionKind::MultipleChoice { options, min, max } => {
            let Value::Array(items) = raw else {
                return Err((
                    ViolationCode::WrongType,
                    "expected an array of option ids".into(),
                ));
            };
            let mut chosen = BTreeSet::new();
            for item in items {
                let Value::String(s) = item else {
                    return Err((
                        ViolationCode::WrongType,
                        "expected an array of option ids".into(),
                    ));
                };
                if !options.iter().any(|o| &o.id == s) {
                    return Err((
                        ViolationCode::NotAnOption,
                        format!("{s:?} is not an option"),
                    ));
                }
                if !chosen.insert(s.as_str()) {
                    return Err((
                        ViolationCode::DuplicateOption,
                        format!("{s:?} is chosen twice"),
                    ));
                }
            }
            let count = chosen.len();
            if count < *min as usize {
                return Err((ViolationCode::TooFew, format!("choose at least {min}")));
            }
            if count > *max as usize {
                return Err((ViolationCode::TooMany, format!("choose at most {max}")));
            }
            let ordered = options
                .iter()
                .filter(|o| chosen.contains(o.id.as_str()))
                .map(|o| o.id.clone());
            Ok(Answer::Choices(ordered.collect()))
        }
        QuestionKind::FreeText { max_chars, .. } => {
            let Value::String(s) = raw else {
                return Err((ViolationCode::WrongType, "expected text".into()));
            };
            let count = s.chars().count();
            if count > *max_chars as usize {
                return Err((
                    ViolationCode::TooLong,
                    format!("{count} characters, at most {max_chars}"),
                ));
            }
            Ok(Answer::Text(s.clone()))
        }
    }
}
