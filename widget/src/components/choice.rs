//! A single or multiple choice: native radio buttons or checkboxes in a fieldset whose legend is
//! the question. A follow-up of the rating carries the checker's markup
//! (`feedback-rating-positive`/`-negative`, `feedback-rating-question`, `feedback-rating-answer`).

use voce_shared::QuestionKind;
use yew::prelude::*;

use super::QuestionProps;
use crate::answers::Reply;
use crate::branch::Branch;

/// The options of a `single-choice` or `multiple-choice` question.
pub fn choice(props: &QuestionProps) -> Html {
    let (options, multiple) = match &props.question().kind {
        QuestionKind::SingleChoice { options } => (options, false),
        QuestionKind::MultipleChoice { options, .. } => (options, true),
        _ => return Html::default(),
    };
    let locale = props.locale;
    let branch = props
        .model
        .0
        .questionnaire()
        .and_then(|q| Branch::of(q, props.question()));
    let error_id = props.id("err");
    let name = props.id("");
    let chosen: Vec<&str> = match props.value() {
        Some(Reply::Text(s)) => vec![s.as_str()],
        Some(Reply::List(items)) => items.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    };

    let items = options.iter().map(|option| {
        let id = props.id(&option.id);
        let checked = chosen.contains(&option.id.as_str());
        let onchange = {
            let props = props.clone();
            let option = option.id.clone();
            Callback::from(move |_: Event| {
                if multiple {
                    let mut ids: Vec<String> = match props.value() {
                        Some(Reply::List(items)) => items.clone(),
                        _ => Vec::new(),
                    };
                    match ids.iter().position(|v| *v == option) {
                        Some(i) => {
                            ids.remove(i);
                        }
                        None => ids.push(option.clone()),
                    }
                    props.answer(Reply::List(ids));
                } else {
                    props.answer(Reply::Text(option.clone()));
                }
            })
        };
        html! {
            <div class="voce-opt">
                <input
                    type={if multiple { "checkbox" } else { "radio" }}
                    id={id.clone()}
                    name={name.clone()}
                    value={option.id.clone()}
                    {checked}
                    disabled={props.disabled()}
                    {onchange}
                />
                <label for={id} data-element={branch.map(|_| "feedback-rating-answer")}>
                    { option.label.get(locale) }
                </label>
            </div>
        }
    });

    html! {
        <fieldset
            class="voce-q"
            hidden={!props.visible()}
            data-element={branch.map(Branch::data_element)}
            aria-describedby={props.described_by(&error_id)}
        >
            <legend data-element={branch.map(|_| "feedback-rating-question")}>
                { props.question().title.get(locale) }
            </legend>
            { for items }
            { props.errors(&error_id) }
        </fieldset>
    }
}
