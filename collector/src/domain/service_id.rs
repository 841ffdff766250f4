//! The registry id of a service, such as `inps-naspi`.

use super::ParseError;

checked_text! {
    /// A well-formed service id: a lower-case slug of at most 64 characters.
    ServiceId
}

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
