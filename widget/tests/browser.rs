//! Browser tests of the widget in headless Chromium (`cargo test -p voce-widget --target
//! wasm32-unknown-unknown`): rendering in both modes, the branch, the keyboard, the national
//! checker's markup contract, the personal-data warning, and sending with retries against a
//! fake `fetch` (no network).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Array, Function, Reflect};
use voce_shared::Locale;
use voce_widget::config::{Config, Mode, Theme};
use voce_widget::i18n::Text;
use voce_widget::{Mounted, mount_with, testing};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{
    Element, Event, EventInit, HtmlDocument, HtmlElement, HtmlInputElement, KeyboardEvent,
    KeyboardEventInit,
};

wasm_bindgen_test_configure!(run_in_browser);

const CLARITY: &str = "Quanto sono chiare le informazioni su questa pagina?";

struct Widget {
    host: HtmlElement,
    mounted: Option<Mounted>,
}

impl Widget {
    async fn mount(questionnaire: &str, locale: Locale, mode: Mode) -> Widget {
        let host = Widget::host();
        Widget::mount_on(host, questionnaire, locale, mode).await
    }

    fn host() -> HtmlElement {
        let document = document();
        let host: HtmlElement = document
            .create_element("voce-feedback")
            .expect("an element")
            .dyn_into()
            .expect("an HTML element");
        document
            .body()
            .expect("a body")
            .append_child(&host)
            .expect("appended");
        host
    }

    async fn mount_on(
        host: HtmlElement,
        questionnaire: &str,
        locale: Locale,
        mode: Mode,
    ) -> Widget {
        let config = Config {
            service: "inps-naspi".into(),
            collector: "https://collector.test".into(),
            locale,
            mode,
            theme: Theme::Light,
            attestation: None,
        };
        let form = testing::form(questionnaire, locale).expect("a catalog questionnaire");
        let mounted = mount_with(&host, config, Some(form)).expect("mounted");
        settle().await;
        Widget {
            host,
            mounted: Some(mounted),
        }
    }

    fn root(&self) -> &Element {
        &self.mounted.as_ref().expect("mounted").root
    }

    fn find(&self, selector: &str) -> Element {
        self.root()
            .query_selector(selector)
            .expect("a valid selector")
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self
            .root()
            .query_selector_all(selector)
            .expect("a valid selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into().ok())
            .collect()
    }

    fn rate(&self, n: u8) -> Element {
        self.find(&format!("[data-element='feedback-rate-{n}']"))
    }

    fn star_input(&self, n: u8) -> HtmlInputElement {
        self.find(&format!(".voce-stars input[value='{n}']"))
            .dyn_into()
            .expect("an input")
    }

    async fn click(&self, element: &Element) {
        element.dyn_ref::<HtmlElement>().expect("clickable").click();
        settle().await;
    }

    async fn submit(&self) {
        self.click(&self.find("button[type=submit]")).await;
    }

    fn status(&self) -> String {
        self.find("[role=status]")
            .text_content()
            .unwrap_or_default()
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        if let Some(mounted) = self.mounted.take() {
            mounted.unmount();
        }
        self.host.remove();
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("a window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("a timer");
    });
    JsFuture::from(promise).await.expect("the timer fires");
}

async fn settle() {
    yew::scheduler::flush().await;
    sleep(0).await;
    yew::scheduler::flush().await;
}

/// Waits until `done` holds, for at most `ms` milliseconds.
async fn eventually(ms: i32, done: impl Fn() -> bool) -> bool {
    let mut waited = 0;
    while !done() {
        if waited >= ms {
            return false;
        }
        sleep(20).await;
        yew::scheduler::flush().await;
        waited += 20;
    }
    true
}

fn display(element: &Element) -> String {
    web_sys::window()
        .expect("a window")
        .get_computed_style(element)
        .expect("computed style")
        .expect("a style declaration")
        .get_property_value("display")
        .expect("display")
}

/// The checker's notion of visible: displayed, not hidden, not transparent, with a box.
fn visible(element: &Element) -> bool {
    let style = web_sys::window()
        .expect("a window")
        .get_computed_style(element)
        .expect("computed style")
        .expect("a style declaration");
    let get = |p: &str| style.get_property_value(p).unwrap_or_default();
    let rect = element.get_bounding_client_rect();
    get("display") != "none"
        && get("visibility") != "hidden"
        && get("opacity") != "0"
        && rect.width() > 0.0
        && rect.height() > 0.0
}

fn text(element: &Element) -> String {
    element.text_content().unwrap_or_default().trim().to_owned()
}

fn count_events(target: &HtmlElement, name: &str) -> Rc<Cell<u32>> {
    let count = Rc::new(Cell::new(0));
    let seen = count.clone();
    let listener = Closure::<dyn FnMut(Event)>::new(move |_| seen.set(seen.get() + 1));
    target
        .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
        .expect("a listener");
    listener.forget();
    count
}

fn options(questionnaire: &str, question: &str) -> Vec<String> {
    let form = testing::form(questionnaire, Locale::It).expect("form");
    match &form
        .questionnaire
        .question(question)
        .expect("question")
        .kind
    {
        voce_shared::QuestionKind::SingleChoice { options } => options
            .iter()
            .map(|o| o.label.get(Locale::It).to_lowercase())
            .collect(),
        _ => Vec::new(),
    }
}

#[wasm_bindgen_test]
async fn isolated_mode_renders_in_an_open_shadow_root_styled_by_an_adopted_sheet() {
    let widget = Widget::mount("chiarezza-pagina", Locale::It, Mode::Isolated).await;
    let shadow = widget.host.shadow_root().expect("a shadow root");
    assert_eq!(shadow.mode(), web_sys::ShadowRootMode::Open);
    let sheets = Reflect::get(&shadow, &"adoptedStyleSheets".into()).expect("sheets");
    assert_eq!(Array::from(&sheets).length(), 1);
    assert_eq!(
        text(&widget.find("[data-element='feedback-title']")),
        CLARITY
    );
    assert!(
        widget
            .host
            .query_selector("[data-element]")
            .expect("query")
            .is_none(),
        "nothing leaks into the light DOM"
    );
    assert!(visible(&widget.rate(1)), "the stars are styled and visible");
    assert_eq!(
        display(&widget.find("[data-element='feedback-rating-negative']")),
        "none"
    );
}

#[wasm_bindgen_test]
async fn conformance_mode_renders_the_checker_markup_in_the_light_dom() {
    let widget = Widget::mount("chiarezza-pagina", Locale::It, Mode::Comuni).await;
    assert!(widget.host.shadow_root().is_none());
    let in_page = |s: &str| widget.host.query_selector_all(s).expect("query").length();
    assert_eq!(in_page("[data-element='feedback']"), 1);
    assert_eq!(in_page("[data-element='feedback-title']"), 1);
    assert_eq!(
        text(&widget.find("[data-element='feedback-title']")),
        CLARITY
    );
    for n in 1..=5 {
        assert_eq!(in_page(&format!("[data-element='feedback-rate-{n}']")), 1);
        assert!(
            visible(&widget.rate(n)),
            "star {n} is visible and clickable"
        );
    }
    for branch in ["positive", "negative"] {
        let selector = format!("[data-element='feedback-rating-{branch}']");
        assert_eq!(in_page(&selector), 1, "{branch} is present from the start");
        let fieldset = widget.find(&selector);
        assert_eq!(fieldset.tag_name(), "FIELDSET");
        assert!(!visible(&fieldset), "{branch} is hidden before a rating");
    }
    assert_eq!(in_page("[data-element='feedback-input-text']"), 1);
    let input = widget.find("[data-element='feedback-input-text']");
    assert_eq!(input.tag_name(), "INPUT");
    assert_eq!(input.get_attribute("type").as_deref(), Some("text"));
    let sheets = Reflect::get(&document(), &"adoptedStyleSheets".into()).expect("sheets");
    assert!(
        Array::from(&sheets).length() >= 1,
        "styles come from an adopted sheet"
    );
}

#[wasm_bindgen_test]
async fn clicking_each_star_shows_the_branch_the_national_checker_expects() {
    let widget = Widget::mount("chiarezza-pagina", Locale::It, Mode::Comuni).await;
    let positive = widget.find("[data-element='feedback-rating-positive']");
    let negative = widget.find("[data-element='feedback-rating-negative']");
    for n in 1..=5u8 {
        widget.click(&widget.rate(n)).await;
        let (shown, hidden, question) = if n <= 3 {
            (&negative, &positive, "difficolta")
        } else {
            (&positive, &negative, "aspetti-positivi")
        };
        assert!(visible(shown), "rating {n} shows its follow-up");
        assert!(!visible(hidden), "rating {n} hides the other follow-up");
        let title = shown
            .query_selector("[data-element='feedback-rating-question']")
            .expect("query")
            .expect("a question");
        let form = testing::form("chiarezza-pagina", Locale::It).expect("form");
        let expected = form.questionnaire.question(question).expect("question");
        assert_eq!(text(&title), expected.title.get(Locale::It));
        let answers = shown
            .query_selector_all("[data-element='feedback-rating-answer']")
            .expect("query");
        assert_eq!(answers.length(), 5);
        let allowed = options("chiarezza-pagina", question);
        for i in 0..answers.length() {
            let answer = answers
                .item(i)
                .and_then(|n| n.text_content())
                .unwrap_or_default();
            assert!(
                allowed.contains(&answer.trim().to_lowercase()),
                "{answer:?}"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn the_stars_are_radios_named_for_screen_readers_and_filled_up_to_the_choice() {
    let widget = Widget::mount("chiarezza-pagina", Locale::It, Mode::Isolated).await;
    let legend = widget
        .find(".voce-stars")
        .parent_element()
        .expect("fieldset");
    assert_eq!(legend.tag_name(), "FIELDSET");
    for n in 1..=5u8 {
        let input = widget.star_input(n);
        assert_eq!(input.type_(), "radio");
        let label = widget.rate(n);
        assert_eq!(label.get_attribute("for"), Some(input.id()));
        assert_eq!(text(&label), format!("Valuta {n} stelle su 5"));
        let rect = label.get_bounding_client_rect();
        assert!(
            rect.width() >= 24.0 && rect.height() >= 24.0,
            "target of star {n}"
        );
    }
    widget.click(&widget.rate(3)).await;
    assert!(widget.star_input(3).checked());
    let filled = widget.all(".voce-star.voce-on").len();
    assert_eq!(filled, 3, "three stars are drawn filled, two outlined");
}

#[wasm_bindgen_test]
async fn arrow_keys_move_between_the_stars_and_choose_them() {
    let widget = Widget::mount("chiarezza-pagina", Locale::It, Mode::Comuni).await;
    let press = |n: u8, key: &str| {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event =
            KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("an event");
        widget
            .star_input(n)
            .dispatch_event(&event)
            .expect("dispatched");
        event.default_prevented()
    };
    widget.click(&widget.rate(3)).await;
    widget.star_input(3).focus().expect("focus");
    assert!(press(3, "ArrowRight"), "the browser's own move is replaced");
    settle().await;
    assert!(widget.star_input(4).checked());
    let active = document().active_element().expect("focus");
    assert_eq!(active.id(), widget.star_input(4).id());
    assert!(visible(
        &widget.find("[data-element='feedback-rating-positive']")
    ));

    press(4, "ArrowLeft");
    settle().await;
    press(3, "ArrowUp");
    settle().await;
    press(2, "ArrowLeft");
    settle().await;
    assert!(widget.star_input(1).checked());
    press(1, "ArrowLeft");
    settle().await;
    assert!(
        widget.star_input(5).checked(),
        "arrows wrap around like a radio group"
    );
    assert!(!press(5, "Tab"), "other keys keep their default");
}

#[wasm_bindgen_test]
async fn personal_data_in_the_details_shows_a_warning_tied_to_the_input() {
    let widget = Widget::mount("chiarezza-pagina", Locale::It, Mode::Isolated).await;
    widget.click(&widget.rate(2)).await;
    widget.submit().await;
    let input: HtmlInputElement = widget
        .find("[data-element='feedback-input-text']")
        .dyn_into()
        .expect("an input");
    assert!(visible(&input), "step 3 is on screen");
    assert!(widget.all(".voce-warn").is_empty());
    input.set_value("Scrivetemi a mario.rossi@example.com");
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).expect("event"))
        .expect("dispatched");
    settle().await;
    let warning = widget.find(".voce-warn");
    assert_eq!(text(&warning), Text::PersonalData.get(Locale::It));
    let described = input.get_attribute("aria-describedby").unwrap_or_default();
    assert!(described.split(' ').any(|id| id == warning.id()));
    assert_eq!(input.value(), "Scrivetemi a mario.rossi@example.com");
}

#[wasm_bindgen_test]
async fn the_interface_speaks_the_placements_language() {
    let widget = Widget::mount("facilita-servizio", Locale::En, Mode::Isolated).await;
    assert_eq!(
        text(&widget.find("[data-element='feedback-title']")),
        "How easy was it to use this service?"
    );
    assert_eq!(text(&widget.rate(2)), "Rate 2 stars out of 5");
    widget.click(&widget.rate(5)).await;
    assert_eq!(text(&widget.find("button[type=submit]")), "Next");
    assert_eq!(text(&widget.find("button[type=button]")), "Back");
    assert_eq!(
        widget.find("form").get_attribute("lang").as_deref(),
        Some("en")
    );
}

#[wasm_bindgen_test]
async fn the_module_is_offered_after_step_three_and_skipping_it_keeps_the_answers() {
    let widget = Widget::mount("facilita-servizio", Locale::It, Mode::Isolated).await;
    widget.click(&widget.rate(4)).await;
    widget.submit().await;
    widget.submit().await;
    assert!(
        widget
            .root()
            .text_content()
            .unwrap_or_default()
            .contains("Hai ancora un minuto?"),
        "the invitation is shown"
    );
    assert_eq!(text(&widget.find("button[type=submit]")), "Rispondi");
    widget.submit().await;
    let esito = widget.find("input[value='in-parte']");
    assert!(visible(&esito), "the module's questions are on screen");
    assert!(widget.star_input(4).checked(), "the rating is still there");
}

#[wasm_bindgen_test]
async fn no_element_of_the_widget_carries_an_inline_style() {
    for mode in [Mode::Isolated, Mode::Comuni] {
        let widget = Widget::mount("facilita-servizio", Locale::It, mode).await;
        widget.click(&widget.rate(1)).await;
        widget.submit().await;
        assert!(widget.all("[style]").is_empty(), "{mode:?}");
    }
}

/// Replaces `fetch` with a fake answering `replies` (status, Retry-After, body) in turn and
/// recording each call; returns the fake and the original.
fn fake_fetch(replies: &str) -> (JsValue, JsValue) {
    let source = format!(
        "const replies = {replies};
         const calls = [];
         const fake = function (url, init) {{
           calls.push({{ url: String(url), method: init.method, mode: init.mode,
             credentials: init.credentials, body: init.body,
             auth: new Headers(init.headers).get('Authorization') }});
           const r = replies[Math.min(calls.length, replies.length) - 1];
           const headers = r[1] === null ? {{}} : {{ 'Retry-After': r[1] }};
           return Promise.resolve(new Response(r[2], {{ status: r[0], headers }}));
         }};
         fake.calls = calls;
         return fake;"
    );
    let fake = Function::new_no_args(&source)
        .call0(&JsValue::NULL)
        .expect("the fake fetch");
    let window = web_sys::window().expect("a window");
    let original = Reflect::get(&window, &"fetch".into()).expect("fetch");
    Reflect::set(&window, &"fetch".into(), &fake).expect("replaced");
    (fake, original)
}

fn restore_fetch(original: &JsValue) {
    let window = web_sys::window().expect("a window");
    Reflect::set(&window, &"fetch".into(), original).expect("restored");
}

fn calls(fake: &JsValue) -> Vec<JsValue> {
    Array::from(&Reflect::get(fake, &"calls".into()).expect("calls")).to_vec()
}

fn call_field(call: &JsValue, name: &str) -> String {
    Reflect::get(call, &name.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

async fn answer_clarity_and_send(widget: &Widget) {
    widget.click(&widget.rate(2)).await;
    widget
        .click(&widget.find("input[value='problemi-tecnici']"))
        .await;
    widget.submit().await;
    widget.submit().await;
}

#[wasm_bindgen_test]
async fn transient_failures_are_retried_with_the_same_ticket_and_body_and_success_is_announced_once()
 {
    let (fake, original) = fake_fetch(
        r#"[[503, "0", "{\"type\":\"/problems/unavailable\",\"title\":\"x\",\"status\":503}"],
            [201, null, "{\"response_id\":\"r-1\",\"received_at\":\"2030-01-01T00:00:00Z\"}"]]"#,
    );
    let host = Widget::host();
    let ready = count_events(&host, "voce:ready");
    let submitted = count_events(&host, "voce:submitted");
    let legacy = count_events(&host, "feedback-submit");
    let widget = Widget::mount_on(host, "chiarezza-pagina", Locale::It, Mode::Comuni).await;
    assert_eq!(ready.get(), 1);
    answer_clarity_and_send(&widget).await;
    let confirmation = "Grazie, il tuo parere ci aiuterà a migliorare il servizio!";
    let done = eventually(4000, || widget.status().trim() == confirmation).await;
    restore_fetch(&original);
    assert!(
        done,
        "the confirmation is shown; status was {:?}",
        widget.status()
    );

    let calls = calls(&fake);
    assert_eq!(calls.len(), 2, "one retry after the 503");
    for call in &calls {
        assert_eq!(
            call_field(call, "url"),
            "https://collector.test/v1/responses"
        );
        assert_eq!(call_field(call, "method"), "POST");
        assert_eq!(call_field(call, "mode"), "cors");
        assert_eq!(call_field(call, "credentials"), "omit");
        assert_eq!(call_field(call, "auth"), "Bearer test.ticket.signature");
    }
    assert_eq!(call_field(&calls[0], "body"), call_field(&calls[1], "body"));
    let body: serde_json::Value =
        serde_json::from_str(&call_field(&calls[0], "body")).expect("a JSON body");
    assert_eq!(
        body,
        serde_json::json!({
            "answers": { "valutazione": 2, "difficolta": "problemi-tecnici" },
            "locale": "it"
        })
    );
    sleep(50).await;
    assert_eq!(submitted.get(), 1, "voce:submitted fires once");
    assert_eq!(legacy.get(), 1, "feedback-submit fires in conformance mode");
    assert_eq!(
        widget.all("[role=status]").len(),
        1,
        "a single status region"
    );
    assert!(widget.all("[data-element='feedback-title']").is_empty());

    let cookies = document()
        .dyn_into::<HtmlDocument>()
        .expect("an HTML document")
        .cookie()
        .unwrap_or_default();
    assert_eq!(cookies, "", "no cookie");
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .map(|s| s.length().unwrap_or_default());
    assert_eq!(storage, Some(0), "nothing in localStorage");
}

#[wasm_bindgen_test]
async fn a_conflict_is_not_retried_and_the_citizen_keeps_the_answers_and_a_retry_button() {
    let (fake, original) = fake_fetch(
        r#"[[409, null, "{\"type\":\"/problems/conflict\",\"title\":\"x\",\"status\":409}"]]"#,
    );
    let host = Widget::host();
    let errors = count_events(&host, "voce:error");
    let widget = Widget::mount_on(host, "chiarezza-pagina", Locale::It, Mode::Isolated).await;
    answer_clarity_and_send(&widget).await;
    let refused = Text::Refused.get(Locale::It);
    let failed = eventually(2000, || widget.status().trim() == refused).await;
    sleep(600).await;
    restore_fetch(&original);
    assert!(failed, "status was {:?}", widget.status());
    assert_eq!(calls(&fake).len(), 1, "a 409 is not retried");
    assert_eq!(errors.get(), 1);
    assert_eq!(text(&widget.find("button[type=submit]")), "Riprova");
    assert!(widget.star_input(2).checked(), "the rating is kept");
}

#[wasm_bindgen_test]
fn the_browser_json_walk_reads_back_exactly_what_the_collector_writes() {
    for id in ["chiarezza-pagina", "facilita-servizio"] {
        for locale in Locale::ALL {
            let form = testing::form(id, locale).expect("form");
            let json = serde_json::to_string(&form).expect("serialised");
            let parsed = voce_widget::response_reader::parse(&json).expect("parsed");
            assert_eq!(
                voce_widget::response_reader::form(&parsed).as_ref(),
                Some(&form),
                "{id} {locale}"
            );
        }
    }
    let broken = voce_widget::response_reader::parse(r#"{"service":{"id":"x"}}"#).expect("parsed");
    assert_eq!(voce_widget::response_reader::form(&broken), None);
    let problem = voce_widget::response_reader::parse(
        r#"{"violations":[{"question":"dettagli","code":"too_long","message":"m"},{"question":"x","code":"nonsense"}]}"#,
    )
    .expect("parsed");
    let violations = voce_widget::response_reader::violations(&problem);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].code, voce_shared::ViolationCode::TooLong);
}
