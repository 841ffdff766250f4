//! The submission format: what the widget sends and what the validator turns into typed answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The answers a citizen sends: question id → raw JSON value, exactly as received.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Submission {
    /// Raw answers by question id.
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// A raw answer as the validator reads it. The collector holds answers as JSON values; the widget
/// holds its own small typed values (a `serde_json::Value` costs it kilobytes of WebAssembly).
/// [`crate::validate`] and [`crate::check`] apply the same rules to either, through this view.
pub trait RawAnswer {
    /// A number: `Some(Some((negative, magnitude)))` when whole (within ±2⁶⁴), `Some(None)` when
    /// not; `None` when the value is not a number.
    fn number(&self) -> Option<Option<(bool, u64)>>;
    /// The text, when the value is a string.
    fn text(&self) -> Option<&str>;
    /// The items, when the value is an array: each one's text, or `None` for an item that is not
    /// a string.
    fn items(&self) -> Option<Vec<Option<&str>>>;

    /// Whether the value counts as "not answered": an empty or blank string, an empty array.
    fn is_unanswered(&self) -> bool {
        self.text().map(|t| t.trim().is_empty()).unwrap_or(false)
            || self.items().is_some_and(|items| items.is_empty())
    }

    /// The value as a non-negative whole number (what display conditions compare).
    fn as_count(&self) -> Option<u64> {
        match self.number() {
            Some(Some((false, n))) => Some(n),
            _ => None,
        }
    }
}

/// Answers by question id, as the validator reads them: the collector's map of JSON values, or
/// the widget's own small collection.
pub trait AnswerMap {
    /// The type of one answer.
    type Answer: RawAnswer;
    /// The question ids answered.
    fn ids(&self) -> impl Iterator<Item = &str>;
    /// The answer to one question.
    fn answer(&self, id: &str) -> Option<&Self::Answer>;
}

impl<A: RawAnswer> AnswerMap for BTreeMap<String, A> {
    type Answer = A;

    fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys().map(String::as_str)
    }

    fn answer(&self, id: &str) -> Option<&A> {
        self.get(id)
    }
}

impl RawAnswer for serde_json::Value {
    fn number(&self) -> Option<Option<(bool, u64)>> {
        let serde_json::Value::Number(n) = self else {
            return None;
        };
        Some(match (n.as_i64(), n.as_u64()) {
            (Some(v), _) => Some((v < 0, v.unsigned_abs())),
            (None, Some(v)) => Some((false, v)),
            (None, None) => None,
        })
    }

    fn text(&self) -> Option<&str> {
        self.as_str()
    }

    fn items(&self) -> Option<Vec<Option<&str>>> {
        self.as_array()
            .map(|items| items.iter().map(serde_json::Value::as_str).collect())
    }
}

/// A typed, validated answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// A star rating or scale value from 1 to 5.
    Rating(u8),
    /// The id of the chosen option.
    Choice(String),
    /// The ids of the chosen options, in the questionnaire's order.
    Choices(Vec<String>),
    /// Free text (not yet redacted).
    Text(String),
}

impl Answer {
    /// The rating value, when the answer is one.
    pub fn as_rating(&self) -> Option<u8> {
        match self {
            Answer::Rating(v) => Some(*v),
            _ => None,
        }
    }
}

/// Answers that passed validation against one questionnaire version. It can only be made by
/// [`crate::validate`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidSubmission {
    pub(crate) answers: BTreeMap<String, Answer>,
}

impl ValidSubmission {
    /// The typed answers by question id; unanswered and empty questions are absent.
    pub fn answers(&self) -> &BTreeMap<String, Answer> {
        &self.answers
    }

    /// The answer to one question.
    pub fn get(&self, question: &str) -> Option<&Answer> {
        self.answers.get(question)
    }

    /// Replaces every free text with `f(text)`, such as the redactor; used by the collector
    /// before it stores anything.
    pub fn map_texts(mut self, mut f: impl FnMut(&str) -> String) -> ValidSubmission {
        for answer in self.answers.values_mut() {
            if let Answer::Text(t) = answer {
                *t = f(t);
            }
        }
        self
    }

    /// Consumes the submission, giving the typed answers.
    pub fn into_answers(self) -> BTreeMap<String, Answer> {
        self.answers
    }
}
