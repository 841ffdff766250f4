//! The validator: decides whether a submission answers a questionnaire version correctly.
//!
//! It is total: any JSON value in any position yields either a [`ValidSubmission`] or a list of
//! [`Violation`]s, each with a stable machine code and the question it concerns.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::questionnaire::{QuestionKind, Questionnaire, SCALE_MAX, SCALE_MIN};
use crate::submission::{Answer, AnswerMap, RawAnswer, Submission, ValidSubmission};
use crate::text::push_decimal;

/// Why an answer was refused. The codes are stable: clients and analysts match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{question}: {message}")]
pub struct Violation {
    /// The question id the violation concerns (as sent, for unknown questions).
    pub question: String,
    /// The stable machine code.
    pub code: ViolationCode,
    /// A human explanation in English, for developers and logs. Mostly a fixed sentence; built
    /// without `format!` (the widget runs this code in WebAssembly, where the formatting machinery
    /// and its Unicode tables would cost kilobytes): ids are quoted as given, unescaped.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message: Cow<'static, str>,
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
    let mut answers = BTreeMap::new();
    let violations = run::<_, true>(questionnaire, &submission.answers, Some(&mut answers));
    if violations.is_empty() {
        Ok(ValidSubmission { answers })
    } else {
        Err(Violations(violations))
    }
}

/// The same rules as [`validate`], without keeping the typed answers: what the widget asks
/// before sending (it sends the raw answers, and the typed map would only cost it WebAssembly).
/// It reads any [`AnswerMap`], so the widget keeps its answers in its own small type. The
/// violations carry their question and code, but an empty message: the widget shows its own
/// words for each code, and building English sentences would only cost it WebAssembly.
pub fn check(questionnaire: &Questionnaire, answers: &impl AnswerMap) -> Result<(), Violations> {
    let violations = run::<_, false>(questionnaire, answers, None);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Violations(violations))
    }
}

/// Every violation in `submission`, with its message when `FULL` (a constant, so the widget's
/// copy carries no message code at all); the typed answers go into `answers` when given.
fn run<M: AnswerMap, const FULL: bool>(
    questionnaire: &Questionnaire,
    submission: &M,
    mut answers: Option<&mut BTreeMap<String, Answer>>,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut refuse = |question: &str, code: ViolationCode, detail: Detail<'_>| {
        violations.push(Violation {
            question: question.to_owned(),
            code,
            message: if FULL {
                detail.message()
            } else {
                Cow::Borrowed("")
            },
        });
    };

    for id in submission.ids() {
        if questionnaire.question(id).is_none() {
            refuse(
                id,
                ViolationCode::UnknownQuestion,
                Detail::NoQuestion(&questionnaire.id, id),
            );
        }
    }

    for question in &questionnaire.questions {
        let id = question.id.as_str();
        let raw = submission.answer(id).filter(|v| !v.is_unanswered());
        let shown = questionnaire.is_shown(question, submission);
        let Some(raw) = raw else {
            if shown && question.required {
                refuse(
                    id,
                    ViolationCode::Required,
                    Detail::Fixed("an answer is required"),
                );
            }
            continue;
        };
        if !shown {
            refuse(
                id,
                ViolationCode::NotShown,
                Detail::Fixed("the earlier answers do not show this question"),
            );
            continue;
        }
        match typed_answer::<_, FULL>(&question.kind, raw) {
            Ok(answer) => {
                if let (Some(answers), Some(answer)) = (answers.as_deref_mut(), answer) {
                    answers.insert(id.to_owned(), answer);
                }
            }
            Err((code, message)) => refuse(id, code, message),
        }
    }

    violations
}

/// The typed answer (only when `FULL`: the widget wants the verdict, not the value).
fn typed_answer<'a, A: RawAnswer, const FULL: bool>(
    kind: &QuestionKind,
    raw: &'a A,
) -> Result<Option<Answer>, (ViolationCode, Detail<'a>)> {
    match kind {
        QuestionKind::Stars { .. } | QuestionKind::Scale { .. } => {
            // A whole number, as a sign and a magnitude: no i128 arithmetic, whose formatting
            // alone costs a kilobyte of WebAssembly.
            let Some(Some((negative, magnitude))) = raw.number() else {
                return Err((
                    ViolationCode::WrongType,
                    Detail::Fixed("expected a whole number from 1 to 5"),
                ));
            };
            match u8::try_from(magnitude) {
                Ok(v) if !negative && (SCALE_MIN..=SCALE_MAX).contains(&v) => {
                    Ok(FULL.then_some(Answer::Rating(v)))
                }
                _ => Err((
                    ViolationCode::OutOfRange,
                    Detail::OutOfRange(negative, magnitude),
                )),
            }
        }
        QuestionKind::SingleChoice { options } => {
            let Some(s) = raw.text() else {
                return Err((
                    ViolationCode::WrongType,
                    Detail::Fixed("expected the id of one option"),
                ));
            };
            if options.iter().any(|o| o.id == s) {
                Ok(FULL.then(|| Answer::Choice(s.to_owned())))
            } else {
                Err((
                    ViolationCode::NotAnOption,
                    Detail::Id(s, " is not an option"),
                ))
            }
        }
        QuestionKind::MultipleChoice { options, min, max } => {
            let Some(items) = raw.items() else {
                return Err((
                    ViolationCode::WrongType,
                    Detail::Fixed("expected an array of option ids"),
                ));
            };
            // A few ids at most: a vector is enough (and a set would cost the widget kilobytes).
            let mut chosen: Vec<&str> = Vec::new();
            for item in items {
                let Some(s) = item else {
                    return Err((
                        ViolationCode::WrongType,
                        Detail::Fixed("expected an array of option ids"),
                    ));
                };
                if !options.iter().any(|o| o.id == s) {
                    return Err((
                        ViolationCode::NotAnOption,
                        Detail::Id(s, " is not an option"),
                    ));
                }
                if chosen.contains(&s) {
                    return Err((
                        ViolationCode::DuplicateOption,
                        Detail::Id(s, " is chosen twice"),
                    ));
                }
                chosen.push(s);
            }
            let count = chosen.len();
            if count < *min as usize {
                return Err((
                    ViolationCode::TooFew,
                    Detail::Number("choose at least ", u64::from(*min)),
                ));
            }
            if count > *max as usize {
                return Err((
                    ViolationCode::TooMany,
                    Detail::Number("choose at most ", u64::from(*max)),
                ));
            }
            let ordered = options
                .iter()
                .filter(|o| chosen.contains(&o.id.as_str()))
                .map(|o| o.id.clone());
            Ok(FULL.then(|| Answer::Choices(ordered.collect())))
        }
        QuestionKind::FreeText { max_chars, .. } => {
            let Some(s) = raw.text() else {
                return Err((ViolationCode::WrongType, Detail::Fixed("expected text")));
            };
            let count = s.chars().count();
            if count > *max_chars as usize {
                return Err((ViolationCode::TooLong, Detail::TooLong(count, *max_chars)));
            }
            Ok(FULL.then(|| Answer::Text(s.to_owned())))
        }
    }
}

/// What a violation's message says, kept as data until a message is wanted (the widget never
/// wants one, so its WebAssembly carries none of these sentences).
enum Detail<'a> {
    /// A fixed sentence.
    Fixed(&'static str),
    /// `<questionnaire> has no question "<id>"`.
    NoQuestion(&'a str, &'a str),
    /// `<value> is not from 1 to 5`, as a sign and a magnitude.
    OutOfRange(bool, u64),
    /// `"<id>"` and what is wrong with it.
    Id(&'a str, &'static str),
    /// A sentence ending in a number.
    Number(&'static str, u64),
    /// `<count> characters, at most <max>`.
    TooLong(usize, u32),
}

impl Detail<'_> {
    /// The human explanation in English.
    fn message(&self) -> Cow<'static, str> {
        let mut m = String::new();
        match *self {
            Detail::Fixed(text) => return Cow::Borrowed(text),
            Detail::NoQuestion(questionnaire, id) => {
                m.push_str(questionnaire);
                m.push_str(" has no question ");
                quote(&mut m, id);
            }
            Detail::OutOfRange(negative, magnitude) => {
                if negative {
                    m.push('-');
                }
                push_decimal(&mut m, magnitude);
                m.push_str(" is not from 1 to 5");
            }
            Detail::Id(id, what) => {
                quote(&mut m, id);
                m.push_str(what);
            }
            Detail::Number(text, n) => {
                m.push_str(text);
                push_decimal(&mut m, n);
            }
            Detail::TooLong(count, max) => {
                push_decimal(&mut m, count as u64);
                m.push_str(" characters, at most ");
                push_decimal(&mut m, u64::from(max));
            }
        }
        Cow::Owned(m)
    }
}

/// Writes `s` between double quotes (as given: a message for developers, not a literal).
fn quote(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(s);
    out.push('"');
}
