//! The widget's only two requests, both to the collector: fetch the form and its ticket, and
//! send the answers with automatic retries.
//!
//! Requests are `mode: cors` and `credentials: omit`: no cookie is sent or stored, and the
//! browser adds the page's `Origin`, which the collector checks against the body's registered
//! sites.

use std::rc::Rc;

use js_sys::{Date, Math, Promise};
use voce_shared::api::Form;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCredentials, RequestInit, RequestMode, Response};
use yew::Callback;

use crate::action::Action;
use crate::config::Config;
use crate::request_writer::Outgoing;
use crate::response_reader;
use crate::retry::{MAX_ATTEMPTS, Verdict, classify, delay_ms, parse_retry_after_seconds};

/// Fetches the form and a ticket. The error is the HTTP status, or `None` for a network error
/// or a body that is not a form.
pub async fn fetch_form(config: &Config) -> Result<Form, Option<u16>> {
    let init = init("GET");
    let headers = Headers::new().map_err(|_| None)?;
    let _ = headers.set("Accept", "application/json");
    init.set_headers(&headers);
    let response = fetch(&config.form_url(), &init).await.ok_or(None)?;
    let status = response.status();
    if !response.ok() {
        return Err(Some(status));
    }
    let text = body_text(&response).await.ok_or(Some(status))?;
    response_reader::parse(&text)
        .as_ref()
        .and_then(response_reader::form)
        .ok_or(None)
}

/// Sends `outgoing` until it is stored or fails for good, re-sending the same ticket and body
/// after transient failures, and reports each attempt and the outcome through `dispatch`.
pub async fn send(config: Rc<Config>, outgoing: Rc<Outgoing>, dispatch: Callback<Action>) {
    let url = config.responses_url();
    let mut attempt = 1;
    loop {
        dispatch.emit(Action::Attempt(attempt));
        let response = post(&url, &outgoing).await;
        let status = response.as_ref().map(Response::status);
        let verdict = classify(status);
        match (verdict, response) {
            (Verdict::Stored, Some(response)) => {
                let receipt = body_text(&response)
                    .await
                    .and_then(|t| response_reader::parse(&t));
                dispatch.emit(Action::Stored {
                    response_id: receipt
                        .as_ref()
                        .and_then(response_reader::response_id)
                        .unwrap_or_default(),
                });
                return;
            }
            (Verdict::Transient, response) if attempt < MAX_ATTEMPTS => {
                let retry_after = response.as_ref().and_then(retry_after_ms);
                sleep(delay_ms(attempt, retry_after, Math::random())).await;
                attempt += 1;
            }
            (verdict, response) => {
                let mut violations = Vec::new();
                if let (Verdict::Invalid, Some(response)) = (verdict, response)
                    && let Some(problem) = body_text(&response)
                        .await
                        .and_then(|t| response_reader::parse(&t))
                {
                    violations = response_reader::violations(&problem);
                }
                dispatch.emit(Action::SendFailed {
                    verdict,
                    status,
                    violations,
                });
                return;
            }
        }
    }
}

fn init(method: &str) -> RequestInit {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init
}

async fn post(url: &str, outgoing: &Outgoing) -> Option<Response> {
    let init = init("POST");
    let headers = Headers::new().ok()?;
    headers.set("Content-Type", "application/json").ok()?;
    let mut bearer = String::with_capacity(outgoing.ticket.len() + 7);
    bearer.push_str("Bearer ");
    bearer.push_str(&outgoing.ticket);
    headers.set("Authorization", &bearer).ok()?;
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&outgoing.body));
    fetch(url, &init).await
}

async fn fetch(url: &str, init: &RequestInit) -> Option<Response> {
    let window = web_sys::window()?;
    let promise = window.fetch_with_str_and_init(url, init);
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

async fn body_text(response: &Response) -> Option<String> {
    JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()
}

/// The `Retry-After` of a response in milliseconds, in either of its two forms.
fn retry_after_ms(response: &Response) -> Option<u32> {
    let value = response.headers().get("Retry-After").ok()??;
    parse_retry_after_seconds(&value).or_else(|| {
        let at = Date::parse(&value);
        (at.is_finite()).then(|| (at - Date::now()).clamp(0.0, f64::from(u32::MAX)) as u32)
    })
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}
