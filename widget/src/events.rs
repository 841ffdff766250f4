//! The events the widget sends to the host page: `voce:ready`, `voce:submitted`, `voce:error`,
//! and `feedback-submit` in conformance mode, all bubbling from the placement element.
//!
//! Their details carry the service and questionnaire, never the response id: a host page that
//! knows who is logged in could otherwise join a citizen to their anonymous answers.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

use crate::config::Mode;
use crate::notice::Notice;

/// Dispatches the events for `notice` on `host`.
pub fn emit(host: &EventTarget, notice: &Notice, mode: Mode, service: &str, questionnaire: &str) {
    let detail = Object::new();
    set(&detail, "service", &JsValue::from_str(service));
    if !questionnaire.is_empty() {
        set(&detail, "questionnaire", &JsValue::from_str(questionnaire));
    }
    match notice {
        Notice::Ready => dispatch(host, "voce:ready", &detail),
        Notice::Submitted { .. } => {
            dispatch(host, "voce:submitted", &detail);
            if mode == Mode::Comuni {
                dispatch(host, "feedback-submit", &detail);
            }
        }
        Notice::Error { code, status } => {
            set(&detail, "code", &JsValue::from_str(code));
            if let Some(status) = status {
                set(&detail, "status", &JsValue::from(*status));
            }
            dispatch(host, "voce:error", &detail);
        }
    }
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

fn dispatch(host: &EventTarget, name: &str, detail: &Object) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&event);
    }
}
