//! The redactor: what it finds, what it leaves alone, and that it never mangles ordinary feedback.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use voce_shared::redact::{
    codice_fiscale_check, iban_mod97, is_codice_fiscale, is_italian_iban, luhn_valid,
};
use voce_shared::{PiiKind, contains_personal_data, redact};

fn kinds(text: &str) -> Vec<PiiKind> {
    redact(text).found.into_iter().collect()
}

#[test]
fn a_valid_codice_fiscale_is_found_in_lower_case() {
    let r = redact("il mio cf è rssmra85t10a562s grazie");
    assert_eq!(r.text, "il mio cf è [codice fiscale rimosso] grazie");
    assert_eq!(
        kinds("il mio cf è rssmra85t10a562s grazie"),
        vec![PiiKind::CodiceFiscale]
    );
}

#[test]
fn a_codice_fiscale_is_found_with_spaces_and_omocodia() {
    assert_eq!(
        redact("CF: RSS MRA 85T10 A562S.").text,
        "CF: [codice fiscale rimosso]."
    );
    // Omocodia: the last digit 2 of the town code becomes N, which changes the check character.
    let mut omocode = *b"RSSMRA85T10A56N_";
    omocode[15] = codice_fiscale_check(&omocode[..15]).expect("check");
    let omocode = String::from_utf8(omocode.to_vec()).expect("ascii");
    assert!(is_codice_fiscale(omocode.as_bytes()));
    assert_eq!(
        kinds(&format!("codice {omocode}")),
        vec![PiiKind::CodiceFiscale]
    );
}

#[test]
fn a_codice_fiscale_with_a_wrong_check_character_is_left_alone() {
    assert_eq!(kinds("rssmra85t10a562x"), vec![]);
    assert_eq!(
        kinds("RSSMRA85T10A562SX"),
        vec![],
        "seventeen characters are not a tax code"
    );
}

#[test]
fn an_italian_iban_is_found_with_spaces() {
    let r = redact("IBAN IT60 X054 2811 1010 0000 0123 456");
    assert_eq!(r.text, "IBAN [IBAN rimosso]");
    assert_eq!(
        kinds("iban it60x0542811101000000123456."),
        vec![PiiKind::Iban]
    );
    assert_eq!(
        kinds("IT61 X054 2811 1010 0000 0123 456"),
        vec![],
        "wrong check digits"
    );
}

#[test]
fn emails_phones_and_cards_are_found() {
    for (text, kind) in [
        (
            "scrivetemi a mario.rossi+inps@example.it per favore",
            PiiKind::Email,
        ),
        ("MARIA_BIANCHI@PEC.COMUNE.ROMA.IT", PiiKind::Email),
        ("chiamatemi al 333 123 4567", PiiKind::Telefono),
        ("cell. 3331234567", PiiKind::Telefono),
        ("tel +39 06 1234 5678", PiiKind::Telefono),
        ("+393471234567", PiiKind::Telefono),
        ("0039 333 1234567", PiiKind::Telefono),
        ("ufficio 06/12345678", PiiKind::Telefono),
        ("fisso 011-1234567", PiiKind::Telefono),
        ("carta 4111 1111 1111 1111 scaduta", PiiKind::Carta),
        ("5500-0000-0000-0004", PiiKind::Carta),
    ] {
        assert_eq!(
            kinds(text),
            vec![kind],
            "{text:?} -> {:?}",
            redact(text).text
        );
    }
}

#[test]
fn several_kinds_in_one_comment_are_all_replaced() {
    let r = redact(
        "Sono RSSMRA85T10A562S, mail a@b.it, cell 3331234567, IBAN IT60X0542811101000000123456",
    );
    assert_eq!(
        r.text,
        "Sono [codice fiscale rimosso], mail [email rimossa], cell [telefono rimosso], IBAN [IBAN rimosso]"
    );
    assert_eq!(r.found.len(), 4);
}

/// Realistic comments with numbers, dates, amounts and case numbers: none is personal data.
const ORDINARY_FEEDBACK: &[&str] = &[
    "ho pagato 120,50 euro il 3/10/2025 alle 14:30",
    "Ho atteso 45 minuti prima di riuscire a entrare con lo SPID.",
    "La domanda NASpI è stata inviata il 12.03.2024 ma risulta ancora in istruttoria.",
    "Il modello 730/2024 non si scaricava, errore 500 più volte.",
    "Pratica n. 2023/456789 ferma da 3 mesi, protocollo INPS.0012345.",
    "Ho pagato la TARI 2024: 1.234,56 € in 4 rate da 308,64 €.",
    "Appuntamento per la carta d'identità fissato per il 02-12-2025 alle ore 9.30.",
    "Il sito funziona bene da smartphone, ottimo lavoro!",
    "Non trovo il modulo per la denuncia di infortunio, CAP 00144 Roma.",
    "ISEE 2025 pari a 15.000 euro, la pagina non spiega le fasce.",
    "Ho chiamato il numero verde 803 164 ma nessuno risponde.",
    "Dal 01/02/2024 al 28/02/2024 il servizio era irraggiungibile.",
    "Importo rimborsato 1.250.000 lire nel 1998, ora 645,57 euro.",
    "Via Nazionale 123, interno 4, scala B: l'indirizzo è corretto.",
    "La pagina dice 30 giorni, ma io ho aspettato 60 giorni.",
    "Codice pratica: ABC123, versione 2.4.1 dell'app.",
    "Voto 5 stelle perché è tutto chiaro 👍",
    "Orari: lun-ven 8:30-12:30, gio 14:30-16:30",
    "Il PIN dispositivo INPS non serve più, ora solo SPID, CIE o CNS.",
    "Anno 2025, mese 11, giorno 26: ancora nessuna risposta.",
];

#[test]
fn ordinary_italian_feedback_comes_through_untouched() {
    for text in ORDINARY_FEEDBACK {
        let r = redact(text);
        assert_eq!(r.text, *text, "mangled: {:?}", r.found);
        assert!(r.found.is_empty());
    }
}

#[test]
fn redaction_is_idempotent_on_the_examples() {
    for text in [
        "il mio cf è rssmra85t10a562s grazie",
        "IBAN IT60 X054 2811 1010 0000 0123 456",
        "a@b.it 3331234567",
    ] {
        let once = redact(text).text;
        let twice = redact(&once);
        assert_eq!(twice.text, once);
        assert!(twice.found.is_empty());
    }
}

#[test]
fn the_check_digit_helpers_agree_with_known_values() {
    assert_eq!(codice_fiscale_check(b"RSSMRA85T10A562"), Some(b'S'));
    assert_eq!(iban_mod97(b"IT60X0542811101000000123456"), Some(1));
    assert_eq!(iban_mod97(b"GB82WEST12345698765432"), Some(1));
    assert!(luhn_valid(&[
        4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
    ]));
    assert!(!luhn_valid(&[
        4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2
    ]));
}

/// Found by `cargo fuzz run redactor`: replacing the first address exposed a second one.
#[test]
fn overlapping_addresses_are_redacted_in_one_call() {
    let text = "A4.4..@4A4.4..@4...4..@4.nn.._%..4..@4.nn.";
    let once = redact(text);
    let twice = redact(&once.text);
    assert_eq!(twice.text, once.text);
    assert!(twice.found.is_empty());
    assert_eq!(
        once.found.into_iter().collect::<Vec<_>>(),
        vec![PiiKind::Email]
    );
}

#[test]
fn odd_input_never_panics() {
    for text in [
        "",
        "@",
        "@@.@",
        "a@",
        "@b.it",
        "+",
        "+39",
        "IT",
        "é@è.à",
        "\u{0}\u{feff}",
        "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0",
    ] {
        let _ = redact(text);
    }
}

/// Edge cases of every detector, as (text, what it becomes): data at the very start and end of
/// the text, next to punctuation and letters, at the exact lengths, and just outside them.
const EDGES: &[(&str, &str)] = &[
    // E-mail addresses: the local part and the host stop at the first character they cannot
    // hold; dots and hyphens at either end are punctuation, not part of the address.
    ("a@b.it", "[email rimossa]"),
    ("a@b.it ciao", "[email rimossa] ciao"),
    ("scrivi a@b.it", "scrivi [email rimossa]"),
    ("scrivi a@b.it.", "scrivi [email rimossa]."),
    ("a@b.it-", "[email rimossa]-"),
    ("a@b-c.it", "[email rimossa]"),
    (".a@b.it", ".[email rimossa]"),
    ("(a.b@c.it)", "([email rimossa])"),
    ("a@b.co", "[email rimossa]"),
    ("..@b.it", "..@b.it"),
    ("@b.it", "@b.it"),
    ("a@", "a@"),
    ("a@.", "a@."),
    ("a@-", "a@-"),
    ("a@b.i", "a@b.i"),
    ("a@b.i1", "a@b.i1"),
    ("a@b..it", "a@b..it"),
    ("a@localhost", "a@localhost"),
    // An IBAN is 27 characters with at most one space or hyphen between any two, at a word start.
    ("IT60X0542811101000000123456", "[IBAN rimosso]"),
    ("it60x0542811101000000123456", "[IBAN rimosso]"),
    ("IT60-X054-2811-1010-0000-0123-456", "[IBAN rimosso]"),
    ("IT60X0542811101000000123456.", "[IBAN rimosso]."),
    ("IT60X0542811101000000123456-", "[IBAN rimosso]-"),
    ("«IT60X0542811101000000123456»", "«[IBAN rimosso]»"),
    (
        "IT60  X054 2811 1010 0000 0123 456",
        "IT60  X054 2811 1010 0000 0123 456",
    ),
    (
        "IT60 -X054 2811 1010 0000 0123 456",
        "IT60 -X054 2811 1010 0000 0123 456",
    ),
    (
        "IT60X05428111010000001234567",
        "IT60X05428111010000001234567",
    ),
    (
        "IT24X05428111010000001234567",
        "IT24X05428111010000001234567",
    ),
    ("IT90X054281110100000012345", "IT90X054281110100000012345"),
    (
        "xIT60X0542811101000000123456",
        "xIT60X0542811101000000123456",
    ),
    (
        "èIT60X0542811101000000123456",
        "èIT60X0542811101000000123456",
    ),
    (
        "IT60X0542811101000000123456è",
        "IT60X0542811101000000123456è",
    ),
    // A codice fiscale: 16 characters at a word start, not running on into a letter or digit.
    ("RSSMRA85T10A562S", "[codice fiscale rimosso]"),
    ("RSS-MRA-85T10-A562S", "[codice fiscale rimosso]"),
    ("«RSSMRA85T10A562S»", "«[codice fiscale rimosso]»"),
    ("RSSMRA85T10A562S👍", "[codice fiscale rimosso]👍"),
    (
        "RSSMRA85T10A562S\u{a0}ok",
        "[codice fiscale rimosso]\u{a0}ok",
    ),
    ("RSSMRA85T10A562Sè", "RSSMRA85T10A562Sè"),
    ("èRSSMRA85T10A562S", "èRSSMRA85T10A562S"),
    ("ßRSSMRA85T10A562S", "ßRSSMRA85T10A562S"),
    ("RSSMRA85T10A562S1", "RSSMRA85T10A562S1"),
    ("RSSMRA85T10A562", "RSSMRA85T10A562"),
    // Telephone numbers: the `+` of the prefix goes with them; letters on either side make them
    // part of a word; two separators in a row end the run.
    ("3331234567", "[telefono rimosso]"),
    ("cell 3331234567", "cell [telefono rimosso]"),
    ("3331234567.", "[telefono rimosso]."),
    ("3931234567", "[telefono rimosso]"),
    ("1234567890", "1234567890"),
    ("+39 1234567890", "+39 1234567890"),
    ("+393331234567", "[telefono rimosso]"),
    ("chiama +39 333 1234567", "chiama [telefono rimosso]"),
    ("+39 333 123 456", "[telefono rimosso]"),
    ("+39.333.123.456", "+39.333.123.456"),
    ("tel3331234567", "tel3331234567"),
    ("3331234567abc", "3331234567abc"),
    ("333  1234567", "333  1234567"),
    ("333 1234567-", "[telefono rimosso]-"),
    // Mobile numbers have ten digits (nine or ten after +39); landlines 8 to 11 (6 to 11).
    ("333123456", "333123456"),
    ("33312345678", "33312345678"),
    ("+39 333123456", "[telefono rimosso]"),
    ("+39 33312345678", "+39 33312345678"),
    ("0039 3331234567", "[telefono rimosso]"),
    ("06123456", "[telefono rimosso]"),
    ("0612345", "0612345"),
    ("06123456789", "[telefono rimosso]"),
    ("061234567890", "061234567890"),
    ("00123456", "00123456"),
    ("+39 061234", "[telefono rimosso]"),
    ("+39 06123", "+39 06123"),
    ("+39 06123456789", "[telefono rimosso]"),
    ("+39 061234567890", "+39 061234567890"),
    ("+44 3331234567", "+44 3331234567"),
    // Cards: 13 to 19 digits with a valid Luhn check, never after a `+`.
    ("4222222222222", "[carta rimossa]"),
    ("carta 4222222222222", "carta [carta rimossa]"),
    ("422222222222", "422222222222"),
    ("4111111111111111110", "[carta rimossa]"),
    ("41111111111111111115", "41111111111111111115"),
    ("4111 1111 1111 1111.", "[carta rimossa]."),
    ("+4222222222222", "+4222222222222"),
    // Dates (d/m/yy, d/m/yyyy, yyyy-m-d) and amounts with thousands dots are not telephones.
    ("01/02/2024", "01/02/2024"),
    ("dal 01/02/2024.", "dal 01/02/2024."),
    ("01/02/2024/5", "[telefono rimosso]"),
    ("01.02.24", "01.02.24"),
    ("0612-01-02", "0612-01-02"),
    ("01/02/20245", "[telefono rimosso]"),
    ("012/02/2024", "[telefono rimosso]"),
    ("01/023/2024", "[telefono rimosso]"),
    ("0612-013-02", "[telefono rimosso]"),
    ("0612-01-023", "[telefono rimosso]"),
    ("06123-01-02", "[telefono rimosso]"),
    ("061.234.567", "061.234.567"),
    ("0612.345.678", "[telefono rimosso]"),
    ("061.2345.678", "[telefono rimosso]"),
    ("061 234 567", "[telefono rimosso]"),
    // Findings that touch are both replaced; one inside another is replaced once.
    ("a@b.it+393331234567", "[email rimossa][telefono rimosso]"),
    ("3331234567@esempio.it", "[email rimossa]"),
    (
        "RSSMRA85T10A562S a@b.it 3331234567",
        "[codice fiscale rimosso] [email rimossa] [telefono rimosso]",
    ),
    (
        "3331234567 IT60X0542811101000000123456 a@b.it",
        "[telefono rimosso] [IBAN rimosso] [email rimossa]",
    ),
];

#[test]
fn each_detector_holds_at_the_edges() {
    let mut wrong = Vec::new();
    for (text, expected) in EDGES {
        let r = redact(text);
        if r.text != *expected || r.found.is_empty() != (text == expected) {
            wrong.push(format!(
                "{text:?} -> {:?} {:?}, expected {expected:?}",
                r.text, r.found
            ));
        }
        assert_eq!(contains_personal_data(text), text != expected, "{text:?}");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_kind_has_its_code_and_placeholder() {
    let all = [
        (
            PiiKind::CodiceFiscale,
            "codice-fiscale",
            "[codice fiscale rimosso]",
        ),
        (PiiKind::Iban, "iban", "[IBAN rimosso]"),
        (PiiKind::Email, "email", "[email rimossa]"),
        (PiiKind::Telefono, "telefono", "[telefono rimosso]"),
        (PiiKind::Carta, "carta", "[carta rimossa]"),
    ];
    for (kind, code, placeholder) in all {
        assert_eq!(kind.code(), code);
        assert_eq!(kind.placeholder(), placeholder);
        assert_eq!(
            serde_json::to_value(kind).expect("serialise"),
            serde_json::json!(code)
        );
        assert!(!contains_personal_data(placeholder));
    }
    let r = redact("4222222222222, RSSMRA85T10A562S");
    assert_eq!(
        r.found.into_iter().collect::<Vec<_>>(),
        [PiiKind::CodiceFiscale, PiiKind::Carta]
    );
}

#[test]
fn a_codice_fiscale_breaking_one_shape_rule_is_refused_even_with_its_check_character() {
    assert!(is_codice_fiscale(b"RSSMRA85T10A562S"));
    // Each has the check character its first fifteen characters give, and one character where
    // the shape does not allow it.
    for cf in [
        "RSSMR185T10A562T", // a digit in the surname letters
        "RSSMRAX5T10A562Y", // a letter that stands for no digit in the year
        "RSSMRA85F10A562R", // F is no month
        "RSSMRA85T1XA562Q", // a letter that stands for no digit in the day
        "RSSMRA85T101562T", // a digit where the town code starts with a letter
        "RSSMRA85T10A5X2J", // a letter that stands for no digit in the town code
    ] {
        assert!(!is_codice_fiscale(cf.as_bytes()), "{cf}");
    }
    assert!(!is_codice_fiscale(b"RSSMRA85T10A562"));
    assert!(!is_codice_fiscale(b"RSSMRA85T10A562SS"));
    assert!(!is_codice_fiscale(b"RSSMRA85T10A5621"));
    assert_eq!(codice_fiscale_check(b"RSSMRA85T10A56*"), None);
    assert_eq!(codice_fiscale_check(b"rssmra85t10a562"), None);
}

#[test]
fn an_iban_breaking_one_italian_rule_is_refused_even_with_valid_check_digits() {
    assert!(is_italian_iban(b"IT60X0542811101000000123456"));
    for iban in [
        "IT90X054281110100000012345",   // 26 characters
        "IT24X05428111010000001234567", // 28 characters
        "DE53X0542811101000000123456",  // not Italian
        "IT2910542811101000000123456",  // a digit where the CIN letter goes
        "IT06X0542A11101000000123456",  // a letter in the bank and branch codes
        "IT60x0542811101000000123456",  // lower case is the caller's to fold
    ] {
        assert!(!is_italian_iban(iban.as_bytes()), "{iban}");
    }
    assert_eq!(iban_mod97(b"IT60"), Some(18), "182960 mod 97");
    assert_eq!(iban_mod97(b"IT6"), None);
    assert_eq!(iban_mod97(b"it60X0542811101000000123456"), None);
    assert_eq!(iban_mod97(b"IT60X05428111010000001234-6"), None);
}

#[test]
fn luhn_needs_at_least_one_digit() {
    assert!(!luhn_valid(&[]));
    assert!(luhn_valid(&[0]));
    assert!(luhn_valid(&[1, 8]));
    assert!(!luhn_valid(&[8, 1]));
    assert!(luhn_valid(&[5, 9]));
}

/// One pass finds every piece of data, however many a comment holds (further passes only catch
/// what a replacement exposes, and they are capped).
#[test]
fn a_comment_with_many_numbers_is_redacted_whole() {
    let numbers: Vec<String> = (0..40).map(|i| format!("33312345{i:02}")).collect();
    let text = numbers.join(", ");
    let r = redact(&text);
    assert_eq!(r.text, vec!["[telefono rimosso]"; 40].join(", "));
}
