//! The channel a response came through: the embedded widget, the hosted page, or the hosted page
//! reached from a QR code, an e-mail or an SMS. Stored with every response so that statistics can
//! be split by it.

use super::ParseError;

/// Where a response came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// The Yew widget embedded in the service's page.
    Widget,
    /// The hosted page, opened directly or from the widget's fallback link.
    Page,
    /// The hosted page, from a QR code (e.g. printed at a counter).
    Qr,
    /// The hosted page, from a link in an e-mail.
    Email,
    /// The hosted page, from a link in an SMS.
    Sms,
}

impl Channel {
    /// Every channel, in the order they are listed in outputs.
    pub const ALL: [Channel; 5] = [
        Channel::Widget,
        Channel::Page,
        Channel::Qr,
        Channel::Email,
        Channel::Sms,
    ];

    /// The code stored in `responses.channel` and used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Widget => "widget",
            Channel::Page => "page",
            Channel::Qr => "qr",
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    /// The channel of a code, or why it is not one.
    pub fn parse(code: &str) -> Result<Self, ParseError> {
        Channel::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| {
                ParseError(format!(
                    "{code:?} is not a channel: expected widget, page, qr, email or sms"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_parses_back_from_its_code() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.code()), Ok(channel));
        }
    }

    #[test]
    fn an_unknown_channel_is_refused() {
        assert!(Channel::parse("fax").is_err());
        assert!(Channel::parse("Widget").is_err());
    }
}
