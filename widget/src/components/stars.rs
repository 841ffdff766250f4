//! The star rating: five native radio inputs named "Valuta N stelle su 5", each with a visible
//! star that carries the checker's `data-element="feedback-rate-N"`. The chosen state shows as
//! filled stars against outlined ones (shape, not only colour).

use voce_shared::QuestionKind;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use super::QuestionProps;
use crate::answers::Reply;
use crate::i18n::star_label;

const STAR: &str = "M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z";

/// The star rating of a `stars` question.
pub fn stars(props: &QuestionProps) -> Html {
    let QuestionKind::Stars {
        group_label,
        star_label: template,
    } = &props.question().kind
    else {
        return Html::default();
    };
    let locale = props.locale;
    let rating = props.value().and_then(Reply::as_number).unwrap_or(0);
    let name = props.id("");
    let error_id = props.id("err");
    let disabled = props.disabled();

    let stars = (1..=5u8).map(|n| {
        let id = props.id(n_str(n));
        let onchange = {
            let props = props.clone();
            Callback::from(move |_: Event| props.answer(Reply::Number(n.into())))
        };
        let onkeydown = {
            let props = props.clone();
            Callback::from(move |e: KeyboardEvent| {
                // The radio group's own arrow-key behaviour, done here so it is identical in every
                // browser and observable in tests: move to the next star, wrapping, and choose it.
                let next = match e.key().as_str() {
                    "ArrowRight" | "ArrowDown" => n % 5 + 1,
                    "ArrowLeft" | "ArrowUp" => (n + 3) % 5 + 1,
                    _ => return,
                };
                e.prevent_default();
                props.answer(Reply::Number(next.into()));
                let input: HtmlInputElement = e.target_unchecked_into();
                let target = input
                    .parent_element()
                    .and_then(|row| row.query_selector(selector(next)).ok().flatten())
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok());
                if let Some(target) = target {
                    let _ = target.focus();
                }
            })
        };
        // Literal classes only: a computed `class` goes through Yew's `Classes`, a set of class
        // names that costs over a kilobyte of WebAssembly.
        let rate = RATE[usize::from(n - 1)];
        let face = html! {
            <>
                <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d={STAR} /></svg>
                <span class="voce-sr">{ star_label(template.get(locale), n) }</span>
            </>
        };
        let label = if u64::from(n) <= rating {
            html! { <label for={id.clone()} class="voce-star voce-on" data-element={rate}>{ face }</label> }
        } else {
            html! { <label for={id.clone()} class="voce-star" data-element={rate}>{ face }</label> }
        };
        html! {
            <>
                <input
                    class="voce-sr"
                    type="radio"
                    id={id}
                    name={name.clone()}
                    value={n_str(n)}
                    checked={u64::from(n) == rating}
                    {disabled}
                    aria-describedby={props.described_by(&error_id)}
                    {onchange}
                    {onkeydown}
                />
                { label }
            </>
        }
    });

    html! {
        <fieldset class="voce-q" hidden={!props.visible()}>
            <legend class="voce-sr">{ group_label.get(locale) }</legend>
            <div class="voce-stars">{ for stars }</div>
            { props.errors(&error_id) }
        </fieldset>
    }
}

const RATE: [&str; 5] = [
    "feedback-rate-1",
    "feedback-rate-2",
    "feedback-rate-3",
    "feedback-rate-4",
    "feedback-rate-5",
];

fn n_str(n: u8) -> &'static str {
    ["1", "2", "3", "4", "5"][usize::from(n.clamp(1, 5) - 1)]
}

fn selector(n: u8) -> &'static str {
    [
        "input[value='1']",
        "input[value='2']",
        "input[value='3']",
        "input[value='4']",
        "input[value='5']",
    ][usize::from(n.clamp(1, 5) - 1)]
}
