//! The request body as JSON, written by hand.
//!
//! `serde_json`'s serializer is correct but costs kilobytes of WebAssembly that the widget's
//! size budget cannot spare. The body is small and its shape fixed ([`SubmitRequest`]), so a few
//! lines write exactly what `serde_json::to_string` writes; native tests hold them to that.

use serde_json::Value;
use voce_shared::api::SubmitRequest;

/// The JSON of a [`SubmitRequest`], byte for byte what `serde_json::to_string` writes for the
/// values the widget sends (answers are validated first, so numbers are whole; any other number
/// is written as `null`).
pub fn submit_request(request: &SubmitRequest) -> String {
    let mut out = String::with_capacity(128);
    out.push_str("{\"answers\":{");
    for (i, (key, value)) in request.answers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(&mut out, key);
        out.push(':');
        write(&mut out, value);
    }
    out.push_str("},\"locale\":");
    string(&mut out, request.locale.code());
    if let Some(website) = &request.website {
        out.push_str(",\"website\":");
        string(&mut out, website);
    }
    out.push('}');
    out
}

fn write(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => unsigned(out, u),
            (None, Some(i)) => {
                out.push('-');
                unsigned(out, i.unsigned_abs());
            }
            (None, None) => out.push_str("null"),
        },
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                string(out, key);
                out.push(':');
                write(out, item);
            }
            out.push('}');
        }
    }
}

fn unsigned(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
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
    use serde_json::json;
    use voce_shared::Locale;

    fn request(answers: Value, website: Option<&str>) -> SubmitRequest {
        SubmitRequest {
            answers: serde_json::from_value(answers).expect("a map"),
            locale: Locale::Sl,
            website: website.map(str::to_owned),
        }
    }

    fn same_as_serde(request: &SubmitRequest) {
        let expected = serde_json::to_string(request).expect("serde writes it");
        assert_eq!(submit_request(request), expected);
    }

    #[test]
    fn a_typical_body_is_written_exactly_as_serde_writes_it() {
        same_as_serde(&request(
            json!({"valutazione": 2, "difficolta": "altro", "dettagli": "Non trovo il modulo"}),
            None,
        ));
    }

    #[test]
    fn the_honeypot_is_written_only_when_filled() {
        same_as_serde(&request(
            json!({"valutazione": 5}),
            Some("https://spam.example"),
        ));
        assert!(!submit_request(&request(json!({}), None)).contains("website"));
    }

    #[test]
    fn text_with_quotes_controls_and_non_ascii_is_escaped_like_serde() {
        same_as_serde(&request(
            json!({"dettagli": "«Sì» \"ok\" \\ a\tb\nc\r\u{1}\u{8}\u{c}\u{1f} 😀 e\u{301}"}),
            Some("\u{0}"),
        ));
    }

    #[test]
    fn numbers_arrays_objects_and_literals_are_written_like_serde() {
        same_as_serde(&request(
            json!({"a": 0, "b": u64::MAX, "c": i64::MIN, "d": -7, "e": [1, "x", null, true, false], "f": {"z": [], "y": {}}}),
            None,
        ));
    }

    #[test]
    fn a_fractional_number_is_written_as_null() {
        let body = submit_request(&request(json!({"valutazione": 3.5}), None));
        assert_eq!(body, r#"{"answers":{"valutazione":null},"locale":"sl"}"#);
    }
}
