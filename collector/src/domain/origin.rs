//! A web origin (RFC 6454) as browsers send it in the `Origin` header: scheme, host and port,
//! nothing else.

use super::ParseError;

checked_text! {
    /// A serialised origin such as `https://www.inps.it` or `http://127.0.0.1:8101`: scheme `http`
    /// or `https`, a lower-case host, an optional port, no path, no trailing slash.
    Origin
}

impl Origin {
    /// Checks that `s` is exactly the serialisation of an http(s) origin.
    pub fn parse(s: &str) -> Result<Origin, ParseError> {
        let refuse = |why: &str| ParseError(format!("{s:?} is not an origin: {why}"));
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(|| refuse("it must start with http:// or https://"))?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
            _ => (rest, None),
        };
        if host.is_empty() || host.len() > 253 {
            return Err(refuse("the host is missing or too long"));
        }
        let host_ok = if host.starts_with('[') {
            host.ends_with(']')
                && host[1..host.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        } else {
            host.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        };
        if !host_ok {
            return Err(refuse(
                "the host may hold only a-z, 0-9, '-' and '.' (no path, no trailing slash)",
            ));
        }
        if let Some(port) = port
            && (port.is_empty()
                || port.len() > 5
                || !port.bytes().all(|b| b.is_ascii_digit())
                || port.parse::<u32>().map_or(true, |p| p == 0 || p > 65535))
        {
            return Err(refuse("the port must be a number from 1 to 65535"));
        }
        Ok(Origin(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_as_browsers_send_them_parse() {
        for o in [
            "https://www.inps.it",
            "http://127.0.0.1:8101",
            "http://localhost:3000",
            "http://[::1]:8080",
        ] {
            assert!(Origin::parse(o).is_ok(), "{o}");
        }
    }

    #[test]
    fn urls_that_are_not_bare_origins_are_refused() {
        for o in [
            "",
            "null",
            "www.inps.it",
            "ftp://inps.it",
            "https://www.inps.it/",
            "https://www.inps.it/path",
            "https://WWW.INPS.IT",
            "http://127.0.0.1:0",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:",
            "https://user@inps.it",
        ] {
            assert!(Origin::parse(o).is_err(), "{o}");
        }
    }
}
