//! Hand-written (not serde) for the widget's size budget: reads the collector's HTTP responses.
//!
//! The form of `GET /v1/forms/{service}`, the violations of a `422` problem and the receipt's
//! response id are read from the browser's `JSON.parse` result, without serde's deserializers.
//! The browser already has a JSON parser; walking its result into the shared types costs a
//! fraction of the WebAssembly that `serde_json` plus the derived `Deserialize` impls cost (the
//! widget's size budget is the reason). The walk is tolerant: unknown fields are ignored, and a
//! missing or mistyped required field makes the whole form `None` (shown as a load failure).
//! A browser test checks that it reads back exactly what `serde` writes for every questionnaire.

use js_sys::{Array, JSON, Object, Reflect};
use voce_shared::api::{Form, FormBody, FormService};
use voce_shared::questionnaire::Module;
use voce_shared::{
    ChoiceOption, Condition, Locale, Localized, Question, QuestionKind, Questionnaire,
    QuestionnaireRef, Violation, ViolationCode,
};
use wasm_bindgen::{JsCast, JsValue};

/// Parses JSON text with the browser's parser.
pub fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// Reads the answer of `GET /v1/forms/{service}`.
pub fn form(v: &JsValue) -> Option<Form> {
    let service = field(v, "service");
    let body = field(v, "body");
    let reference = field(v, "questionnaire_ref");
    Some(Form {
        service: FormService {
            id: string(&service, "id")?,
            name: string(&service, "name")?,
            kind: string(&service, "kind")?,
        },
        body: FormBody {
            ipa_code: string(&body, "ipa_code")?,
            name: string(&body, "name")?,
            kind: string(&body, "kind")?,
        },
        locale: locale(&field(v, "locale"))?,
        questionnaire: questionnaire(&field(v, "questionnaire"))?,
        questionnaire_ref: QuestionnaireRef {
            id: string(&reference, "id")?,
            version: number(&reference, "version")?,
            hash: string(&reference, "hash")?,
        },
        ticket: string(v, "ticket")?,
        expires_at: string(v, "expires_at")?,
    })
}

/// Reads the `violations` of an RFC 9457 problem (`422`); unknown codes are skipped.
pub fn violations(v: &JsValue) -> Vec<Violation> {
    items(&field(v, "violations"))
        .filter_map(|item| {
            let code = string(&item, "code")?;
            let code = CODES.into_iter().find(|c| c.as_str() == code)?;
            Some(Violation {
                question: string(&item, "question")?,
                code,
                message: string(&item, "message").unwrap_or_default().into(),
            })
        })
        .collect()
}

/// Reads the `response_id` of a receipt.
pub fn response_id(v: &JsValue) -> Option<String> {
    string(v, "response_id")
}

const CODES: [ViolationCode; 10] = [
    ViolationCode::OutOfRange,
    ViolationCode::NotAnOption,
    ViolationCode::NotShown,
    ViolationCode::Required,
    ViolationCode::TooLong,
    ViolationCode::UnknownQuestion,
    ViolationCode::WrongType,
    ViolationCode::DuplicateOption,
    ViolationCode::TooFew,
    ViolationCode::TooMany,
];

fn questionnaire(v: &JsValue) -> Option<Questionnaire> {
    Some(Questionnaire {
        id: string(v, "id")?,
        version: number(v, "version")?,
        name: localized(&field(v, "name"))?,
        confirmation: localized(&field(v, "confirmation"))?,
        module: optional(v, "module", |m| {
            Some(Module {
                step: number(m, "step")?,
                invitation: localized(&field(m, "invitation"))?,
            })
        })?,
        fallback_locales: items(&field(v, "fallback_locales"))
            .filter_map(|l| locale(&l))
            .collect(),
        questions: items(&field(v, "questions"))
            .map(|q| question(&q))
            .collect::<Option<_>>()?,
    })
}

fn question(v: &JsValue) -> Option<Question> {
    Some(Question {
        id: string(v, "id")?,
        step: number(v, "step")?,
        title: localized(&field(v, "title"))?,
        kind: kind(&field(v, "kind"))?,
        required: field(v, "required").as_bool().unwrap_or(false),
        shown_if: optional(v, "shown_if", |c| {
            Some(Condition {
                question: string(c, "question")?,
                min: number(c, "min")?,
                max: number(c, "max")?,
            })
        })?,
        indicator: string(v, "indicator"),
    })
}

fn kind(v: &JsValue) -> Option<QuestionKind> {
    let text = |name: &str| localized(&field(v, name));
    let options = || {
        items(&field(v, "options"))
            .map(|o| {
                Some(ChoiceOption {
                    id: string(&o, "id")?,
                    label: localized(&field(&o, "label"))?,
                })
            })
            .collect::<Option<Vec<_>>>()
    };
    Some(match string(v, "type")?.as_str() {
        "stars" => QuestionKind::Stars {
            group_label: text("group_label")?,
            star_label: text("star_label")?,
        },
        "scale" => QuestionKind::Scale {
            min_label: text("min_label")?,
            max_label: text("max_label")?,
        },
        "single-choice" => QuestionKind::SingleChoice {
            options: options()?,
        },
        "multiple-choice" => QuestionKind::MultipleChoice {
            options: options()?,
            min: number(v, "min")?,
            max: number(v, "max")?,
        },
        "free-text" => QuestionKind::FreeText {
            max_chars: number(v, "max_chars")?,
            label: text("label")?,
            hint: text("hint")?,
        },
        _ => return None,
    })
}

fn localized(v: &JsValue) -> Option<Localized> {
    let object: &Object = v.dyn_ref()?;
    let mut texts = Localized::default();
    for entry in Object::entries(object).iter() {
        let pair = Array::from(&entry);
        if let (Some(l), Some(text)) = (locale(&pair.get(0)), pair.get(1).as_string()) {
            texts.set(l, text);
        }
    }
    Some(texts)
}

fn locale(v: &JsValue) -> Option<Locale> {
    v.as_string()?.parse().ok()
}

fn field(v: &JsValue, name: &str) -> JsValue {
    if v.is_object() {
        Reflect::get(v, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// An optional object field: `Some(None)` when absent (or not an object), `None` when present but
/// unreadable.
fn optional<T>(
    v: &JsValue,
    name: &str,
    read: impl FnOnce(&JsValue) -> Option<T>,
) -> Option<Option<T>> {
    let object = field(v, name);
    if object.is_object() {
        read(&object).map(Some)
    } else {
        Some(None)
    }
}

fn string(v: &JsValue, name: &str) -> Option<String> {
    field(v, name).as_string()
}

fn number<T: TryFrom<u32>>(v: &JsValue, name: &str) -> Option<T> {
    let n = field(v, name).as_f64()?;
    if n.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&n) {
        return None;
    }
    T::try_from(n as u32).ok()
}

fn items(v: &JsValue) -> impl Iterator<Item = JsValue> {
    let array = if Array::is_array(v) {
        Array::from(v)
    } else {
        Array::new()
    };
    array.into_iter()
}
