//! The root component: the form element with the checker's `data-element="feedback"`, the
//! title, the questions, the honeypot, the buttons and the single status region.

use std::rc::Rc;

use voce_shared::api::Form;
use web_sys::EventTarget;
use yew::prelude::*;

use super::actions::{ActionsProps, actions};
use super::question::question_view;
use super::{QuestionProps, input_value};
use crate::action::Action;
use crate::config::Config;
use crate::hooks::use_feedback;
use crate::i18n::Text;
use crate::phase::{Failure, Phase, Screen};

/// Props of [`Feedback`].
#[derive(Properties)]
pub struct FeedbackProps {
    /// The placement's configuration.
    pub config: Rc<Config>,
    /// The form when already known (tests); `None` fetches it from the collector.
    #[prop_or_default]
    pub form: Option<Rc<Form>>,
    /// The placement element, where events are dispatched.
    pub host: EventTarget,
    /// The prefix that makes this placement's element ids unique on the page.
    pub prefix: AttrValue,
}

// Compared by identity: comparing questionnaires deeply would cost time and WebAssembly.
impl PartialEq for FeedbackProps {
    fn eq(&self, other: &Self) -> bool {
        let same_form = match (&self.form, &other.form) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        Rc::ptr_eq(&self.config, &other.config)
            && same_form
            && self.host == other.host
            && self.prefix == other.prefix
    }
}

/// The feedback form.
#[function_component]
pub fn Feedback(props: &FeedbackProps) -> Html {
    let model = use_feedback(props.config.clone(), props.form.clone(), props.host.clone());
    let locale = props.config.locale;
    let state = &model.0;

    let onsubmit = {
        let model = model.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            model.dispatch(Action::Advance);
        })
    };
    let onhoneypot = {
        let model = model.clone();
        Callback::from(move |e: InputEvent| model.dispatch(Action::Honeypot(input_value(&e))))
    };

    let status: &str = match state.phase {
        Phase::Done => state
            .questionnaire()
            .map(|q| q.confirmation.get(locale))
            .unwrap_or_default(),
        Phase::Submitting | Phase::Renewing => Text::Sending.get(locale),
        Phase::Failed(Failure::Network) => Text::NetworkFailed.get(locale),
        Phase::Failed(Failure::Expired) => Text::Expired.get(locale),
        Phase::Failed(Failure::Refused) => Text::Refused.get(locale),
        Phase::Unavailable => Text::Unavailable.get(locale),
        Phase::LoadFailed => Text::LoadFailed.get(locale),
        Phase::Ready if !state.violations.is_empty() => Text::Invalid.get(locale),
        _ => "",
    };

    let body = match &state.form {
        Some(form) if state.phase != Phase::Done => {
            let questionnaire = &form.questionnaire;
            let title = questionnaire
                .questions
                .first()
                .map(|q| q.title.get(locale))
                .unwrap_or_default();
            let invitation = questionnaire
                .module
                .as_ref()
                .filter(|_| state.screen == Screen::Invitation)
                .map(|m| html! { <p class="voce-legend">{ m.invitation.get(locale) }</p> });
            html! {
                <>
                    <h2 class="voce-title" data-element="feedback-title">{ title }</h2>
                    { for (0..questionnaire.questions.len()).map(|index| question_view(QuestionProps {
                        form: form.clone(),
                        index,
                        model: model.clone(),
                        locale,
                        prefix: props.prefix.clone(),
                    })) }
                    { invitation }
                    <div class="voce-hp" aria-hidden="true">
                        <label>
                            { "Website" }
                            <input
                                type="text"
                                name={voce_shared::api::HONEYPOT_FIELD}
                                tabindex="-1"
                                autocomplete="off"
                                value={state.honeypot.clone()}
                                oninput={onhoneypot}
                            />
                        </label>
                    </div>
                </>
            }
        }
        _ if state.phase == Phase::Loading => {
            html! { <p class="voce-hint">{ Text::Loading.get(locale) }</p> }
        }
        _ => Html::default(),
    };

    html! {
        <form
            class="voce"
            data-element="feedback"
            data-theme={props.config.theme.code()}
            lang={locale.code()}
            novalidate=true
            aria-busy={if matches!(state.phase, Phase::Loading) { "true" } else { "false" }}
            {onsubmit}
        >
            { body }
            { actions(&ActionsProps { model: model.clone(), locale }) }
            <div class="voce-status" role="status" aria-live="polite">{ status }</div>
        </form>
    }
}
