//! Free text: an `<input type="text">` (the checker's `feedback-input-text`), its hint with a
//! character count, and a warning when the text seems to contain personal data.

use voce_shared::QuestionKind;
use yew::prelude::*;

use super::{QuestionProps, input_value};
use crate::answers::Reply;
use crate::i18n::Text;

/// The text input of a `free-text` question.
pub fn free_text(props: &QuestionProps) -> Html {
    let QuestionKind::FreeText {
        max_chars,
        label,
        hint,
    } = &props.question().kind
    else {
        return Html::default();
    };
    let locale = props.locale;
    let text = props
        .value()
        .and_then(Reply::as_text)
        .unwrap_or_default()
        .to_owned();
    let count = text.chars().count();
    let id = props.id("input");
    let hint_id = props.id("hint");
    let warn_id = props.id("warn");
    let error_id = props.id("err");
    let personal = props.model.0.personal_data_in(&props.question().id);
    let invalid = props.invalid();

    let mut described = hint_id.clone();
    for (on, extra) in [(personal, &warn_id), (invalid, &error_id)] {
        if on {
            described.push(' ');
            described.push_str(extra);
        }
    }
    let oninput = {
        let props = props.clone();
        Callback::from(move |e: InputEvent| props.answer(Reply::Text(input_value(&e))))
    };

    html! {
        <fieldset class="voce-q" hidden={!props.visible()}>
            <legend>{ props.question().title.get(locale) }</legend>
            <label class="voce-label" for={id.clone()}>{ label.get(locale) }</label>
            <input
                class="voce-text"
                type="text"
                id={id}
                data-element="feedback-input-text"
                value={text}
                autocomplete="off"
                spellcheck="true"
                disabled={props.disabled()}
                aria-describedby={described}
                aria-invalid={if invalid { "true" } else { "false" }}
                {oninput}
            />
            <p class="voce-hint" id={hint_id}>
                { hint.get(locale) }
                { " (" }{ count }{ "/" }{ *max_chars }{ ")" }
            </p>
            if personal {
                <p class="voce-warn" id={warn_id}>{ Text::PersonalData.get(locale) }</p>
            }
            { props.errors(&error_id) }
        </fieldset>
    }
}
