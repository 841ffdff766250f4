//! The hosted page's HTML, rendered with askama from `collector/templates/hosted/`: the form at
//! either step (with the error summary and each error next to its field, values kept), the
//! confirmation, and a short message page. Everything is auto-escaped; the page carries no
//! script and no inline style.

use std::collections::BTreeMap;

use askama::Template;
use serde_json::Value;
use voce_shared::questionnaire::{Question, QuestionKind};
use voce_shared::{Locale, Questionnaire, Violation};

use super::form::{self, LOCALE_FIELD, STEP_FIELD, TICKET_FIELD};
use super::i18n::{self, Text};

/// What every page shows around its content.
pub struct Chrome {
    /// `<html lang>`.
    pub lang: &'static str,
    /// The document title.
    pub title: String,
    /// The body's name, in the header.
    pub body_name: String,
    /// The skip link's text.
    pub skip: &'static str,
    /// The language menu's label.
    pub languages_label: &'static str,
    /// The language menu.
    pub languages: Vec<LanguageLink>,
    /// The footer line.
    pub footer: &'static str,
}

/// One entry of the language menu.
pub struct LanguageLink {
    /// Language code.
    pub code: &'static str,
    /// Its name in itself.
    pub name: &'static str,
    /// The page in that language.
    pub href: String,
    /// Whether it is the page's language.
    pub current: bool,
}

/// One option of a choice, rating or scale.
pub struct OptionView {
    /// The input's id.
    pub input_id: String,
    /// The value posted.
    pub value: String,
    /// The accessible label.
    pub label: String,
    /// Stars drawn before the label (hidden from assistive technology), for ratings.
    pub stars: String,
    /// Whether it is checked.
    pub checked: bool,
}

/// One question as the page shows it.
pub struct FieldView {
    /// The question id (the field name).
    pub id: String,
    /// The question.
    pub title: String,
    /// `radio`, `checkbox` or `text`.
    pub control: &'static str,
    /// The options (not for text).
    pub options: Vec<OptionView>,
    /// The text input's label.
    pub text_label: String,
    /// The text input's hint.
    pub hint: String,
    /// The text typed.
    pub value: String,
    /// Most characters of the text.
    pub max_chars: u32,
    /// Whether an answer is required.
    pub required: bool,
    /// The word that marks an optional question.
    pub optional_label: &'static str,
    /// The error, if any.
    pub error: Option<String>,
}

/// A link of the error summary.
pub struct ErrorLink {
    /// `#` and the id of the first input of the field.
    pub href: String,
    /// The question and the message.
    pub text: String,
}

/// The hidden copy of an answer of step 1, carried through step 2.
pub struct HiddenField {
    /// The field name.
    pub name: String,
    /// Its value.
    pub value: String,
}

#[derive(Template)]
#[template(path = "hosted/form.html")]
struct FormPage<'a> {
    chrome: &'a Chrome,
    service_id: &'a str,
    service_name: &'a str,
    intro: &'static str,
    ticket: &'a str,
    ticket_field: &'static str,
    step_field: &'static str,
    locale_field: &'static str,
    step: u8,
    button: &'static str,
    notice: Option<&'static str>,
    error_heading: &'static str,
    errors: Vec<ErrorLink>,
    hidden: Vec<HiddenField>,
    fields: Vec<FieldView>,
    module_heading: Option<String>,
    module_fields: Vec<FieldView>,
    honeypot: &'static str,
    honeypot_label: &'static str,
}

#[derive(Template)]
#[template(path = "hosted/message.html")]
struct MessagePage<'a> {
    chrome: &'a Chrome,
    heading: &'a str,
    message: &'a str,
}

/// What the form page needs.
pub struct FormInput<'a> {
    /// The questionnaire, resolved for the page's locale.
    pub questionnaire: &'a Questionnaire,
    /// The locale.
    pub locale: Locale,
    /// The service's id.
    pub service_id: &'a str,
    /// The service's name.
    pub service_name: &'a str,
    /// The ticket for the hidden field.
    pub ticket: &'a str,
    /// The step to show.
    pub step: u8,
    /// The answers so far.
    pub answers: &'a BTreeMap<String, Value>,
    /// The violations to show.
    pub violations: &'a [Violation],
    /// A message above the form (an expired ticket).
    pub notice: Option<Text>,
}

/// The chrome of a page in `locale`: `query` is what the language links keep of the query string
/// (the channel and the attestation), already encoded, without `locale`.
pub fn chrome(locale: Locale, title: &str, body_name: &str, path: &str, query: &str) -> Chrome {
    Chrome {
        lang: locale.code(),
        title: title.to_owned(),
        body_name: body_name.to_owned(),
        skip: Text::SkipToContent.get(locale),
        languages_label: Text::Languages.get(locale),
        languages: Locale::ALL
            .into_iter()
            .map(|l| LanguageLink {
                code: l.code(),
                name: i18n::language_name(l),
                href: format!("{path}?locale={}{query}", l.code()),
                current: l == locale,
            })
            .collect(),
        footer: Text::Footer.get(locale),
    }
}

/// Renders the form at `input.step`.
pub fn render_form(chrome: &mut Chrome, input: &FormInput<'_>) -> Result<String, askama::Error> {
    let locale = input.locale;
    let q = input.questionnaire;
    let error_of = |id: &str| {
        input
            .violations
            .iter()
            .find(|v| v.question == id)
            .map(|v| voce_shared::violation_message(v.code, locale).to_owned())
    };
    let module_step = q.module.as_ref().map(|m| m.step);
    let mut fields = Vec::new();
    let mut module_fields = Vec::new();
    for question in form::questions_of_step(q, input.step, input.answers) {
        let view = field_view(question, locale, input.answers.get(&question.id), error_of);
        if module_step.is_some_and(|s| question.step >= s) && input.step == 2 {
            module_fields.push(view);
        } else {
            fields.push(view);
        }
    }
    let errors: Vec<ErrorLink> = fields
        .iter()
        .chain(&module_fields)
        .filter_map(|f| {
            let message = f.error.as_ref()?;
            let first_input = f
                .options
                .first()
                .map_or_else(|| f.id.clone(), |o| o.input_id.clone());
            Some(ErrorLink {
                href: format!("#{first_input}"),
                text: format!("{} {message}", f.title),
            })
        })
        .collect();
    if !errors.is_empty() {
        chrome.title = format!("{}: {}", Text::ErrorTitle.get(locale), chrome.title);
    }
    let hidden = if input.step == 2 {
        form::step_one_answers(q, input.answers)
            .into_iter()
            .map(|(name, value)| HiddenField {
                name,
                value: raw_text(&value),
            })
            .collect()
    } else {
        Vec::new()
    };
    FormPage {
        chrome,
        service_id: input.service_id,
        service_name: input.service_name,
        intro: Text::Intro.get(locale),
        ticket: input.ticket,
        ticket_field: TICKET_FIELD,
        step_field: STEP_FIELD,
        locale_field: LOCALE_FIELD,
        step: input.step,
        button: if input.step == 1 {
            Text::Next.get(locale)
        } else {
            Text::Send.get(locale)
        },
        notice: input.notice.map(|t| t.get(locale)),
        error_heading: Text::ErrorSummary.get(locale),
        errors,
        hidden,
        fields,
        module_heading: if module_fields.is_empty() {
            None
        } else {
            q.module
                .as_ref()
                .map(|m| m.invitation.get(locale).to_owned())
        },
        module_fields,
        honeypot: voce_shared::api::HONEYPOT_FIELD,
        honeypot_label: Text::LeaveEmpty.get(locale),
    }
    .render()
}

/// Renders a page with a heading and one message (the confirmation, or a refusal).
pub fn render_message(
    chrome: &Chrome,
    heading: &str,
    message: &str,
) -> Result<String, askama::Error> {
    MessagePage {
        chrome,
        heading,
        message,
    }
    .render()
}

/// An answer as the page writes it back into a field.
fn raw_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn field_view(
    question: &Question,
    locale: Locale,
    answer: Option<&Value>,
    error_of: impl Fn(&str) -> Option<String>,
) -> FieldView {
    let chosen: Vec<String> = match answer {
        Some(Value::Array(items)) => items.iter().map(raw_text).collect(),
        Some(v) => vec![raw_text(v)],
        None => Vec::new(),
    };
    let option = |value: String, label: String, stars: String| OptionView {
        input_id: format!("{}-{value}", question.id),
        checked: chosen.contains(&value),
        value,
        label,
        stars,
    };
    let mut view = FieldView {
        id: question.id.clone(),
        title: question.title.get(locale).to_owned(),
        control: "radio",
        options: Vec::new(),
        text_label: String::new(),
        hint: String::new(),
        value: String::new(),
        max_chars: 0,
        required: question.required,
        optional_label: Text::Optional.get(locale),
        error: error_of(&question.id),
    };
    match &question.kind {
        QuestionKind::Stars { star_label, .. } => {
            let template = star_label.get(locale);
            view.options = (voce_shared::questionnaire::SCALE_MIN
                ..=voce_shared::questionnaire::SCALE_MAX)
                .map(|n| {
                    option(
                        n.to_string(),
                        template.replace("{n}", &n.to_string()),
                        "★".repeat(usize::from(n)),
                    )
                })
                .collect();
        }
        QuestionKind::Scale {
            min_label,
            max_label,
        } => {
            let (lo, hi) = (
                voce_shared::questionnaire::SCALE_MIN,
                voce_shared::questionnaire::SCALE_MAX,
            );
            view.options = (lo..=hi)
                .map(|n| {
                    let label = if n == lo {
                        format!("{n} — {}", min_label.get(locale))
                    } else if n == hi {
                        format!("{n} — {}", max_label.get(locale))
                    } else {
                        n.to_string()
                    };
                    option(n.to_string(), label, String::new())
                })
                .collect();
        }
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options, .. } => {
            if matches!(question.kind, QuestionKind::MultipleChoice { .. }) {
                view.control = "checkbox";
            }
            view.options = options
                .iter()
                .map(|o| option(o.id.clone(), o.label.get(locale).to_owned(), String::new()))
                .collect();
        }
        QuestionKind::FreeText {
            max_chars,
            label,
            hint,
        } => {
            view.control = "text";
            view.text_label = label.get(locale).to_owned();
            view.hint = hint.get(locale).to_owned();
            view.value = chosen.into_iter().next().unwrap_or_default();
            view.max_chars = *max_chars;
        }
    }
    view
}
