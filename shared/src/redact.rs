//! Personal-data redaction for free text.
//!
//! Citizens sometimes type their tax code, IBAN, e-mail, phone or card number into a comment.
//! The widget uses [`redact`] to warn them before sending; the collector uses it to remove the data
//! before anything is stored. Every detector checks the structure *and* the check digits where the
//! format has them (codice fiscale check character, IBAN mod 97, card Luhn), so ordinary Italian
//! feedback with amounts, dates, times and case numbers comes through untouched.
//!
//! Redaction is idempotent: the placeholders match no detector.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A kind of personal data the redactor recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PiiKind {
    /// Italian tax code (codice fiscale) of a person.
    CodiceFiscale,
    /// Italian IBAN.
    Iban,
    /// E-mail address.
    Email,
    /// Italian mobile or landline number.
    Telefono,
    /// Payment card number.
    Carta,
}

impl PiiKind {
    /// The text that replaces data of this kind.
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::CodiceFiscale => "[codice fiscale rimosso]",
            PiiKind::Iban => "[IBAN rimosso]",
            PiiKind::Email => "[email rimossa]",
            PiiKind::Telefono => "[telefono rimosso]",
            PiiKind::Carta => "[carta rimossa]",
        }
    }

    /// The stable machine code, such as `codice-fiscale`.
    pub fn code(self) -> &'static str {
        match self {
            PiiKind::CodiceFiscale => "codice-fiscale",
            PiiKind::Iban => "iban",
            PiiKind::Email => "email",
            PiiKind::Telefono => "telefono",
            PiiKind::Carta => "carta",
        }
    }
}

/// The result of redaction: the text with placeholders, and which kinds were found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Redacted {
    /// The text with every finding replaced by its placeholder.
    pub text: String,
    /// The kinds found (empty when the text was left untouched).
    pub found: BTreeSet<PiiKind>,
}

/// Finds personal data in `text` and replaces each finding with its kind's placeholder.
///
/// Replacing one finding can expose another (two e-mail addresses sharing characters, say), so
/// the passes repeat until one finds nothing: the result is a fixpoint, which makes redaction
/// idempotent by construction. Each pass removes at least one character that is not part of a
/// placeholder, so the loop ends; the cap only bounds pathological input.
pub fn redact(text: &str) -> Redacted {
    const MAX_PASSES: usize = 16;
    let mut text = text.to_owned();
    let mut found = 0u8;
    for _ in 0..MAX_PASSES {
        let (next, kinds) = redact_once(&text);
        if kinds == 0 {
            break;
        }
        text = next;
        found |= kinds;
    }
    Redacted {
        text,
        found: ALL_KINDS
            .into_iter()
            .filter(|k| found & k.bit() != 0)
            .collect(),
    }
}

/// Whether [`redact`] would find anything in `text`: what the widget asks to warn the citizen,
/// without building the redacted text (the same detectors, the first pass of `redact`).
pub fn contains_personal_data(text: &str) -> bool {
    !find(&char_positions(text)).is_empty()
}

const ALL_KINDS: [PiiKind; 5] = [
    PiiKind::CodiceFiscale,
    PiiKind::Iban,
    PiiKind::Email,
    PiiKind::Telefono,
    PiiKind::Carta,
];

impl PiiKind {
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

fn char_positions(text: &str) -> Vec<(usize, char)> {
    text.char_indices().collect()
}

/// Every finding of one pass, without overlaps, in text order.
fn find(chars: &[(usize, char)]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    // Detectors in priority order: a later finding that overlaps an earlier one is dropped.
    // The others go in at their place in text order (kept sorted as they come, rather than
    // sorted afterwards: a sort costs the widget a kilobyte; findings never share a start).
    for detector in [emails, ibans, codici_fiscali, cards_and_phones] {
        for span in detector(chars) {
            if !spans
                .iter()
                .any(|s| s.start < span.end && span.start < s.end)
            {
                let at = spans.partition_point(|s| s.start < span.start);
                spans.insert(at, span);
            }
        }
    }
    spans
}

/// One pass of the detectors over `text`: the text with placeholders, and the kinds found as
/// bits ([`PiiKind::bit`]).
fn redact_once(text: &str) -> (String, u8) {
    let chars = char_positions(text);
    let byte = |i: usize| chars.get(i).map_or(text.len(), |(b, _)| *b);
    let mut out = String::with_capacity(text.len());
    let mut found = 0u8;
    let mut last = 0;
    for span in find(&chars) {
        out.push_str(&text[byte(last)..byte(span.start)]);
        out.push_str(span.kind.placeholder());
        found |= span.kind.bit();
        last = span.end;
    }
    out.push_str(&text[byte(last)..]);
    (out, found)
}

/// A finding, in char positions `start..end`.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    kind: PiiKind,
}

fn at(chars: &[(usize, char)], i: usize) -> Option<char> {
    chars.get(i).map(|(_, c)| *c)
}

/// Whether `c` is part of a word, for the word boundaries around a codice fiscale, an IBAN or a
/// number. The rule, chosen so the widget needs no Unicode tables: ASCII letters and digits are
/// word characters; so is every non-ASCII character except the spaces, quotes, dashes and other
/// punctuation of [`is_non_ascii_separator`] (what Italian, German, French and Slovenian text puts
/// between words). Accented letters (`è`, `ß`, `č`) thus count as letters, as they did.
fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| {
        if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            !is_non_ascii_separator(c)
        }
    })
}

/// Non-ASCII characters that separate words: the Latin-1 spaces, quotes and signs (`«»`, NBSP,
/// soft hyphen, `§°±·¿`…, but not `ª º µ ¹ ² ³ ¼ ½ ¾`, which are letters or digits), `×` and `÷`,
/// general punctuation (the Unicode spaces, dashes, quotes `“”„‘’‹›`, the ellipsis, bullets, the
/// zero-width joiner), currency signs (`€`), arrows, mathematical and technical symbols, box
/// drawing, shapes, dingbats, variation selectors, the ideographic space, the byte-order mark,
/// and the emoji planes (`😀`, `👍`).
fn is_non_ascii_separator(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{a9}'
        | '\u{ab}'..='\u{b1}'
        | '\u{b4}'
        | '\u{b6}'..='\u{b8}'
        | '\u{bb}'
        | '\u{bf}'
        | '\u{d7}'
        | '\u{f7}'
        | '\u{2000}'..='\u{206f}'
        | '\u{20a0}'..='\u{20cf}'
        | '\u{2190}'..='\u{245f}'
        | '\u{2500}'..='\u{2bff}'
        | '\u{3000}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{feff}'
        | '\u{1f000}'..='\u{1faff}'
    )
}

fn emails(chars: &[(usize, char)]) -> Vec<Span> {
    let local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let domain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let mut spans = Vec::new();
    for (i, &(_, c)) in chars.iter().enumerate() {
        if c != '@' {
            continue;
        }
        let mut start = i;
        while start > 0 && at(chars, start - 1).is_some_and(local) {
            start -= 1;
        }
        while start < i && at(chars, start) == Some('.') {
            start += 1;
        }
        let mut end = i + 1;
        while at(chars, end).is_some_and(domain) {
            end += 1;
        }
        while end > i + 1 && matches!(at(chars, end - 1), Some('.' | '-')) {
            end -= 1;
        }
        if start == i || end == i + 1 {
            continue;
        }
        // The host is ASCII (letters, digits, dots, hyphens): it needs a dot, no empty label,
        // and a top-level domain of two or more letters.
        let host = &chars[i + 1..end];
        let last_dot = host.iter().rposition(|&(_, c)| c == '.');
        let double_dot = host.windows(2).any(|w| w[0].1 == '.' && w[1].1 == '.');
        if let (Some(dot), false) = (last_dot, double_dot)
            && host.len() - dot > 2
            && host[dot + 1..].iter().all(|(_, c)| c.is_ascii_alphabetic())
        {
            spans.push(Span {
                start,
                end,
                kind: PiiKind::Email,
            });
        }
    }
    spans
}

/// Collects up to `n` ASCII alphanumerics from `start`, allowing one space or hyphen between
/// them. Returns the upper-cased characters and the char position after the last one, or `None`
/// when fewer than `n` are found or the token runs on into further letters or digits.
fn spaced_token(chars: &[(usize, char)], start: usize, n: usize) -> Option<(Vec<u8>, usize)> {
    let mut token = Vec::with_capacity(n);
    let mut i = start;
    while token.len() < n {
        match at(chars, i) {
            Some(c) if c.is_ascii_alphanumeric() => {
                token.push(c.to_ascii_uppercase() as u8);
                i += 1;
            }
            Some(' ' | '-')
                if !token.is_empty()
                    && at(chars, i + 1).is_some_and(|c| c.is_ascii_alphanumeric()) =>
            {
                i += 1
            }
            _ => return None,
        }
    }
    (!is_word(at(chars, i))).then_some((token, i))
}

fn word_starts(chars: &[(usize, char)]) -> impl Iterator<Item = usize> + '_ {
    (0..chars.len())
        .filter(move |&i| is_word(at(chars, i)) && (i == 0 || !is_word(at(chars, i - 1))))
}

fn codici_fiscali(chars: &[(usize, char)]) -> Vec<Span> {
    word_starts(chars)
        .filter_map(|start| {
            let (token, end) = spaced_token(chars, start, 16)?;
            is_codice_fiscale(&token).then_some(Span {
                start,
                end,
                kind: PiiKind::CodiceFiscale,
            })
        })
        .collect()
}

/// The letters that replace digits in an omocode codice fiscale, for 0 to 9.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// Month letters of the codice fiscale, January to December.
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";

/// Whether 16 upper-case ASCII characters form a personal codice fiscale with a correct check
/// character (omocode substitutions allowed).
pub fn is_codice_fiscale(cf: &[u8]) -> bool {
    if cf.len() != 16 {
        return false;
    }
    let digit_like = |b: u8| b.is_ascii_digit() || OMOCODIA.contains(&b);
    let shape = cf[..6].iter().all(u8::is_ascii_uppercase)
        && cf[6..8].iter().copied().all(digit_like)
        && MONTHS.contains(&cf[8])
        && cf[9..11].iter().copied().all(digit_like)
        && cf[11].is_ascii_uppercase()
        && cf[12..15].iter().copied().all(digit_like)
        && cf[15].is_ascii_uppercase();
    shape && codice_fiscale_check(&cf[..15]) == Some(cf[15])
}

/// The check character of the first 15 characters of a codice fiscale.
pub fn codice_fiscale_check(first15: &[u8]) -> Option<u8> {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let mut sum = 0u32;
    for (i, &b) in first15.iter().enumerate() {
        let index = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A'),
            _ => return None,
        };
        // Positions are counted from 1: odd positions use the table, even ones the index.
        sum += if i % 2 == 0 {
            ODD[index as usize]
        } else {
            index
        };
    }
    Some(b'A' + (sum % 26) as u8)
}

fn ibans(chars: &[(usize, char)]) -> Vec<Span> {
    word_starts(chars)
        .filter(|&i| {
            matches!(at(chars, i), Some('I' | 'i')) && matches!(at(chars, i + 1), Some('T' | 't'))
        })
        .filter_map(|start| {
            let (token, end) = spaced_token(chars, start, 27)?;
            is_italian_iban(&token).then_some(Span {
                start,
                end,
                kind: PiiKind::Iban,
            })
        })
        .collect()
}

/// Whether 27 upper-case ASCII characters form an Italian IBAN with correct mod-97 check digits.
pub fn is_italian_iban(iban: &[u8]) -> bool {
    iban.len() == 27
        && iban.starts_with(b"IT")
        && iban[2..4].iter().all(u8::is_ascii_digit)
        && iban[4].is_ascii_uppercase()
        && iban[5..15].iter().all(u8::is_ascii_digit)
        && iban[15..].iter().all(u8::is_ascii_alphanumeric)
        && iban_mod97(iban) == Some(1)
}

/// The ISO 13616 remainder: the IBAN with its first four characters moved to the end, letters
/// as 10..35, modulo 97. A valid IBAN gives 1.
pub fn iban_mod97(iban: &[u8]) -> Option<u32> {
    let rotated = iban.get(4..)?.iter().chain(iban.get(..4)?);
    let mut rem = 0u32;
    for &b in rotated {
        match b {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => rem = (rem * 100 + u32::from(b - b'A') + 10) % 97,
            _ => return None,
        }
    }
    Some(rem)
}

/// Whether the digits pass the Luhn check of payment cards.
pub fn luhn_valid(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d);
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// A run of digits with single separators between them, such as `06 1234-5678`.
struct NumberRun {
    start: usize,
    end: usize,
    digits: Vec<u8>,
    groups: Vec<usize>,
    /// Whether any separator is not a dot (a run with only dots may be an amount).
    other_separator: bool,
    plus: bool,
}

fn number_runs(chars: &[(usize, char)]) -> Vec<NumberRun> {
    let digit = |i: usize| at(chars, i).is_some_and(|c| c.is_ascii_digit());
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !digit(i) || is_word(i.checked_sub(1).and_then(|p| at(chars, p))) {
            i += 1;
            continue;
        }
        let plus = i > 0 && at(chars, i - 1) == Some('+');
        let start = if plus { i - 1 } else { i };
        let mut run = NumberRun {
            start,
            end: i,
            digits: Vec::new(),
            groups: vec![0],
            other_separator: false,
            plus,
        };
        let mut j = i;
        loop {
            if digit(j) {
                run.digits.push(chars[j].1 as u8 - b'0');
                if let Some(g) = run.groups.last_mut() {
                    *g += 1;
                }
                j += 1;
                run.end = j;
            } else if let Some(sep @ (' ' | '-' | '/' | '.')) = at(chars, j) {
                if !digit(j + 1) {
                    break;
                }
                run.other_separator |= sep != '.';
                run.groups.push(0);
                j += 1;
            } else {
                break;
            }
        }
        i = j.max(i + 1);
        // A run that a letter follows is part of a word (digits cannot follow: the run ends
        // at the first non-digit).
        if !is_word(at(chars, run.end)) {
            runs.push(run);
        }
    }
    runs
}

fn looks_like_date_or_amount(run: &NumberRun) -> bool {
    let g = &run.groups;
    let date = g.len() == 3 && g[0] <= 2 && g[1] <= 2 && (g[2] == 2 || g[2] == 4)
        || g.len() == 3 && g[0] == 4 && g[1] <= 2 && g[2] <= 2;
    // Thousands separators: 1.234.567
    let amount = !run.other_separator && g.len() > 1 && g[1..].iter().all(|&n| n == 3) && g[0] <= 3;
    date || amount
}

fn cards_and_phones(chars: &[(usize, char)]) -> Vec<Span> {
    let mut spans = Vec::new();
    for run in number_runs(chars) {
        if looks_like_date_or_amount(&run) {
            continue;
        }
        let n = run.digits.len();
        if !run.plus && (13..=19).contains(&n) && luhn_valid(&run.digits) {
            spans.push(Span {
                start: run.start,
                end: run.end,
                kind: PiiKind::Carta,
            });
            continue;
        }
        let (prefixed, national): (bool, &[u8]) = if run.plus && run.digits.starts_with(&[3, 9]) {
            (true, &run.digits[2..])
        } else if run.digits.starts_with(&[0, 0, 3, 9]) {
            (true, &run.digits[4..])
        } else {
            (false, &run.digits[..])
        };
        let len = national.len();
        let mobile = national.first() == Some(&3)
            && if prefixed {
                (9..=10).contains(&len)
            } else {
                len == 10
            };
        let landline = national.first() == Some(&0)
            && national.get(1).is_some_and(|&d| d != 0)
            && if prefixed {
                (6..=11).contains(&len)
            } else {
                (8..=11).contains(&len)
            };
        if mobile || landline {
            spans.push(Span {
                start: run.start,
                end: run.end,
                kind: PiiKind::Telefono,
            });
        }
    }
    spans
}
