//! One question, rendered by the component for its kind.

use voce_shared::QuestionKind;
use yew::prelude::*;

use super::QuestionProps;
use super::choice::choice;
use super::free_text::free_text;
use super::scale::scale;
use super::stars::stars;

/// Renders a question with the view for its kind. Plain functions rather than components: none
/// has state of its own, and every change of the model re-renders them all anyway, while each
/// component costs well over a kilobyte of Yew's generic code in WebAssembly.
pub fn question_view(props: QuestionProps) -> Html {
    match props.question().kind {
        QuestionKind::Stars { .. } => stars(&props),
        QuestionKind::Scale { .. } => scale(&props),
        QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => choice(&props),
        QuestionKind::FreeText { .. } => free_text(&props),
    }
}
