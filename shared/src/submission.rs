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
