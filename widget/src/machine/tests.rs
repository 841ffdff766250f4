//! The state machine's transitions, on the national questionnaires: the branch, the steps, the
//! module, validation before sending, and every answer the network can give.

use std::rc::Rc;

use serde_json::{Value, json};
use voce_shared::api::SubmitRequest;
use voce_shared::{Locale, Violation};

use super::State;
use crate::action::Action;
use crate::answers::Reply;
use crate::notice::Notice;
use crate::phase::{Failure, Phase, Screen};
use crate::retry::Verdict;

fn ready(id: &str) -> State {
    let form = crate::testing::form(id, Locale::It).expect("the catalog has the questionnaire");
    State::new(Some(Rc::new(form)))
}

fn answer(state: &mut State, question: &str, value: Value) {
    state.apply(Action::Answer {
        question: question.into(),
        value: reply(value),
    });
}

/// The widget's reply for a JSON value the tests write.
fn reply(value: Value) -> Reply {
    match value {
        Value::Number(n) => Reply::Number(n.as_u64().expect("a whole number")),
        Value::String(s) => Reply::Text(s),
        Value::Array(items) => Reply::List(
            items
                .into_iter()
                .map(|i| i.as_str().expect("an id").to_owned())
                .collect(),
        ),
        other => panic!("no reply for {other}"),
    }
}

fn shown(state: &State) -> Vec<String> {
    let q = state.questionnaire().expect("loaded");
    q.questions
        .iter()
        .filter(|q| state.visible(q))
        .map(|q| q.id.clone())
        .collect()
}

fn sent(state: &State) -> SubmitRequest {
    let outgoing = state.outgoing.as_ref().expect("a request is frozen");
    serde_json::from_str(&outgoing.body).expect("the body is a SubmitRequest")
}

#[test]
fn a_widget_without_a_form_starts_loading() {
    let state = State::default();
    assert_eq!(state.phase, Phase::Loading);
    assert!(state.questionnaire().is_none());
    assert!(!state.editable());
}

#[test]
fn a_loaded_form_shows_only_the_rating_and_announces_ready() {
    let state = ready("chiarezza-pagina");
    assert_eq!(state.phase, Phase::Ready);
    assert_eq!(shown(&state), ["valutazione"]);
    assert_eq!(state.notice, Some(Notice::Ready));
    assert_eq!(state.notices, 1);
}

#[test]
fn ratings_one_to_three_show_the_negative_follow_up() {
    for rating in 1..=3 {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(rating));
        assert_eq!(state.screen, Screen::Main(2));
        assert_eq!(
            shown(&state),
            ["valutazione", "difficolta"],
            "rating {rating}"
        );
    }
}

#[test]
fn ratings_four_and_five_show_the_positive_follow_up() {
    for rating in 4..=5 {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(rating));
        assert_eq!(
            shown(&state),
            ["valutazione", "aspetti-positivi"],
            "rating {rating}"
        );
    }
}

#[test]
fn changing_the_rating_switches_the_branch_and_keeps_the_hidden_answer_out_of_the_body() {
    let mut state = ready("chiarezza-pagina");
    answer(&mut state, "valutazione", json!(2));
    answer(&mut state, "difficolta", json!("problemi-tecnici"));
    answer(&mut state, "valutazione", json!(5));
    assert_eq!(shown(&state), ["valutazione", "aspetti-positivi"]);
    assert!(
        state.answers.contains_key("difficolta"),
        "what was typed is kept"
    );
    assert!(!state.submission().contains_key("difficolta"));
}

#[test]
fn advancing_without_a_rating_shows_a_required_violation() {
    let mut state = ready("chiarezza-pagina");
    state.apply(Action::Advance);
    assert_eq!(state.phase, Phase::Ready);
    assert_eq!(state.screen, Screen::Main(1));
    let codes: Vec<_> = state.violations_of("valutazione").map(|v| v.code).collect();
    assert_eq!(codes, [voce_shared::ViolationCode::Required]);
    assert!(matches!(
        state.notice,
        Some(Notice::Error {
            code: "invalid",
            ..
        })
    ));
}

#[test]
fn answering_clears_the_violations_of_that_question() {
    let mut state = ready("chiarezza-pagina");
    state.apply(Action::Advance);
    answer(&mut state, "valutazione", json!(3));
    assert!(state.violations.is_empty());
}

#[test]
fn the_last_step_of_a_questionnaire_without_module_sends_the_shown_answers() {
    let mut state = ready("chiarezza-pagina");
    answer(&mut state, "valutazione", json!(4));
    answer(&mut state, "aspetti-positivi", json!("indicazioni-chiare"));
    state.apply(Action::Advance);
    assert_eq!(state.screen, Screen::Main(3));
    assert_eq!(shown(&state), ["valutazione", "dettagli"]);
    answer(&mut state, "dettagli", json!("Tutto chiaro"));
    state.apply(Action::Advance);
    assert_eq!(state.phase, Phase::Submitting);
    let body = sent(&state);
    assert_eq!(body.answers.len(), 3);
    assert_eq!(body.answers["dettagli"], json!("Tutto chiaro"));
    assert_eq!(body.locale, Locale::It);
    assert_eq!(body.website, None);
    assert_eq!(
        state.outgoing.as_ref().map(|o| o.ticket.as_str()),
        Some("test.ticket.signature")
    );
}

#[test]
fn text_over_the_limit_is_refused_in_the_browser_before_sending() {
    let mut state = ready("chiarezza-pagina");
    answer(&mut state, "valutazione", json!(1));
    state.apply(Action::Advance);
    answer(&mut state, "dettagli", json!("é".repeat(201)));
    state.apply(Action::Advance);
    assert_eq!(state.phase, Phase::Ready);
    assert!(state.outgoing.is_none());
    let codes: Vec<_> = state.violations_of("dettagli").map(|v| v.code).collect();
    assert_eq!(codes, [voce_shared::ViolationCode::TooLong]);
}

#[test]
fn the_module_is_offered_after_step_three_and_can_be_skipped() {
    let mut state = ready("facilita-servizio");
    assert_eq!(state.main_steps(), [1, 2, 3]);
    answer(&mut state, "valutazione", json!(5));
    state.apply(Action::Advance);
    state.apply(Action::Advance);
    assert_eq!(state.screen, Screen::Invitation);
    assert_eq!(shown(&state), ["valutazione"]);
    state.apply(Action::SkipModule);
    assert_eq!(state.phase, Phase::Submitting);
    assert_eq!(
        sent(&state).answers.keys().collect::<Vec<_>>(),
        ["valutazione"]
    );
}

#[test]
fn accepted_module_answers_are_sent_with_the_main_flow() {
    let mut state = ready("facilita-servizio");
    answer(&mut state, "valutazione", json!(2));
    state.apply(Action::Advance);
    state.apply(Action::Advance);
    state.apply(Action::Advance);
    assert_eq!(state.screen, Screen::Module);
    assert_eq!(
        shown(&state),
        ["valutazione", "esito", "soddisfazione", "fiducia"]
    );
    answer(&mut state, "esito", json!("in-parte"));
    answer(&mut state, "fiducia", json!(4));
    state.apply(Action::Advance);
    let body = sent(&state);
    assert_eq!(
        body.answers.keys().collect::<Vec<_>>(),
        ["esito", "fiducia", "valutazione"]
    );
}

#[test]
fn module_answers_are_dropped_when_the_citizen_skips_after_all() {
    let mut state = ready("facilita-servizio");
    answer(&mut state, "valutazione", json!(2));
    for _ in 0..3 {
        state.apply(Action::Advance);
    }
    answer(&mut state, "esito", json!("no"));
    state.apply(Action::SkipModule);
    assert!(!sent(&state).answers.contains_key("esito"));
}

#[test]
fn back_walks_the_steps_in_reverse() {
    let mut state = ready("facilita-servizio");
    answer(&mut state, "valutazione", json!(2));
    for _ in 0..3 {
        state.apply(Action::Advance);
    }
    state.apply(Action::Back);
    assert_eq!(state.screen, Screen::Invitation);
    state.apply(Action::Back);
    assert_eq!(state.screen, Screen::Main(3));
    state.apply(Action::Back);
    state.apply(Action::Back);
    state.apply(Action::Back);
    assert_eq!(state.screen, Screen::Main(1));
}

#[test]
fn a_filled_honeypot_is_sent_and_an_empty_one_is_not() {
    let mut state = ready("chiarezza-pagina");
    answer(&mut state, "valutazione", json!(3));
    state.apply(Action::Honeypot("https://spam.example".into()));
    state.apply(Action::Advance);
    state.apply(Action::Advance);
    assert_eq!(
        sent(&state).website.as_deref(),
        Some("https://spam.example")
    );
}

fn submitting() -> State {
    let mut state = ready("chiarezza-pagina");
    answer(&mut state, "valutazione", json!(3));
    state.apply(Action::Advance);
    answer(&mut state, "dettagli", json!("Il modulo si blocca"));
    state.apply(Action::Advance);
    assert_eq!(state.phase, Phase::Submitting);
    state
}

#[test]
fn a_stored_response_ends_in_the_confirmation_and_announces_it() {
    let mut state = submitting();
    state.apply(Action::Stored {
        response_id: "r1".into(),
    });
    assert_eq!(state.phase, Phase::Done);
    assert_eq!(
        state.notice,
        Some(Notice::Submitted {
            response_id: "r1".into()
        })
    );
    assert!(shown(&state).is_empty());
}

#[test]
fn a_network_failure_keeps_the_answers_and_retry_resends_the_same_ticket_and_body() {
    let mut state = submitting();
    let before = state.outgoing.clone();
    state.apply(Action::SendFailed {
        verdict: Verdict::Transient,
        status: Some(503),
        violations: Vec::new(),
    });
    assert_eq!(state.phase, Phase::Failed(Failure::Network));
    assert!(
        !state.editable(),
        "the frozen body must not drift from the answers"
    );
    assert_eq!(
        state.answers["dettagli"],
        reply(json!("Il modulo si blocca"))
    );
    answer(&mut state, "dettagli", json!("changed"));
    assert_eq!(
        state.answers["dettagli"],
        reply(json!("Il modulo si blocca"))
    );
    state.apply(Action::Retry);
    assert_eq!(state.phase, Phase::Submitting);
    assert_eq!(state.outgoing, before);
}

#[test]
fn an_expired_ticket_is_renewed_and_the_same_answers_are_sent_with_the_new_one() {
    let mut state = submitting();
    state.apply(Action::SendFailed {
        verdict: Verdict::Expired,
        status: Some(401),
        violations: Vec::new(),
    });
    assert_eq!(state.phase, Phase::Failed(Failure::Expired));
    assert!(matches!(
        state.notice,
        Some(Notice::Error {
            code: "expired",
            status: Some(401)
        })
    ));
    state.apply(Action::Retry);
    assert_eq!(state.phase, Phase::Renewing);
    let mut fresh = crate::testing::form("chiarezza-pagina", Locale::It).expect("form");
    fresh.ticket = "fresh.ticket".into();
    state.apply(Action::Loaded(Rc::new(fresh)));
    assert_eq!(state.phase, Phase::Submitting);
    assert_eq!(
        state.outgoing.as_ref().map(|o| o.ticket.as_str()),
        Some("fresh.ticket")
    );
    assert_eq!(
        sent(&state).answers["dettagli"],
        json!("Il modulo si blocca")
    );
}

#[test]
fn a_422_from_the_collector_shows_its_violations_and_lets_the_citizen_correct() {
    let mut state = submitting();
    state.apply(Action::SendFailed {
        verdict: Verdict::Invalid,
        status: Some(422),
        violations: vec![Violation {
            question: "dettagli".into(),
            code: voce_shared::ViolationCode::TooLong,
            message: "too long".into(),
        }],
    });
    assert_eq!(state.phase, Phase::Ready);
    assert_eq!(state.screen, Screen::Main(3));
    assert!(state.editable());
    assert_eq!(state.violations_of("dettagli").count(), 1);
}

#[test]
fn a_refusal_is_not_retried_until_the_citizen_asks() {
    let mut state = submitting();
    state.apply(Action::SendFailed {
        verdict: Verdict::Refused,
        status: Some(409),
        violations: Vec::new(),
    });
    assert_eq!(state.phase, Phase::Failed(Failure::Refused));
    assert!(state.outgoing.is_none());
    state.apply(Action::Advance);
    assert_eq!(state.phase, Phase::Renewing);
}

#[test]
fn a_forbidden_origin_is_politely_unavailable_and_other_load_errors_can_be_retried() {
    let mut state = State::default();
    state.apply(Action::LoadFailed { status: Some(403) });
    assert_eq!(state.phase, Phase::Unavailable);
    state.apply(Action::Retry);
    assert_eq!(state.phase, Phase::Unavailable);

    let mut state = State::default();
    state.apply(Action::LoadFailed { status: None });
    assert_eq!(state.phase, Phase::LoadFailed);
    state.apply(Action::Retry);
    assert_eq!(state.phase, Phase::Loading);
}

#[test]
fn late_network_reports_do_not_disturb_a_finished_widget() {
    let mut state = submitting();
    state.apply(Action::Stored {
        response_id: "r1".into(),
    });
    let done = state.clone();
    state.apply(Action::SendFailed {
        verdict: Verdict::Transient,
        status: None,
        violations: Vec::new(),
    });
    state.apply(Action::Stored {
        response_id: "r2".into(),
    });
    state.apply(Action::LoadFailed { status: None });
    assert_eq!(state, done);
}

#[test]
fn personal_data_in_the_free_text_is_detected() {
    let mut state = ready("chiarezza-pagina");
    answer(&mut state, "valutazione", json!(3));
    answer(
        &mut state,
        "dettagli",
        json!("Scrivetemi a mario.rossi@example.com"),
    );
    assert!(state.personal_data_in("dettagli"));
    answer(&mut state, "dettagli", json!("Pagato 12,50 euro il 3/4"));
    assert!(!state.personal_data_in("dettagli"));
}
