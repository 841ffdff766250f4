//! The Yew components of the form, one per file with its `Props` beside it.
//!
//! [`feedback::Feedback`] is the root; it renders each question with [`question::question_view`] of
//! the questionnaire (each switching on the question's kind) and the [`actions::actions`] bar.
//! Components only render the [`crate::machine::State`] and dispatch actions.

pub mod actions;
pub mod choice;
pub mod feedback;
pub mod free_text;
pub mod question;
pub mod scale;
pub mod stars;

use std::rc::Rc;

use voce_shared::api::Form;
use voce_shared::{Locale, Question};
use yew::prelude::*;

use crate::action::Action;
use crate::answers::Reply;
use crate::hooks::Model;

/// What every question component receives: the question, the widget's state and how to change it.
#[derive(Properties, Clone)]
pub struct QuestionProps {
    /// The form the question belongs to.
    pub form: Rc<Form>,
    /// The position of the question in the questionnaire.
    pub index: usize,
    /// The widget's state.
    pub model: UseReducerHandle<Model>,
    /// The language of the interface.
    pub locale: Locale,
    /// The prefix that makes this placement's element ids unique on the page.
    pub prefix: AttrValue,
}

// Compared by identity: comparing questionnaires deeply would cost time and WebAssembly.
impl PartialEq for QuestionProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.form, &other.form)
            && self.index == other.index
            && self.model == other.model
            && self.locale == other.locale
            && self.prefix == other.prefix
    }
}

impl QuestionProps {
    /// The question to render.
    pub fn question(&self) -> &Question {
        &self.form.questionnaire.questions[self.index]
    }

    /// The element id of `suffix` within this question.
    pub fn id(&self, suffix: &str) -> String {
        let mut id = String::with_capacity(self.prefix.len() + self.question().id.len() + 8);
        id.push_str(&self.prefix);
        id.push('-');
        id.push_str(&self.question().id);
        if !suffix.is_empty() {
            id.push('-');
            id.push_str(suffix);
        }
        id
    }

    /// Records an answer to this question.
    pub fn answer(&self, value: Reply) {
        self.model.dispatch(Action::Answer {
            question: self.question().id.clone(),
            value,
        });
    }

    /// The current answer to this question.
    pub fn value(&self) -> Option<&Reply> {
        self.model.0.answers.get(&self.question().id)
    }

    /// Whether the question is on screen.
    pub fn visible(&self) -> bool {
        self.model.0.visible(self.question())
    }

    /// Whether inputs accept changes.
    pub fn disabled(&self) -> bool {
        !self.model.0.editable()
    }

    /// The violations of this question, rendered as messages with `id`.
    pub fn errors(&self, id: &str) -> Html {
        // Joined by hand: `join` is a generic that costs a kilobyte of WebAssembly.
        let mut messages = String::new();
        for v in self.model.0.violations_of(&self.question().id) {
            if !messages.is_empty() {
                messages.push(' ');
            }
            messages.push_str(voce_shared::violation_message(v.code, self.locale));
        }
        if messages.is_empty() {
            return Html::default();
        }
        html! { <p class="voce-err" id={id.to_owned()}>{ messages }</p> }
    }

    /// `aria-describedby` pointing at the messages with `id`, when the question has violations.
    pub fn described_by(&self, id: &str) -> Option<AttrValue> {
        self.invalid().then(|| AttrValue::from(id.to_owned()))
    }

    /// Whether the question has violations.
    pub fn invalid(&self) -> bool {
        self.model
            .0
            .violations_of(&self.question().id)
            .next()
            .is_some()
    }
}

/// What an `<input>` holds after an `input` event.
pub fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}
