//! Guards for every string that ends up in a mail header. lettre's typed headers already encode
//! values, but a line break in a site name or a config value is never legitimate, so it is
//! refused with an error naming the field instead of being silently encoded or dropped.

use lettre::message::Mailbox;

use super::EmailError;

/// Refuses CR, LF and other control characters (a header value is one line of text).
pub fn check_header_value(field: &str, value: &str) -> Result<(), EmailError> {
    if value.contains(['\r', '\n']) {
        return Err(EmailError::HeaderInjection {
            field: field.to_owned(),
            value: value.escape_debug().to_string(),
            what: "a line break (CR/LF)",
        });
    }
    // U+2028/2029 are line breaks to some mail clients; other controls have no place in a header.
    if value
        .chars()
        .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
    {
        return Err(EmailError::HeaderInjection {
            field: field.to_owned(),
            value: value.escape_debug().to_string(),
            what: "a control character",
        });
    }
    Ok(())
}

/// Parses one address (`Name <user@host>` or `user@host`) with lettre's RFC 5322 parser, after
/// refusing line breaks.
pub fn parse_mailbox(field: &str, value: &str) -> Result<Mailbox, EmailError> {
    check_header_value(field, value)?;
    value.trim().parse::<Mailbox>().map_err(|err| EmailError::Address {
        field: field.to_owned(),
        value: value.to_owned(),
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_controls_are_refused() {
        for bad in [
            "a\r\nBcc: evil@example.com",
            "a\nb",
            "a\rb",
            "a\u{0}b",
            "a\u{2028}b",
            "a\tb",
        ] {
            let err = check_header_value("subject", bad).expect_err(bad);
            assert!(err.to_string().contains("subject"), "{err}");
        }
        check_header_value("subject", "example.com · week 47 · 1,234 sessions (+8%)").expect("plain text passes");
    }

    #[test]
    fn addresses_parse_or_fail_clearly() {
        assert_eq!(
            parse_mailbox("from", "hitflow <r@example.com>")
                .expect("valid")
                .email
                .to_string(),
            "r@example.com"
        );
        assert_eq!(
            parse_mailbox("to", " a@example.com ").expect("valid").email.to_string(),
            "a@example.com"
        );
        for bad in [
            "not an address",
            "a@example.com, b@example.com",
            "a@example.com\r\nBcc: evil@example.com",
            "",
        ] {
            assert!(parse_mailbox("to", bad).is_err(), "{bad:?}");
        }
    }
}
