//! The direction of the rating a follow-up question belongs to, as the national checker of
//! municipal sites names it in the markup.

use voce_shared::{Question, QuestionKind, Questionnaire};

/// Which direction of the rating a follow-up question belongs to, as the municipal-site
/// checker names it (`feedback-rating-positive` / `feedback-rating-negative`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branch {
    /// Shown for ratings 4–5.
    Positive,
    /// Shown for ratings 1–3.
    Negative,
}

impl Branch {
    /// The branch of `question`: a question shown by a star rating only at 4–5 is positive,
    /// only at 1–3 negative; any other question has none.
    pub fn of(questionnaire: &Questionnaire, question: &Question) -> Option<Branch> {
        let condition = question.shown_if.as_ref()?;
        let rating = questionnaire.question(&condition.question)?;
        if !matches!(rating.kind, QuestionKind::Stars { .. }) {
            return None;
        }
        if condition.min >= 4 {
            Some(Branch::Positive)
        } else if condition.max <= 3 {
            Some(Branch::Negative)
        } else {
            None
        }
    }

    /// The `data-element` value of the checker's markup contract.
    pub fn data_element(self) -> &'static str {
        match self {
            Branch::Positive => "feedback-rating-positive",
            Branch::Negative => "feedback-rating-negative",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use voce_shared::Locale;

    #[test]
    fn follow_ups_are_named_by_the_direction_of_the_rating_that_shows_them() {
        let form = crate::testing::form("facilita-servizio", Locale::It).expect("form");
        let q = &form.questionnaire;
        let branch = |id: &str| Branch::of(q, q.question(id).expect("question"));
        assert_eq!(branch("difficolta"), Some(Branch::Negative));
        assert_eq!(branch("aspetti-positivi"), Some(Branch::Positive));
        assert_eq!(branch("valutazione"), None);
        assert_eq!(branch("esito"), None);
        assert_eq!(Branch::Negative.data_element(), "feedback-rating-negative");
        assert_eq!(Branch::Positive.data_element(), "feedback-rating-positive");
    }
}
