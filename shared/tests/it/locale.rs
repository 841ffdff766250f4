//! Locales and localized texts: codes, negotiation, the Italian fallback, and the JSON shape the
//! catalog's content hashes depend on.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use voce_shared::{Locale, Localized};

#[test]
fn every_locale_has_its_code_and_parses_from_it_in_any_case() {
    let codes: Vec<String> = Locale::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(codes, ["it", "en", "de", "fr", "sl"]);
    for l in Locale::ALL {
        assert_eq!(l.code().parse::<Locale>(), Ok(l));
        assert_eq!(l.code().to_uppercase().parse::<Locale>(), Ok(l));
    }
    let err = "es".parse::<Locale>().expect_err("not spoken");
    assert_eq!(err.0, "es");
    assert_eq!(
        err.to_string(),
        "unsupported locale \"es\": expected one of it, en, de, fr, sl"
    );
    assert_eq!(Locale::default(), Locale::It);
}

#[test]
fn each_locale_picks_its_own_entry_of_a_five_language_table() {
    let table = ["it", "en", "de", "fr", "sl"];
    for locale in Locale::ALL {
        assert_eq!(locale.pick(table), locale.code());
    }
    assert_eq!(Locale::Sl.pick([1, 2, 3, 4, 5]), 5);
}

#[test]
fn negotiation_reads_the_primary_language_and_falls_back_to_italian() {
    for (tag, locale) in [
        ("de-AT", Locale::De),
        ("EN", Locale::En),
        ("fr_CH", Locale::Fr),
        ("sl", Locale::Sl),
        ("it-IT", Locale::It),
        ("es-ES", Locale::It),
        ("", Locale::It),
        ("-de", Locale::It),
    ] {
        assert_eq!(Locale::negotiate(tag), locale, "{tag:?}");
    }
}

#[test]
fn a_missing_translation_falls_back_to_italian() {
    let mut text = Localized::from("Ciao");
    text.set(Locale::De, "Hallo".into());
    assert_eq!(text.get(Locale::De), "Hallo");
    assert_eq!(text.get(Locale::Fr), "Ciao");
    assert_eq!(text.exact(Locale::Fr), None);
    assert_eq!(text.exact(Locale::De), Some("Hallo"));
    assert_eq!(text.italian(), "Ciao");
    assert_eq!(
        text.resolve(Locale::Sl),
        Localized(vec![(Locale::Sl, "Ciao".into())])
    );
    assert_eq!(
        text.resolve(Locale::De),
        Localized(vec![(Locale::De, "Hallo".into())])
    );
    // Without Italian there is nothing to fall back to.
    let german_only = Localized(vec![(Locale::De, "Hallo".into())]);
    assert_eq!(german_only.get(Locale::En), "");
    assert_eq!(german_only.italian(), "");
}

#[test]
fn setting_a_text_keeps_one_per_language_in_the_order_of_all() {
    let mut text = Localized::default();
    text.set(Locale::Sl, "Živjo".into());
    text.set(Locale::En, "Hi".into());
    text.set(Locale::It, "Ciao".into());
    text.set(Locale::En, "Hello".into());
    assert_eq!(
        text.iter().collect::<Vec<_>>(),
        [
            (Locale::It, "Ciao"),
            (Locale::En, "Hello"),
            (Locale::Sl, "Živjo")
        ]
    );
}

#[test]
fn texts_read_and_write_the_json_of_a_map_in_locale_order() {
    let text: Localized =
        serde_json::from_str(r#"{"sl": "Živjo", "it": "Ciao", "en": "Hi", "en": "Hello"}"#)
            .expect("a map of texts");
    assert_eq!(
        serde_json::to_string(&text).expect("serialise"),
        r#"{"it":"Ciao","en":"Hello","sl":"Živjo"}"#
    );
    let err = serde_json::from_str::<Localized>(r#""Ciao""#).expect_err("not a map");
    assert!(err.to_string().contains("expected a map"), "{err}");
    assert!(serde_json::from_str::<Localized>(r#"{"es": "Hola"}"#).is_err());
}
