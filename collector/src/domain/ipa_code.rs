//! The IPA code of a public body (Indice delle Pubbliche Amministrazioni), such as `inps` or
//! `c_h501`.

use super::ParseError;

checked_text! {
    /// A well-formed IPA code: 1 to 32 characters from `a-z`, `0-9` and `_`, starting with a letter.
    IpaCode
}

impl IpaCode {
    /// Checks the shape of an IPA code.
    pub fn parse(s: &str) -> Result<IpaCode, ParseError> {
        let ok = (1..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(IpaCode(s.to_owned()))
        } else {
            Err(ParseError(format!(
                "{s:?} is not an IPA code (1-32 characters a-z, 0-9, _, starting with a letter)"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipa_codes_of_the_pilot_parse() {
        for code in ["inps", "inail", "c_h501"] {
            assert_eq!(IpaCode::parse(code).map(|c| c.to_string()), Ok(code.into()));
        }
    }

    #[test]
    fn malformed_ipa_codes_are_refused() {
        for code in ["", "INPS", "1abc", "a-b", "a b", &"a".repeat(33)] {
            assert!(IpaCode::parse(code).is_err(), "{code:?}");
        }
    }
}
