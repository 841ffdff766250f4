//! Hand-written (not serde) for the widget's size budget: the HTTP request the widget sends.
//!
//! [`submit_request`] writes the JSON body of `POST /v1/responses`; [`Outgoing`] keeps the
//! request (ticket and body) so a retry re-sends it byte for byte. `serde_json`'s serializer is
//! correct but costs kilobytes of WebAssembly that the widget's size budget cannot spare. The body is small and its shape fixed ([`SubmitRequest`]), so a few
//! lines write exactly what `serde_json::to_string` writes for it; native tests hold them to that.
//!
//! [`SubmitRequest`]: voce_shared::api::SubmitRequest

use voce_shared::Locale;
use voce_shared::text::push_decimal;

use crate::answers::{Replies, Reply};

/// The exact request being sent: kept so a retry re-sends the same ticket and the same body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The ticket, sent as `Authorization: Bearer …`.
    pub ticket: String,
    /// The JSON body of `POST /v1/responses`.
    pub body: String,
}

/// The JSON of a `SubmitRequest` with these answers, locale and honeypot, byte for byte what
/// `serde_json::to_string` writes.
pub fn submit_request(answers: &Replies, locale: Locale, website: Option<&str>) -> String {
    let mut out = String::with_capacity(128);
    out.push_str("{\"answers\":{");
    for (i, (key, value)) in answers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(&mut out, key);
        out.push(':');
        write(&mut out, value);
    }
    out.push_str("},\"locale\":");
    string(&mut out, locale.code());
    if let Some(website) = website {
        out.push_str(",\"website\":");
        string(&mut out, website);
    }
    out.push('}');
    out
}

fn write(out: &mut String, value: &Reply) {
    match value {
        Reply::Number(n) => push_decimal(out, *n),
        Reply::Text(s) => string(out, s),
        Reply::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, item);
            }
            out.push(']');
        }
    }
}

fn string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use voce_shared::api::SubmitRequest;

    fn to_value(reply: &Reply) -> Value {
        match reply {
            Reply::Number(n) => json!(n),
            Reply::Text(s) => json!(s),
            Reply::List(items) => json!(items),
        }
    }

    fn same_as_serde(answers: &[(&str, Reply)], website: Option<&str>) {
        let mut replies = Replies::default();
        for (k, v) in answers {
            replies.insert((*k).to_owned(), v.clone());
        }
        let request = SubmitRequest {
            answers: answers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), to_value(v)))
                .collect::<BTreeMap<_, _>>(),
            locale: Locale::Sl,
            website: website.map(str::to_owned),
        };
        let expected = serde_json::to_string(&request).expect("serde writes it");
        assert_eq!(submit_request(&replies, Locale::Sl, website), expected);
    }

    fn text(s: &str) -> Reply {
        Reply::Text(s.to_owned())
    }

    #[test]
    fn a_typical_body_is_written_exactly_as_serde_writes_it() {
        same_as_serde(
            &[
                ("valutazione", Reply::Number(2)),
                ("difficolta", text("altro")),
                ("dettagli", text("Non trovo il modulo")),
            ],
            None,
        );
    }

    #[test]
    fn the_honeypot_is_written_only_when_filled() {
        same_as_serde(
            &[("valutazione", Reply::Number(5))],
            Some("https://spam.example"),
        );
        assert!(!submit_request(&Replies::default(), Locale::It, None).contains("website"));
    }

    #[test]
    fn text_with_quotes_controls_and_non_ascii_is_escaped_like_serde() {
        same_as_serde(
            &[(
                "dettagli",
                text("«Sì» \"ok\" \\ a\tb\nc\r\u{1}\u{8}\u{c}\u{1f} 😀 e\u{301}"),
            )],
            Some("\u{0}"),
        );
    }

    #[test]
    fn numbers_and_lists_are_written_like_serde() {
        same_as_serde(
            &[
                ("a", Reply::Number(0)),
                ("b", Reply::Number(u64::MAX)),
                ("c", Reply::List(vec!["x".into(), "y\"z".into()])),
                ("d", Reply::List(Vec::new())),
            ],
            None,
        );
    }
}
