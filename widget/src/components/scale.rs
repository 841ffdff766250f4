//! A scale from 1 to 5 with labelled ends: five native radio buttons in a fieldset.

use voce_shared::QuestionKind;
use yew::prelude::*;

use super::QuestionProps;
use crate::answers::Reply;

/// The points of a `scale` question.
pub fn scale(props: &QuestionProps) -> Html {
    let QuestionKind::Scale {
        min_label,
        max_label,
    } = &props.question().kind
    else {
        return Html::default();
    };
    let locale = props.locale;
    let value = props.value().and_then(Reply::as_number).unwrap_or(0);
    let name = props.id("");
    let ends_id = props.id("ends");
    let error_id = props.id("err");

    let points = (1..=5u8).map(|n| {
        let digit = ["1", "2", "3", "4", "5"][usize::from(n - 1)];
        let id = props.id(digit);
        let onchange = {
            let props = props.clone();
            Callback::from(move |_: Event| props.answer(Reply::Number(n.into())))
        };
        let end = match n {
            1 => Some(min_label.get(locale)),
            5 => Some(max_label.get(locale)),
            _ => None,
        };
        html! {
            <div class="voce-opt">
                <input
                    type="radio"
                    id={id.clone()}
                    name={name.clone()}
                    value={digit}
                    checked={u64::from(n) == value}
                    disabled={props.disabled()}
                    {onchange}
                />
                <label for={id}>
                    { digit }
                    if let Some(end) = end { <span class="voce-sr">{ " – " }{ end }</span> }
                </label>
            </div>
        }
    });

    html! {
        <fieldset
            class="voce-q"
            hidden={!props.visible()}
            aria-describedby={props.described_by(&error_id)}
        >
            <legend>{ props.question().title.get(locale) }</legend>
            <div class="voce-scale">{ for points }</div>
            <div class="voce-ends" id={ends_id} aria-hidden="true">
                <span>{ "1 = " }{ min_label.get(locale) }</span>
                <span>{ "5 = " }{ max_label.get(locale) }</span>
            </div>
            { props.errors(&error_id) }
        </fieldset>
    }
}
