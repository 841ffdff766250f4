//! The buttons under the form: back, next or send, the module's answer and skip, and retry.
//! The primary button is the form's submit button, so Enter in a field does what it does.

use voce_shared::Locale;
use yew::prelude::*;

use crate::action::Action;
use crate::hooks::Model;
use crate::i18n::Text;
use crate::phase::{Phase, Screen};

/// What [`actions`] renders from.
pub struct ActionsProps {
    /// The widget's state.
    pub model: UseReducerHandle<Model>,
    /// The language of the interface.
    pub locale: Locale,
}

/// The button bar (a plain function rather than a component: it has no state of its own, and a
/// component costs over a kilobyte of Yew's generic code in WebAssembly).
pub fn actions(props: &ActionsProps) -> Html {
    let state = &props.model.0;
    let locale = props.locale;
    let button = |text: Text, action: Action, primary: bool, disabled: bool| {
        // Literal classes only: a computed `class` goes through Yew's `Classes`, a set of class
        // names that costs over a kilobyte of WebAssembly.
        if primary {
            // The submit event dispatches `Advance`.
            html! {
                <button type="submit" class="voce-btn voce-primary" {disabled}>{ text.get(locale) }</button>
            }
        } else {
            let model = props.model.clone();
            let onclick = Callback::from(move |_: MouseEvent| model.dispatch(action.clone()));
            html! {
                <button type="button" class="voce-btn" {disabled} {onclick}>{ text.get(locale) }</button>
            }
        }
    };

    let steps = state.main_steps();
    let first = steps.first().copied().unwrap_or(1);
    let last = steps.last().copied().unwrap_or(1);
    let has_module = state.module_step().is_some();
    let busy = matches!(state.phase, Phase::Submitting | Phase::Renewing);

    let buttons = match (state.phase, state.screen) {
        (Phase::LoadFailed, _) => {
            html! { { button(Text::Retry, Action::Retry, false, false) } }
        }
        (Phase::Failed(_), _) => html! { { button(Text::Retry, Action::Retry, true, false) } },
        (Phase::Ready | Phase::Submitting | Phase::Renewing, screen) => {
            // Two buttons, in reading order: (text, action, whether primary).
            let pair = match screen {
                Screen::Main(step) if step != first => {
                    let primary = if step == last && !has_module {
                        Text::Send
                    } else {
                        Text::Next
                    };
                    [
                        (Text::Back, Action::Back, false),
                        (primary, Action::Advance, true),
                    ]
                }
                Screen::Main(_) => return Html::default(),
                Screen::Invitation => [
                    (Text::AcceptModule, Action::AcceptModule, true),
                    (Text::Skip, Action::SkipModule, false),
                ],
                Screen::Module => [
                    (Text::Back, Action::Back, false),
                    (Text::Send, Action::Advance, true),
                ],
            };
            html! { <>{ for pair.map(|(text, action, primary)| button(text, action, primary, busy)) }</> }
        }
        _ => return Html::default(),
    };
    html! { <div class="voce-actions">{ buttons }</div> }
}
