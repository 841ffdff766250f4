//! The definition checker (`Questionnaire::check`), rule by rule and at each limit: what a
//! catalog version must satisfy before it can be published. Also the display conditions and the
//! slug rule every id follows.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use voce_shared::questionnaire::{
    MAX_FREE_TEXT_LIMIT, MAX_LABEL_CHARS, MAX_TITLE_CHARS, Module, is_slug,
};
use voce_shared::{
    ChoiceOption, Condition, Locale, Localized, Question, QuestionKind, Questionnaire,
};

/// The same text in every locale.
fn all(text: &str) -> Localized {
    Localized(Locale::ALL.iter().map(|l| (*l, text.to_owned())).collect())
}

fn stars(id: &str, step: u8) -> Question {
    Question {
        id: id.into(),
        step,
        title: all("Quanto è chiaro?"),
        kind: QuestionKind::Stars {
            group_label: all("Valutazione"),
            star_label: all("{n} stelle"),
        },
        required: true,
        shown_if: None,
        indicator: None,
    }
}

fn options(ids: &[&str]) -> Vec<ChoiceOption> {
    ids.iter()
        .map(|id| ChoiceOption {
            id: (*id).into(),
            label: all("Opzione"),
        })
        .collect()
}

fn question(id: &str, step: u8, kind: QuestionKind) -> Question {
    Question {
        kind,
        ..stars(id, step)
    }
}

/// A valid questionnaire with one star rating at step 1.
fn minimal() -> Questionnaire {
    Questionnaire {
        id: "prova".into(),
        version: 1,
        name: all("Prova"),
        confirmation: all("Grazie"),
        module: None,
        fallback_locales: Vec::new(),
        questions: vec![stars("voto", 1)],
    }
}

/// The fields the checker names, in order; empty when the definition is valid.
fn faults(q: &Questionnaire) -> Vec<String> {
    match q.check() {
        Ok(()) => Vec::new(),
        Err(errors) => {
            assert!(!errors.is_empty(), "an Err carries at least one problem");
            errors.into_iter().map(|e| e.field).collect()
        }
    }
}

fn with(f: impl FnOnce(&mut Questionnaire)) -> Questionnaire {
    let mut q = minimal();
    f(&mut q);
    q
}

fn free_text(max_chars: u32) -> QuestionKind {
    QuestionKind::FreeText {
        max_chars,
        label: all("Commento"),
        hint: all("Facoltativo"),
    }
}

#[test]
fn the_minimal_questionnaire_is_valid() {
    assert_eq!(faults(&minimal()), Vec::<String>::new());
}

#[test]
fn ids_must_be_slugs_and_versions_start_at_one() {
    assert_eq!(faults(&with(|q| q.id = "Prova".into())), ["id"]);
    assert_eq!(faults(&with(|q| q.version = 0)), ["version"]);
    assert_eq!(
        faults(&with(|q| q.questions[0].id = "voto_1".into())),
        ["questions[0].id"]
    );
}

#[test]
fn a_slug_is_one_to_sixty_four_lower_case_letters_digits_and_inner_hyphens() {
    let sixty_four = "a".repeat(64);
    let sixty_five = "a".repeat(65);
    for (s, slug) in [
        ("a", true),
        ("chiarezza-pagina", true),
        ("v2-0", true),
        ("0", true),
        (sixty_four.as_str(), true),
        ("", false),
        (sixty_five.as_str(), false),
        ("-a", false),
        ("a-", false),
        ("-", false),
        ("A", false),
        ("a_b", false),
        ("a b", false),
        ("à", false),
        ("a.b", false),
    ] {
        assert_eq!(is_slug(s), slug, "{s:?}");
    }
}

#[test]
fn a_questionnaire_needs_a_question_and_unique_question_ids() {
    assert_eq!(faults(&with(|q| q.questions.clear())), ["questions"]);
    assert_eq!(
        faults(&with(|q| q.questions.push(stars("voto", 1)))),
        ["questions[1].id"]
    );
}

#[test]
fn steps_start_at_one_and_never_go_back() {
    assert_eq!(
        faults(&with(|q| q.questions[0].step = 0)),
        ["questions[0].step"]
    );
    // The same step twice, and a step skipped, are both fine.
    let q = with(|q| {
        q.questions.push(stars("altro", 1));
        q.questions.push(stars("terzo", 3));
    });
    assert_eq!(faults(&q), Vec::<String>::new());
    let q = with(|q| {
        q.questions[0].step = 2;
        q.questions.push(stars("prima", 1));
    });
    assert_eq!(faults(&q), ["questions[1].step"]);
}

#[test]
fn the_module_must_start_at_a_step_that_has_questions() {
    let module = |step| Module {
        step,
        invitation: all("Vuoi continuare?"),
    };
    // Steps 1 and 3: a module from step 2 starts with the question at step 3.
    let q = with(|q| {
        q.questions.push(stars("dopo", 3));
        q.module = Some(module(2));
    });
    assert_eq!(faults(&q), Vec::<String>::new());
    let q = with(|q| {
        q.questions.push(stars("dopo", 2));
        q.module = Some(module(2));
    });
    assert_eq!(faults(&q), Vec::<String>::new());
    let q = with(|q| q.module = Some(module(2)));
    assert_eq!(faults(&q), ["module.step"]);
    // Its invitation is a text like any other.
    let q = with(|q| {
        q.module = Some(Module {
            step: 1,
            invitation: Localized::from("Solo italiano"),
        })
    });
    assert_eq!(
        faults(&q),
        [
            "module.invitation.en",
            "module.invitation.de",
            "module.invitation.fr",
            "module.invitation.sl"
        ]
    );
}

fn conditional(question: &str, min: u8, max: u8) -> Question {
    Question {
        shown_if: Some(Condition {
            question: question.into(),
            min,
            max,
        }),
        ..stars("seguito", 2)
    }
}

#[test]
fn a_condition_reads_an_earlier_rating_within_one_to_five() {
    for (min, max, valid) in [
        (1, 5, true),
        (1, 1, true),
        (5, 5, true),
        (3, 3, true),
        (0, 3, false),
        (3, 6, false),
        (4, 3, false),
        (0, 6, false),
    ] {
        let q = with(|q| q.questions.push(conditional("voto", min, max)));
        let expected: &[&str] = if valid {
            &[]
        } else {
            &["questions[1].shown_if"]
        };
        assert_eq!(faults(&q), expected, "{min}..={max}");
    }
    // A scale is a rating too.
    let q = with(|q| {
        q.questions[0].kind = QuestionKind::Scale {
            min_label: all("Per niente"),
            max_label: all("Del tutto"),
        };
        q.questions.push(conditional("voto", 1, 2));
    });
    assert_eq!(faults(&q), Vec::<String>::new());
}

#[test]
fn a_condition_cannot_read_a_later_unknown_or_non_numeric_question() {
    let q = with(|q| q.questions.push(conditional("ignota", 1, 2)));
    assert_eq!(faults(&q), ["questions[1].shown_if.question"]);
    let q = with(|q| {
        q.questions.insert(0, conditional("voto", 1, 2));
        q.questions[0].step = 1;
    });
    assert_eq!(faults(&q), ["questions[0].shown_if.question"]);
    let q = with(|q| {
        q.questions[0].kind = QuestionKind::SingleChoice {
            options: options(&["si", "no"]),
        };
        q.questions.push(conditional("voto", 1, 2));
    });
    assert_eq!(faults(&q), ["questions[1].shown_if.question"]);
}

#[test]
fn only_stars_and_scales_are_numeric() {
    let q = minimal();
    assert!(q.questions[0].kind.is_numeric());
    assert!(
        QuestionKind::Scale {
            min_label: all("a"),
            max_label: all("b")
        }
        .is_numeric()
    );
    assert!(
        !QuestionKind::SingleChoice {
            options: options(&["a"])
        }
        .is_numeric()
    );
    assert!(
        !QuestionKind::MultipleChoice {
            options: options(&["a"]),
            min: 0,
            max: 1
        }
        .is_numeric()
    );
    assert!(!free_text(10).is_numeric());
}

#[test]
fn every_star_label_names_the_number_of_stars() {
    let q = with(|q| {
        q.questions[0].kind = QuestionKind::Stars {
            group_label: all("Valutazione"),
            star_label: Localized(
                Locale::ALL
                    .iter()
                    .map(|l| {
                        let text = if *l == Locale::De { "Sterne" } else { "{n}" };
                        (*l, text.to_owned())
                    })
                    .collect(),
            ),
        }
    });
    assert_eq!(faults(&q), ["questions[0].kind.star_label.de"]);
}

#[test]
fn choices_need_options_with_unique_slug_ids() {
    let single = |ids: &[&str]| {
        with(|q| {
            q.questions.push(question(
                "scelta",
                2,
                QuestionKind::SingleChoice {
                    options: options(ids),
                },
            ))
        })
    };
    assert_eq!(faults(&single(&["si", "no"])), Vec::<String>::new());
    assert_eq!(faults(&single(&[])), ["questions[1].kind.options"]);
    assert_eq!(
        faults(&single(&["si", "Si"])),
        ["questions[1].kind.options[1].id"]
    );
    assert_eq!(
        faults(&single(&["si", "no", "si"])),
        ["questions[1].kind.options[2].id"]
    );
}

fn multiple(n_options: usize, min: u32, max: u32) -> Questionnaire {
    let ids: Vec<String> = (0..n_options).map(|i| format!("o{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    with(|q| {
        q.questions.push(question(
            "scelte",
            2,
            QuestionKind::MultipleChoice {
                options: options(&ids),
                min,
                max,
            },
        ))
    })
}

#[test]
fn a_multiple_choice_asks_for_at_least_one_and_at_most_all_of_its_options() {
    for (n, min, max, valid) in [
        (3, 0, 1, true),
        (3, 1, 3, true),
        (3, 2, 2, true),
        (3, 3, 3, true),
        (3, 0, 0, false),
        (3, 3, 2, false),
        (3, 1, 4, false),
        (3, 4, 4, false),
    ] {
        let expected: &[&str] = if valid { &[] } else { &["questions[1].kind"] };
        assert_eq!(
            faults(&multiple(n, min, max)),
            expected,
            "{n} options, {min}..={max}"
        );
    }
}

#[test]
fn a_free_text_limit_is_from_one_to_two_thousand_characters() {
    for (max_chars, valid) in [
        (0, false),
        (1, true),
        (MAX_FREE_TEXT_LIMIT, true),
        (MAX_FREE_TEXT_LIMIT + 1, false),
    ] {
        let q = with(|q| q.questions.push(question("testo", 2, free_text(max_chars))));
        let expected: &[&str] = if valid {
            &[]
        } else {
            &["questions[1].kind.max_chars"]
        };
        assert_eq!(faults(&q), expected, "max_chars {max_chars}");
    }
}

#[test]
fn texts_are_limited_in_characters_not_bytes() {
    // `è` is two bytes: a text at the limit in characters is twice as long in bytes.
    let title = |n| with(|q| q.questions[0].title = all(&"è".repeat(n)));
    assert_eq!(faults(&title(MAX_TITLE_CHARS)), Vec::<String>::new());
    assert_eq!(
        faults(&title(MAX_TITLE_CHARS + 1)),
        Locale::ALL
            .iter()
            .map(|l| format!("questions[0].title.{l}"))
            .collect::<Vec<_>>()
    );
    let label = |n| {
        with(|q| {
            q.questions.push(question(
                "testo",
                2,
                QuestionKind::FreeText {
                    max_chars: 10,
                    label: all(&"è".repeat(n)),
                    hint: all("Facoltativo"),
                },
            ))
        })
    };
    assert_eq!(faults(&label(MAX_LABEL_CHARS)), Vec::<String>::new());
    assert_eq!(faults(&label(MAX_LABEL_CHARS + 1)).len(), Locale::ALL.len());
    let name = |n| with(|q| q.name = all(&"x".repeat(n)));
    assert_eq!(faults(&name(MAX_TITLE_CHARS)), Vec::<String>::new());
    assert_eq!(faults(&name(MAX_TITLE_CHARS + 1))[0], "name.it");
}

#[test]
fn every_label_of_every_kind_is_checked() {
    // One over-long German label in each place a kind has text.
    let long = || {
        let mut l = all("Etichetta");
        l.set(Locale::De, "x".repeat(MAX_TITLE_CHARS + 1));
        l
    };
    let cases: Vec<(QuestionKind, &str)> = vec![
        (
            QuestionKind::Stars {
                group_label: long(),
                star_label: all("{n}"),
            },
            "kind.group_label",
        ),
        (
            QuestionKind::Scale {
                min_label: long(),
                max_label: all("b"),
            },
            "kind.min_label",
        ),
        (
            QuestionKind::Scale {
                min_label: all("a"),
                max_label: long(),
            },
            "kind.max_label",
        ),
        (
            QuestionKind::SingleChoice {
                options: vec![ChoiceOption {
                    id: "a".into(),
                    label: long(),
                }],
            },
            "kind.options[0].label",
        ),
        (
            QuestionKind::FreeText {
                max_chars: 5,
                label: all("a"),
                hint: long(),
            },
            "kind.hint",
        ),
    ];
    for (kind, field) in cases {
        let q = with(|q| q.questions.push(question("altra", 2, kind)));
        assert_eq!(faults(&q), [format!("questions[1].{field}.de")], "{field}");
    }
    let q = with(|q| {
        let mut l = all("x");
        l.set(Locale::Fr, "x".repeat(MAX_TITLE_CHARS + 1));
        q.confirmation = l;
    });
    assert_eq!(faults(&q), ["confirmation.fr"]);
}

#[test]
fn a_blank_text_is_empty_in_any_locale() {
    let q = with(|q| q.name.set(Locale::Sl, " \t".into()));
    assert_eq!(faults(&q), ["name.sl"]);
}

#[test]
fn italian_is_required_and_other_locales_may_only_fall_back_when_listed() {
    let italian_only = with(|q| q.name = Localized::from("Prova"));
    assert_eq!(
        faults(&italian_only),
        ["name.en", "name.de", "name.fr", "name.sl"]
    );
    let listed = with(|q| {
        q.name = Localized::from("Prova");
        q.fallback_locales = vec![Locale::En, Locale::De, Locale::Fr, Locale::Sl];
    });
    assert_eq!(faults(&listed), Vec::<String>::new());
    let partly = with(|q| {
        q.name = Localized::from("Prova");
        q.fallback_locales = vec![Locale::De];
    });
    assert_eq!(faults(&partly), ["name.en", "name.fr", "name.sl"]);
    let without_italian = with(|q| {
        q.name = Localized(vec![(Locale::En, "Test".into())]);
        q.fallback_locales = Locale::ALL.to_vec();
    });
    assert_eq!(faults(&without_italian), ["name.it"]);
}

#[test]
fn every_problem_is_reported_at_once_with_its_message() {
    let q = with(|q| {
        q.id = "X".into();
        q.version = 0;
        q.questions[0].step = 0;
    });
    let errors = q.check().expect_err("three problems");
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "id: \"X\" is not a lower-case slug",
            "version: versions start at 1",
            "questions[0].step: step 0 is out of order",
        ]
    );
}

fn answers(pairs: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(pairs).expect("an object")
}

#[test]
fn a_conditional_question_is_shown_exactly_when_the_rating_is_in_its_range() {
    let q = with(|q| q.questions.push(conditional("voto", 2, 3)));
    let follow_up = &q.questions[1];
    assert!(q.is_shown(&q.questions[0], &answers(json!({}))));
    for (value, shown) in [
        (json!(1), false),
        (json!(2), true),
        (json!(3), true),
        (json!(4), false),
        (json!(-2), false),
        (json!("2"), false),
        (json!(2.5), false),
    ] {
        assert_eq!(
            q.is_shown(follow_up, &answers(json!({ "voto": value }))),
            shown,
            "voto = {value}"
        );
    }
    assert!(!q.is_shown(follow_up, &answers(json!({}))));
}

#[test]
fn the_reference_names_the_id_the_version_and_the_content_hash() {
    let q = minimal();
    let r = q.reference();
    assert_eq!((r.id.as_str(), r.version), ("prova", 1));
    assert_eq!(r.hash, q.content_hash());
    assert!(
        r.hash.starts_with("sha256:") && r.hash.len() == 7 + 64,
        "{}",
        r.hash
    );
    assert_ne!(with(|q| q.version = 2).content_hash(), r.hash);
    assert_eq!(q.question("voto").map(|q| q.step), Some(1));
    assert_eq!(q.question("ignota"), None);
}
