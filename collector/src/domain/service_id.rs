//! The registry id of a service, such as `inps-naspi`.

use std::fmt;

use super::ParseError;

/// A well-formed service id: a lower-case slug of at most 64 characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(String);

impl ServiceId {
    /// Checks the shape of a service id.
    pub fn parse(s: &str) -> Result<ServiceId, ParseError> {
        if voce_shared::questionnaire::is_slug(s) {
            Ok(ServiceId(s.to_owned()))
        } else {
            Err(ParseError(format!(
                "{s:?} is not a service id (a lower-case slug: a-z, 0-9 and -, at most 64)"
            )))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_service_ids_and_other_text_is_not() {
        assert!(ServiceId::parse("inps-naspi").is_ok());
        for bad in ["", "Inps", "../etc", "a b", "a;drop", "-a"] {
            assert!(ServiceId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
