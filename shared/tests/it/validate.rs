//! The validator, case by case: what a citizen's browser and the collector accept and refuse,
//! and the limits of the request that carries the answers.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use voce_shared::{
    Answer, Catalog, QuestionKind, Questionnaire, RawAnswer, Submission, ViolationCode, check,
    validate,
};

fn questionnaire(id: &str) -> &'static Questionnaire {
    Catalog::national()
        .expect("catalog")
        .latest(id)
        .expect("questionnaire")
}

fn submission(answers: Value) -> Submission {
    serde_json::from_value(answers).expect("an object of answers")
}

/// The codes of the violations, as (question, code), or an empty list when valid.
fn codes(q: &Questionnaire, answers: Value) -> Vec<(String, &'static str)> {
    match validate(q, &submission(answers)) {
        Ok(_) => Vec::new(),
        Err(v) => {
            v.0.into_iter()
                .map(|v| (v.question, v.code.as_str()))
                .collect()
        }
    }
}

fn one(question: &str, code: &'static str) -> Vec<(String, &'static str)> {
    vec![(question.to_owned(), code)]
}

#[test]
fn a_complete_positive_answer_is_valid() {
    let q = questionnaire("chiarezza-pagina");
    let valid = validate(q, &submission(json!({"valutazione": 5, "aspetti-positivi": "indicazioni-chiare", "dettagli": "Tutto bene"})))
        .expect("valid");
    assert_eq!(valid.get("valutazione"), Some(&Answer::Rating(5)));
    assert_eq!(
        valid.get("aspetti-positivi"),
        Some(&Answer::Choice("indicazioni-chiare".into()))
    );
    assert_eq!(
        valid.get("dettagli"),
        Some(&Answer::Text("Tutto bene".into()))
    );
}

#[test]
fn the_rating_alone_is_enough() {
    assert_eq!(
        codes(questionnaire("chiarezza-pagina"), json!({"valutazione": 1})),
        vec![]
    );
}

#[test]
fn ratings_outside_one_to_five_or_of_the_wrong_type_are_refused_naming_the_question() {
    let q = questionnaire("chiarezza-pagina");
    for (value, code) in [
        (json!(0), "out_of_range"),
        (json!(6), "out_of_range"),
        (json!(-1), "out_of_range"),
        (json!(u64::MAX), "out_of_range"),
        (json!(3.5), "wrong_type"),
        (json!(5.0), "wrong_type"),
        (json!("5"), "wrong_type"),
        (json!(null), "wrong_type"),
        (json!(true), "wrong_type"),
        (json!([5]), "wrong_type"),
        (json!({"v": 5}), "wrong_type"),
    ] {
        assert_eq!(
            codes(q, json!({ "valutazione": value })),
            one("valutazione", code),
            "{value}"
        );
    }
}

#[test]
fn a_missing_rating_is_required() {
    assert_eq!(
        codes(questionnaire("chiarezza-pagina"), json!({})),
        one("valutazione", "required")
    );
    assert_eq!(
        codes(
            questionnaire("chiarezza-pagina"),
            json!({"dettagli": "ciao"})
        ),
        one("valutazione", "required")
    );
}

#[test]
fn the_follow_up_the_rating_hides_is_refused_as_not_shown() {
    let q = questionnaire("chiarezza-pagina");
    for low in 1..=3 {
        assert_eq!(
            codes(q, json!({"valutazione": low, "difficolta": "altro"})),
            vec![],
            "rating {low}"
        );
        assert_eq!(
            codes(q, json!({"valutazione": low, "aspetti-positivi": "altro"})),
            one("aspetti-positivi", "not_shown"),
            "rating {low}"
        );
    }
    for high in 4..=5 {
        assert_eq!(
            codes(q, json!({"valutazione": high, "aspetti-positivi": "altro"})),
            vec![]
        );
        assert_eq!(
            codes(q, json!({"valutazione": high, "difficolta": "altro"})),
            one("difficolta", "not_shown")
        );
    }
    let without_rating = codes(q, json!({"difficolta": "altro"}));
    assert!(
        without_rating.contains(&("difficolta".into(), "not_shown")),
        "{without_rating:?}"
    );
}

#[test]
fn an_option_of_the_other_follow_up_is_not_an_option() {
    let q = questionnaire("chiarezza-pagina");
    assert_eq!(
        codes(
            q,
            json!({"valutazione": 2, "difficolta": "indicazioni-chiare"})
        ),
        one("difficolta", "not_an_option")
    );
    assert_eq!(
        codes(q, json!({"valutazione": 2, "difficolta": 3})),
        one("difficolta", "wrong_type")
    );
}

#[test]
fn unknown_questions_and_questions_of_another_questionnaire_are_refused() {
    let q = questionnaire("chiarezza-pagina");
    assert_eq!(
        codes(q, json!({"valutazione": 4, "colore": "blu"})),
        one("colore", "unknown_question")
    );
    assert_eq!(
        codes(q, json!({"valutazione": 4, "esito": "si"})),
        one("esito", "unknown_question")
    );
}

#[test]
fn free_text_is_counted_in_unicode_scalar_values() {
    let q = questionnaire("chiarezza-pagina");
    let at_limit = |unit: &str, n: usize| json!({"valutazione": 3, "dettagli": unit.repeat(n)});
    for unit in ["a", "è", "😀", "\r\n"] {
        let per = unit.chars().count();
        assert_eq!(
            codes(q, at_limit(unit, 200 / per)),
            vec![],
            "{unit:?} at the limit"
        );
        let over = format!("{}x", unit.repeat(200 / per));
        assert_eq!(
            codes(q, json!({"valutazione": 3, "dettagli": over})),
            one("dettagli", "too_long"),
            "{unit:?}"
        );
    }
    // "e" + combining grave accent is two scalar values.
    let combining = "e\u{300}".repeat(100);
    assert_eq!(
        codes(q, json!({"valutazione": 3, "dettagli": combining.clone()})),
        vec![]
    );
    assert_eq!(
        codes(
            q,
            json!({"valutazione": 3, "dettagli": format!("{combining}!")})
        ),
        one("dettagli", "too_long")
    );
}

#[test]
fn empty_text_counts_as_no_answer() {
    let q = questionnaire("chiarezza-pagina");
    let valid =
        validate(q, &submission(json!({"valutazione": 3, "dettagli": "   "}))).expect("valid");
    assert_eq!(valid.get("dettagli"), None);
}

#[test]
fn the_national_module_is_optional_and_checked_when_answered() {
    let q = questionnaire("facilita-servizio");
    assert_eq!(codes(q, json!({"valutazione": 4})), vec![]);
    assert_eq!(
        codes(
            q,
            json!({"valutazione": 4, "esito": "in-parte", "soddisfazione": 5, "fiducia": 1})
        ),
        vec![]
    );
    assert_eq!(
        codes(q, json!({"valutazione": 4, "esito": "forse"})),
        one("esito", "not_an_option")
    );
    assert_eq!(
        codes(q, json!({"valutazione": 4, "soddisfazione": 0})),
        one("soddisfazione", "out_of_range")
    );
    assert_eq!(
        codes(q, json!({"valutazione": 4, "fiducia": "molto"})),
        one("fiducia", "wrong_type")
    );
}

#[test]
fn every_violation_is_reported_at_once() {
    let q = questionnaire("facilita-servizio");
    let mut found = codes(q, json!({"valutazione": 9, "esito": 1, "zzz": 1}));
    found.sort();
    assert_eq!(
        found,
        vec![
            ("esito".into(), "wrong_type"),
            ("valutazione".into(), "out_of_range"),
            ("zzz".into(), "unknown_question")
        ]
    );
}

/// A questionnaire with a multiple choice, which the national ones do not use yet.
fn with_multiple_choice() -> Questionnaire {
    let mut q = questionnaire("chiarezza-pagina").clone();
    let mut extra = q.question("difficolta").expect("difficolta").clone();
    extra.id = "canali".into();
    extra.shown_if = None;
    // The reasons indicator takes one choice per response: this question feeds none.
    extra.indicator = None;
    extra.step = 3;
    let options = match extra.kind {
        voce_shared::QuestionKind::SingleChoice { options } => options,
        _ => unreachable!("difficolta is a single choice"),
    };
    extra.kind = voce_shared::QuestionKind::MultipleChoice {
        options,
        min: 1,
        max: 2,
    };
    q.questions.push(extra);
    q
}

#[test]
fn multiple_choices_respect_their_bounds_and_options() {
    let q = with_multiple_choice();
    assert_eq!(q.check(), Ok(()));
    let ok = validate(
        &q,
        &submission(json!({"valutazione": 3, "canali": ["altro", "problemi-tecnici"]})),
    )
    .expect("valid");
    assert_eq!(
        ok.get("canali"),
        Some(&Answer::Choices(vec![
            "problemi-tecnici".into(),
            "altro".into()
        ]))
    );
    assert_eq!(
        codes(&q, json!({"valutazione": 3, "canali": ["altro", "altro"]})),
        one("canali", "duplicate_option")
    );
    assert_eq!(
        codes(
            &q,
            json!({"valutazione": 3, "canali": ["altro", "problemi-tecnici", "indicazioni-non-chiare"]})
        ),
        one("canali", "too_many")
    );
    assert_eq!(
        codes(&q, json!({"valutazione": 3, "canali": ["nuovo"]})),
        one("canali", "not_an_option")
    );
    assert_eq!(
        codes(&q, json!({"valutazione": 3, "canali": "altro"})),
        one("canali", "wrong_type")
    );
    assert_eq!(
        codes(&q, json!({"valutazione": 3, "canali": [1]})),
        one("canali", "wrong_type")
    );
}

#[test]
fn violation_codes_are_stable_strings() {
    let all = [
        (ViolationCode::OutOfRange, "out_of_range"),
        (ViolationCode::NotAnOption, "not_an_option"),
        (ViolationCode::NotShown, "not_shown"),
        (ViolationCode::Required, "required"),
        (ViolationCode::TooLong, "too_long"),
        (ViolationCode::UnknownQuestion, "unknown_question"),
        (ViolationCode::WrongType, "wrong_type"),
        (ViolationCode::DuplicateOption, "duplicate_option"),
        (ViolationCode::TooFew, "too_few"),
        (ViolationCode::TooMany, "too_many"),
    ];
    for (code, text) in all {
        assert_eq!(code.as_str(), text);
        assert_eq!(code.to_string(), text);
        assert_eq!(serde_json::to_value(code).expect("serialise"), json!(text));
    }
}

/// `with_multiple_choice` with `canali` asking for two or three options.
fn with_minimum_two() -> Questionnaire {
    let mut q = with_multiple_choice();
    if let Some(QuestionKind::MultipleChoice { min, max, .. }) =
        q.questions.last_mut().map(|c| &mut c.kind)
    {
        *min = 2;
        *max = 3;
    }
    assert_eq!(q.check(), Ok(()));
    q
}

#[test]
fn a_multiple_choice_takes_exactly_from_min_to_max_options() {
    let q = with_minimum_two();
    let chosen = |ids: &[&str]| codes(&q, json!({"valutazione": 3, "canali": ids}));
    assert_eq!(chosen(&["altro"]), one("canali", "too_few"));
    assert_eq!(chosen(&["altro", "problemi-tecnici"]), vec![]);
    assert_eq!(
        chosen(&["altro", "problemi-tecnici", "indicazioni-non-chiare"]),
        vec![]
    );
    assert_eq!(
        chosen(&[
            "altro",
            "problemi-tecnici",
            "indicazioni-non-chiare",
            "indicazioni-non-complete"
        ]),
        one("canali", "too_many")
    );
    // No option at all is "not answered", which an optional question allows.
    assert_eq!(chosen(&[]), vec![]);
}

/// The messages of the violations, as (question, code, message).
fn messages(q: &Questionnaire, answers: Value) -> Vec<(String, String, String)> {
    let v = validate(q, &submission(answers)).expect_err("invalid");
    v.0.into_iter()
        .map(|v| (v.question, v.code.to_string(), v.message.into_owned()))
        .collect()
}

#[test]
fn every_violation_explains_itself_in_english() {
    let q = with_minimum_two();
    let m = |answers: Value| messages(&q, answers).remove(0).2;
    assert_eq!(m(json!({})), "an answer is required");
    assert_eq!(
        m(json!({"valutazione": 3, "zz": 1})),
        "chiarezza-pagina has no question \"zz\""
    );
    assert_eq!(m(json!({"valutazione": -7})), "-7 is not from 1 to 5");
    assert_eq!(m(json!({"valutazione": 70})), "70 is not from 1 to 5");
    assert_eq!(
        m(json!({"valutazione": 1.5})),
        "expected a whole number from 1 to 5"
    );
    assert_eq!(
        m(json!({"valutazione": 5, "difficolta": "altro"})),
        "the earlier answers do not show this question"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "difficolta": "blu"})),
        "\"blu\" is not an option"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "difficolta": 2})),
        "expected the id of one option"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "canali": "altro"})),
        "expected an array of option ids"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "canali": ["altro", 2]})),
        "expected an array of option ids"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "canali": ["altro", "blu"]})),
        "\"blu\" is not an option"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "canali": ["altro", "altro"]})),
        "\"altro\" is chosen twice"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "canali": ["altro"]})),
        "choose at least 2"
    );
    assert_eq!(
        m(
            json!({"valutazione": 2, "canali": ["altro", "problemi-tecnici", "indicazioni-non-chiare", "indicazioni-non-complete"]})
        ),
        "choose at most 3"
    );
    assert_eq!(
        m(json!({"valutazione": 2, "dettagli": "x".repeat(201)})),
        "201 characters, at most 200"
    );
    assert_eq!(m(json!({"valutazione": 2, "dettagli": 7})), "expected text");
}

#[test]
fn the_list_of_violations_reads_as_one_sentence() {
    let q = questionnaire("chiarezza-pagina");
    let err = validate(q, &submission(json!({"valutazione": 0, "zz": 1}))).expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "2 invalid answer(s): zz: chiarezza-pagina has no question \"zz\"; valutazione: 0 is not from 1 to 5"
    );
    assert_eq!(
        serde_json::to_value(&err).expect("serialise")[0]["code"],
        json!("unknown_question")
    );
}

#[test]
fn the_widgets_check_gives_the_same_verdict_without_messages() {
    let q = with_minimum_two();
    let answers = json!({"valutazione": 2, "canali": ["altro"], "dettagli": 4});
    let widget = check(&q, &submission(answers.clone()).answers).expect_err("invalid");
    let collector = validate(&q, &submission(answers)).expect_err("invalid");
    assert_eq!(widget.0.len(), 2);
    for (w, c) in widget.0.iter().zip(&collector.0) {
        assert_eq!((&w.question, w.code), (&c.question, c.code));
        assert_eq!(w.message, "");
        assert_ne!(c.message, "");
    }
    assert_eq!(
        check(&q, &submission(json!({"valutazione": 2})).answers),
        Ok(())
    );
}

#[test]
fn a_valid_submission_gives_every_typed_answer_and_only_those() {
    let q = with_minimum_two();
    let valid = validate(
        &q,
        &submission(json!({
            "valutazione": 2,
            "difficolta": "altro",
            "dettagli": "Tutto lento",
            "canali": ["altro", "problemi-tecnici"],
        })),
    )
    .expect("valid");
    let expected: BTreeMap<String, Answer> = [
        ("valutazione", Answer::Rating(2)),
        ("difficolta", Answer::Choice("altro".into())),
        ("dettagli", Answer::Text("Tutto lento".into())),
        (
            "canali",
            Answer::Choices(vec!["problemi-tecnici".into(), "altro".into()]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(valid.answers(), &expected);
    let redacted = valid.map_texts(|t| t.to_uppercase());
    assert_eq!(
        redacted.get("dettagli"),
        Some(&Answer::Text("TUTTO LENTO".into()))
    );
    assert_eq!(
        redacted.get("difficolta"),
        Some(&Answer::Choice("altro".into())),
        "only free text is mapped"
    );
    let mut answers = expected;
    answers.insert("dettagli".into(), Answer::Text("TUTTO LENTO".into()));
    assert_eq!(redacted.into_answers(), answers);
}

#[test]
fn only_a_rating_answer_is_a_rating() {
    assert_eq!(Answer::Rating(4).as_rating(), Some(4));
    assert_eq!(Answer::Rating(1).as_rating(), Some(1));
    assert_eq!(Answer::Choice("4".into()).as_rating(), None);
    assert_eq!(Answer::Choices(vec!["4".into()]).as_rating(), None);
    assert_eq!(Answer::Text("4".into()).as_rating(), None);
}

#[test]
fn raw_json_answers_read_as_numbers_texts_and_items() {
    assert_eq!(json!(0).number(), Some(Some((false, 0))));
    assert_eq!(json!(3).number(), Some(Some((false, 3))));
    assert_eq!(json!(-3).number(), Some(Some((true, 3))));
    assert_eq!(json!(i64::MIN).number(), Some(Some((true, 1 << 63))));
    assert_eq!(json!(u64::MAX).number(), Some(Some((false, u64::MAX))));
    assert_eq!(json!(2.5).number(), Some(None));
    assert_eq!(json!("3").number(), None);
    assert_eq!(json!(3).as_count(), Some(3));
    assert_eq!(json!(-3).as_count(), None);
    assert_eq!(json!(2.5).as_count(), None);
    assert_eq!(json!("a").text(), Some("a"));
    assert_eq!(json!(1).text(), None);
    assert_eq!(json!(["a", 1]).items(), Some(vec![Some("a"), None]));
    assert_eq!(json!("a").items(), None);
    for (value, unanswered) in [
        (json!(""), true),
        (json!(" \n"), true),
        (json!([]), true),
        (json!("a"), false),
        (json!([""]), false),
        (json!(0), false),
        (json!(null), false),
        (json!({}), false),
    ] {
        assert_eq!(value.is_unanswered(), unanswered, "{value}");
    }
}

#[test]
fn a_request_body_may_take_sixteen_kibibytes() {
    assert_eq!(voce_shared::api::MAX_BODY_BYTES, 16_384);
}

#[test]
fn a_submission_names_the_honeypot_field_and_refuses_unknown_ones() {
    use voce_shared::api::{HONEYPOT_FIELD, SubmitRequest};
    let with_honeypot = format!(r#"{{"answers": {{}}, "locale": "de", "{HONEYPOT_FIELD}": "x"}}"#);
    let request: SubmitRequest = serde_json::from_str(&with_honeypot).expect("a request");
    assert_eq!(request.website.as_deref(), Some("x"));
    assert!(serde_json::from_str::<SubmitRequest>(r#"{"answers": {}, "extra": 1}"#).is_err());
}
