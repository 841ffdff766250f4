//! The citizen's answers as the widget keeps and sends them: one [`Reply`] per question, in a
//! [`Replies`] map sorted by question id. Small hand-written types instead of `serde_json::Value`
//! and a `BTreeMap`, for the widget's size budget; the shared validator reads them through
//! [`RawAnswer`] and [`AnswerMap`] with the same rules it applies to the collector's JSON.

use voce_shared::{AnswerMap, RawAnswer};

/// One answer as the citizen gave it, exactly what is sent: a rating or scale value, a text or
/// the id of one option, or the ids of several options. The widget's own small type instead of
/// `serde_json::Value` (which would cost kilobytes of WebAssembly); the shared validator reads it
/// through [`RawAnswer`] with the same rules it applies to the collector's JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A whole number (a rating or scale value).
    Number(u64),
    /// A text, or the id of one option.
    Text(String),
    /// The ids of several options, in the order chosen.
    List(Vec<String>),
}

impl Reply {
    /// The number, when the reply is one.
    pub fn as_number(&self) -> Option<u64> {
        match self {
            Reply::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The text, when the reply is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Reply::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl RawAnswer for Reply {
    fn number(&self) -> Option<Option<(bool, u64)>> {
        self.as_number().map(|n| Some((false, n)))
    }

    fn text(&self) -> Option<&str> {
        self.as_text()
    }

    fn items(&self) -> Option<Vec<Option<&str>>> {
        match self {
            Reply::List(items) => Some(items.iter().map(|i| Some(i.as_str())).collect()),
            _ => None,
        }
    }
}

/// The citizen's answers by question id, sorted by id (as the request body lists them): a small
/// vector rather than a `BTreeMap`, whose code would cost the widget kilobytes of WebAssembly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replies(Vec<(String, Reply)>);

impl Replies {
    /// The answer to `question`.
    pub fn get(&self, question: &str) -> Option<&Reply> {
        self.position(question).ok().map(|i| &self.0[i].1)
    }

    /// Whether `question` has an answer.
    pub fn contains_key(&self, question: &str) -> bool {
        self.position(question).is_ok()
    }

    /// Sets the answer to `question`.
    pub fn insert(&mut self, question: String, reply: Reply) {
        match self.position(&question) {
            Ok(i) => self.0[i].1 = reply,
            Err(i) => self.0.insert(i, (question, reply)),
        }
    }

    /// The answers, sorted by question id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Reply)> {
        self.0.iter().map(|(q, r)| (q.as_str(), r))
    }

    /// How many questions have an answer.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no question has an answer.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, question: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(q, _)| q.as_str().cmp(question))
    }
}

impl std::ops::Index<&str> for Replies {
    type Output = Reply;

    fn index(&self, question: &str) -> &Reply {
        self.get(question).expect("no answer to this question")
    }
}

impl AnswerMap for Replies {
    type Answer = Reply;

    fn ids(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(q, _)| q.as_str())
    }

    fn answer(&self, id: &str) -> Option<&Reply> {
        self.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_stay_sorted_by_question_id_and_a_new_answer_replaces_the_old_one() {
        let mut replies = Replies::default();
        replies.insert("b".into(), Reply::Number(1));
        replies.insert("a".into(), Reply::Text("x".into()));
        replies.insert("b".into(), Reply::Number(2));
        let ids: Vec<_> = replies.iter().map(|(q, _)| q).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(replies.len(), 2);
        assert_eq!(replies["b"], Reply::Number(2));
        assert!(!replies.contains_key("c"));
        assert_eq!(replies.get("c"), None);
    }

    #[test]
    fn the_shared_validator_reads_each_kind_of_reply() {
        assert_eq!(Reply::Number(4).number(), Some(Some((false, 4))));
        assert_eq!(Reply::Text("sì".into()).text(), Some("sì"));
        assert_eq!(Reply::Text("sì".into()).number(), None);
        assert_eq!(Reply::List(vec!["a".into()]).items(), Some(vec![Some("a")]));
        assert_eq!(Reply::Number(4).items(), None);
    }
}
