//! The national catalog: the (body kind × service kind) table, the pinned content hashes, the
//! Italian texts word for word, and the translations.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use voce_shared::{BodyKind, Catalog, Locale, QuestionKind, Questionnaire, ServiceKind};

/// The content hash of every published version. A published version is immutable: if this test
/// fails, the edit must become a new version instead.
const PINNED: &[(&str, u32, &str)] = &[
    (
        "chiarezza-pagina",
        1,
        "sha256:53ea04dfba4cd8e0df05ca4d97d1e0831171bd72718cfa9d29440549a56434e0",
    ),
    (
        "facilita-servizio",
        1,
        "sha256:5e4ce06fc15e11734e04b6e602da226747aae426cadffb7a591605f26e350f54",
    ),
];

fn catalog() -> &'static Catalog {
    match Catalog::national() {
        Ok(c) => c,
        Err(e) => panic!("the embedded catalog is broken: {e}"),
    }
}

#[test]
fn the_embedded_catalog_loads_and_every_definition_checks() {
    let c = catalog();
    assert_eq!(c.questionnaires().count(), PINNED.len());
    for q in c.questionnaires() {
        assert_eq!(q.check(), Ok(()), "{} v{}", q.id, q.version);
    }
}

#[test]
fn every_published_version_keeps_its_pinned_hash() {
    let c = catalog();
    for (id, version, hash) in PINNED {
        let q = c.get(id, *version).expect("published version");
        assert_eq!(
            q.content_hash(),
            *hash,
            "{id} v{version} changed: publish a new version instead"
        );
        assert_eq!(c.reference(id, *version).expect("reference").hash, *hash);
    }
}

#[test]
fn the_catalog_answers_every_body_kind_times_service_kind() {
    let c = catalog();
    assert_eq!(BodyKind::ALL.len(), 7);
    assert_eq!(ServiceKind::ALL.len(), 7);
    let mut table =
        String::from("body kind                 service kind     questionnaire        v hash\n");
    let mut cells = 0;
    for &body in BodyKind::ALL {
        for &service in ServiceKind::ALL {
            let q = c
                .questionnaire_for(service)
                .expect("a questionnaire for every pair");
            let expected = if service == ServiceKind::Informazioni {
                "chiarezza-pagina"
            } else {
                "facilita-servizio"
            };
            assert_eq!(q.id, expected, "{body} × {service}");
            assert_eq!(q.version, 1);
            let hash = q.content_hash();
            assert!(
                PINNED
                    .iter()
                    .any(|(id, v, h)| *id == q.id && *v == q.version && *h == hash)
            );
            table.push_str(&format!(
                "{:<25} {:<16} {:<20} {} {}\n",
                body.code(),
                service.code(),
                q.id,
                q.version,
                &hash[..19]
            ));
            cells += 1;
        }
    }
    println!("{table}");
    assert_eq!(cells, 49);
}

#[test]
fn kinds_parse_from_their_codes_and_refuse_unknown_ones() {
    for &k in BodyKind::ALL {
        assert_eq!(k.code().parse::<BodyKind>(), Ok(k));
    }
    for &k in ServiceKind::ALL {
        assert_eq!(k.code().parse::<ServiceKind>(), Ok(k));
    }
    let err = "ministero".parse::<BodyKind>().expect_err("unknown kind");
    assert!(
        err.to_string().contains("amministrazione-centrale"),
        "{err}"
    );
}

/// The Italian texts of the questionnaire specification, word for word.
const CHIAREZZA_IT: &[(&str, &str)] = &[
    (
        "valutazione",
        "Quanto sono chiare le informazioni su questa pagina?",
    ),
    ("difficolta", "Dove hai incontrato le maggiori difficoltà?"),
    (
        "aspetti-positivi",
        "Quali sono stati gli aspetti che hai preferito?",
    ),
    ("dettagli", "Vuoi aggiungere altri dettagli?"),
];
const NEGATIVE_IT: &[(&str, &str)] = &[
    (
        "indicazioni-non-chiare",
        "A volte le indicazioni non erano chiare",
    ),
    (
        "indicazioni-non-complete",
        "A volte le indicazioni non erano complete",
    ),
    (
        "non-capivo-se-procedevo",
        "A volte non capivo se stavo procedendo correttamente",
    ),
    ("problemi-tecnici", "Ho avuto problemi tecnici"),
    ("altro", "Altro"),
];
const POSITIVE_IT: &[(&str, &str)] = &[
    ("indicazioni-chiare", "Le indicazioni erano chiare"),
    ("indicazioni-complete", "Le indicazioni erano complete"),
    (
        "capivo-come-procedere",
        "Capivo sempre che stavo procedendo correttamente",
    ),
    ("nessun-problema-tecnico", "Non ho avuto problemi tecnici"),
    ("altro", "Altro"),
];
const CONFIRMATION_IT: &str = "Grazie, il tuo parere ci aiuterà a migliorare il servizio!";
const MODULE_IT: &str =
    "Hai ancora un minuto? Rispondi a tre domande per aiutarci a confrontare i servizi pubblici.";
const FACILITA_IT: &[(&str, &str)] = &[
    (
        "valutazione",
        "Quanto è stato facile usare questo servizio?",
    ),
    ("esito", "Sei riuscito a fare quello che ti serviva?"),
    (
        "soddisfazione",
        "Nel complesso, quanto sei soddisfatto di questo servizio?",
    ),
    (
        "fiducia",
        "Quanto sei d'accordo con questa frase? «Questa esperienza ha migliorato la mia fiducia in {ente}».",
    ),
];

fn italian_title(q: &Questionnaire, id: &str) -> String {
    q.question(id)
        .unwrap_or_else(|| panic!("{} has no {id}", q.id))
        .title
        .get(Locale::It)
        .to_owned()
}

fn italian_options(q: &Questionnaire, id: &str) -> Vec<(String, String)> {
    match &q.question(id).expect("question").kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options, .. } => {
            options
                .iter()
                .map(|o| (o.id.clone(), o.label.get(Locale::It).to_owned()))
                .collect()
        }
        other => panic!("{id} is not a choice: {other:?}"),
    }
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn the_italian_texts_of_both_questionnaires_match_the_specification_word_for_word() {
    let c = catalog();
    let chiarezza = c.get("chiarezza-pagina", 1).expect("chiarezza-pagina v1");
    let facilita = c.get("facilita-servizio", 1).expect("facilita-servizio v1");
    for (id, text) in CHIAREZZA_IT {
        assert_eq!(italian_title(chiarezza, id), *text);
    }
    for (id, text) in FACILITA_IT {
        assert_eq!(italian_title(facilita, id), *text);
    }
    for q in [chiarezza, facilita] {
        for (id, text) in &CHIAREZZA_IT[1..] {
            assert_eq!(italian_title(q, id), *text, "{}", q.id);
        }
        assert_eq!(italian_options(q, "difficolta"), owned(NEGATIVE_IT));
        assert_eq!(italian_options(q, "aspetti-positivi"), owned(POSITIVE_IT));
        assert_eq!(q.confirmation.get(Locale::It), CONFIRMATION_IT);
        let QuestionKind::Stars {
            group_label,
            star_label,
        } = &q.question("valutazione").expect("rating").kind
        else {
            panic!("valutazione is not a star rating");
        };
        assert_eq!(
            group_label.get(Locale::It),
            "Valuta da 1 a 5 stelle la pagina"
        );
        assert_eq!(
            star_label.get(Locale::It).replace("{n}", "3"),
            "Valuta 3 stelle su 5"
        );
        let QuestionKind::FreeText {
            max_chars,
            label,
            hint,
        } = &q.question("dettagli").expect("text").kind
        else {
            panic!("dettagli is not free text");
        };
        assert_eq!(
            (*max_chars, label.get(Locale::It), hint.get(Locale::It)),
            (200, "Dettaglio", "Inserire massimo 200 caratteri")
        );
    }
    assert_eq!(
        facilita
            .module
            .as_ref()
            .expect("national module")
            .invitation
            .get(Locale::It),
        MODULE_IT
    );
    assert_eq!(
        italian_options(facilita, "esito"),
        owned(&[("si", "Sì"), ("in-parte", "In parte"), ("no", "No")])
    );
    for (id, min, max) in [
        (
            "soddisfazione",
            "Per niente soddisfatto",
            "Molto soddisfatto",
        ),
        ("fiducia", "Per niente d'accordo", "Del tutto d'accordo"),
    ] {
        let QuestionKind::Scale {
            min_label,
            max_label,
        } = &facilita.question(id).expect("scale").kind
        else {
            panic!("{id} is not a scale");
        };
        assert_eq!(
            (min_label.get(Locale::It), max_label.get(Locale::It)),
            (min, max)
        );
    }
}

/// Every Italian text the tests expect also stands verbatim in the specification. The
/// specification is one of the project's domain documents, which are not part of the repository:
/// the test reads it at run time from a folder `shared` beside the checkout (as `cargo xtask
/// mutants` arranges for its scratch copies), and fails without it.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_expected_texts_stand_verbatim_in_questionnaires_md() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/domain/questionnaires.md"
    );
    let spec = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "cannot read the specification {path}: {e}; put the domain documents \
             (shared/domain/) beside the checkout"
        )
    });
    let all = CHIAREZZA_IT
        .iter()
        .chain(FACILITA_IT)
        .chain(NEGATIVE_IT)
        .chain(POSITIVE_IT)
        .map(|(_, t)| *t);
    for text in all.chain([
        CONFIRMATION_IT,
        MODULE_IT,
        "Valuta da 1 a 5 stelle la pagina",
        "Valuta N stelle su 5",
    ]) {
        assert!(spec.contains(text), "{text:?} is not in questionnaires.md");
    }
}

#[test]
fn every_text_of_both_questionnaires_exists_in_all_five_locales() {
    for q in catalog().questionnaires() {
        assert!(
            q.fallback_locales.is_empty(),
            "{} relies on fallbacks",
            q.id
        );
        let json = serde_json::to_value(q).expect("serialise");
        let mut localized = 0;
        visit(&json, &mut |map| {
            if map.contains_key("it") {
                localized += 1;
                for locale in Locale::ALL {
                    let text = map
                        .get(locale.code())
                        .and_then(|v| v.as_str())
                        .unwrap_or_default();
                    assert!(
                        !text.trim().is_empty(),
                        "{}: a text lacks {locale}: {map:?}",
                        q.id
                    );
                }
            }
        });
        assert!(localized >= 20, "{}: only {localized} texts found", q.id);
    }
}

fn visit(v: &serde_json::Value, f: &mut dyn FnMut(&serde_json::Map<String, serde_json::Value>)) {
    match v {
        serde_json::Value::Object(map) => {
            f(map);
            map.values().for_each(|v| visit(v, f));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| visit(v, f)),
        _ => {}
    }
}

#[test]
fn resolving_narrows_every_text_to_one_locale_and_names_the_body() {
    let q = catalog().get("facilita-servizio", 1).expect("facilita");
    let de = q.resolve(Locale::De, "INPS");
    assert_eq!(de.question("esito").expect("esito").title.0.len(), 1);
    assert_eq!(
        de.question("esito").expect("esito").title.get(Locale::De),
        "Konnten Sie erledigen, was Sie brauchten?"
    );
    let it = q.resolve(Locale::It, "INAIL");
    assert!(
        it.question("fiducia")
            .expect("fiducia")
            .title
            .get(Locale::It)
            .ends_with("fiducia in INAIL».")
    );
    assert_eq!(
        it.question("valutazione"),
        q.resolve(Locale::It, "INAIL").question("valutazione")
    );
}

#[test]
fn a_broken_definition_is_reported_with_the_file_and_the_field() {
    let good = voce_shared::catalog::EMBEDDED_FILES[0].1;
    let renamed = Catalog::load(&[("wrong-name.json", good)]).expect_err("file name");
    assert!(
        renamed.to_string().contains("chiarezza-pagina.v1.json"),
        "{renamed}"
    );

    let broken = good.replacen(
        ",\n        \"de\": \"Wo hatten Sie die größten Schwierigkeiten?\"",
        "",
        1,
    );
    assert_ne!(broken, good, "the fixture must really change the file");
    let err =
        Catalog::load(&[("chiarezza-pagina.v1.json", &broken)]).expect_err("missing translation");
    assert!(
        err.to_string()
            .contains("chiarezza-pagina.v1.json: questions[1].title.de"),
        "{err}"
    );

    let bad_type = good.replacen("\"max_chars\": 200", "\"max_chars\": \"200\"", 1);
    let err = Catalog::load(&[("chiarezza-pagina.v1.json", &bad_type)]).expect_err("bad type");
    assert!(err.to_string().contains("questions[3].kind"), "{err}");

    let forward = good.replacen(
        "\"question\": \"valutazione\"",
        "\"question\": \"dettagli\"",
        1,
    );
    let err =
        Catalog::load(&[("chiarezza-pagina.v1.json", &forward)]).expect_err("forward reference");
    assert!(
        err.to_string().contains("questions[1].shown_if.question"),
        "{err}"
    );
}

#[test]
fn each_questionnaire_declares_which_question_feeds_which_indicator() {
    use voce_shared::{Indicator, IndicatorColumn};
    let c = catalog();
    let sources = |id: &str| -> Vec<(Indicator, String)> {
        c.latest(id)
            .expect("published")
            .indicator_sources()
            .map(|s| (s.indicator, s.question.to_owned()))
            .collect()
    };
    assert_eq!(
        sources("chiarezza-pagina"),
        vec![
            (Indicator::Chiarezza, "valutazione".to_owned()),
            (Indicator::Motivi, "difficolta".to_owned()),
            (Indicator::Motivi, "aspetti-positivi".to_owned()),
        ]
    );
    assert_eq!(
        sources("facilita-servizio")
            .iter()
            .map(|(i, _)| i.column())
            .collect::<Vec<_>>(),
        vec![
            IndicatorColumn::Valutazione,
            IndicatorColumn::Motivo,
            IndicatorColumn::Motivo,
            IndicatorColumn::Esito,
            IndicatorColumn::Soddisfazione,
            IndicatorColumn::Fiducia,
        ]
    );
    for indicator in Indicator::ALL {
        assert_eq!(Indicator::parse(indicator.code()), Some(indicator));
        assert_eq!(indicator.to_string(), indicator.code());
    }
    assert_eq!(Indicator::parse("tasso-risposta"), None);
}

#[test]
fn the_checker_refuses_an_unknown_indicator_or_one_on_the_wrong_kind_of_question() {
    let c = catalog();
    let base = c.latest("facilita-servizio").expect("published").clone();
    let with = |question: &str, indicator: &str| {
        let mut q = base.clone();
        for x in &mut q.questions {
            if x.id == question {
                x.indicator = Some(indicator.to_owned());
            }
        }
        q.check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect::<Vec<_>>()
    };
    let at = |question: &str| {
        let i = base
            .questions
            .iter()
            .position(|x| x.id == question)
            .expect("question");
        vec![format!("questions[{i}].indicator")]
    };
    assert_eq!(with("valutazione", "velocita"), at("valutazione"));
    // A numeric indicator on a choice, a choice indicator on a rating or on free text.
    assert_eq!(with("esito", "soddisfazione"), at("esito"));
    assert_eq!(with("fiducia", "esito"), at("fiducia"));
    assert_eq!(with("dettagli", "motivi"), at("dettagli"));
    assert_eq!(with("dettagli", "fiducia"), at("dettagli"));
    // The published declarations pass.
    assert_eq!(with("esito", "esito"), Vec::<String>::new());
    assert_eq!(with("soddisfazione", "fiducia"), Vec::<String>::new());
}

#[test]
fn a_new_version_is_published_beside_the_old_one_and_the_same_one_twice_is_refused() {
    let v1 = voce_shared::catalog::EMBEDDED_FILES[0].1;
    let v2 = v1.replacen("\"version\": 1", "\"version\": 2", 1);
    assert_ne!(v2, v1, "the fixture must really change the version");
    let c = Catalog::load(&[
        ("chiarezza-pagina.v1.json", v1),
        ("chiarezza-pagina.v2.json", &v2),
    ])
    .expect("two versions of one questionnaire");
    assert_eq!(c.latest("chiarezza-pagina").map(|q| q.version), Ok(2));
    assert_eq!(c.get("chiarezza-pagina", 1).map(|q| q.version), Ok(1));
    assert_eq!(c.reference("chiarezza-pagina", 2).map(|r| r.version), Ok(2));
    let err = Catalog::load(&[
        ("chiarezza-pagina.v1.json", v1),
        ("chiarezza-pagina.v1.json", v1),
    ])
    .expect_err("the same version twice");
    assert_eq!(
        err.to_string(),
        "chiarezza-pagina.v1.json: chiarezza-pagina v1 is defined twice"
    );
    assert!(c.get("chiarezza-pagina", 3).is_err());
    assert!(c.latest("ignoto").is_err());
}
