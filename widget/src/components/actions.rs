//! The buttons under the form: back, next or send, the module's answer and skip, and retry.
//! The primary button is the form's submit button, so Enter in a field does what it does.

use voce_shared::Locale;
use yew::prelude::*;

use crate::hooks::Model;
use crate::i18n::Text;
use crate::machine::{Action, Phase, Screen};

/// Props of [`Actions`].
#[derive(Properties, PartialEq)]
pub struct ActionsProps {
    /// The widget's state.
    pub model: UseReducerHandle<Model>,
    /// The language of the interface.
    pub locale: Locale,
}

/// The button bar.
#[function_component]
pub fn Actions(props: &ActionsProps) -> Html {
    let state = &props.model.0;
    let locale = props.locale;
    let button = |text: Text, action: Action, primary: bool, disabled: bool| {
        let model = props.model.clone();
        let class = if primary {
            "voce-btn voce-primary"
        } else {
            "voce-btn"
        };
        let (kind, onclick) = if primary {
            // The submit event dispatches `Advance`.
            ("submit", None)
        } else {
            (
                "button",
                Some(Callback::from(move |_: MouseEvent| {
                    model.dispatch(action.clone())
                })),
            )
        };
        html! {
            <button type={kind} {class} {disabled} {onclick}>{ text.get(locale) }</button>
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
        (Phase::Ready | Phase::Submitting | Phase::Renewing, Screen::Main(step))
            if step != first =>
        {
            let primary = if step == last && !has_module {
                Text::Send
            } else {
                Text::Next
            };
            html! {
                <>
                    { button(Text::Back, Action::Back, false, busy) }
                    { button(primary, Action::Advance, true, busy) }
                </>
            }
        }
        (Phase::Ready | Phase::Submitting | Phase::Renewing, Screen::Invitation) => html! {
            <>
                { button(Text::AcceptModule, Action::AcceptModule, true, busy) }
                { button(Text::Skip, Action::SkipModule, false, busy) }
            </>
        },
        (Phase::Ready | Phase::Submitting | Phase::Renewing, Screen::Module) => html! {
            <>
                { button(Text::Back, Action::Back, false, busy) }
                { button(Text::Send, Action::Advance, true, busy) }
            </>
        },
        _ => return Html::default(),
    };
    html! { <div class="voce-actions">{ buttons }</div> }
}
