//! One question, rendered by the component for its kind.

use voce_shared::QuestionKind;
use yew::prelude::*;

use super::QuestionProps;
use super::choice::Choice;
use super::free_text::FreeText;
use super::scale::Scale;
use super::stars::Stars;

/// Renders a question with the component for its kind (a plain function rather than a
/// component of its own: one component less is a few hundred bytes of WebAssembly less).
pub fn question_view(props: QuestionProps) -> Html {
    match props.question().kind {
        QuestionKind::Stars { .. } => html! { <Stars ..props /> },
        QuestionKind::Scale { .. } => html! { <Scale ..props /> },
        QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => {
            html! { <Choice ..props /> }
        }
        QuestionKind::FreeText { .. } => html! { <FreeText ..props /> },
    }
}
