//! The one escape function of the site: Tera's autoescape uses it for every `{{ value }}` of an
//! `.html` template, and `charts` uses it for every piece of text and attribute of the SVG it
//! builds, so visitor data (paths, referrers, campaigns, event names) is escaped the same way
//! everywhere.

/// Escapes text for HTML/SVG element content and double- or single-quoted attribute values.
///
/// `/` is left alone (unlike Tera's default): `<` is always escaped, so `</script>` cannot form,
/// and the pages stay readable in diffs (`/pricing`, not `&#x2F;pricing`). Control characters
/// other than tab and newline are dropped: XML (the SVG) forbids them.
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<script>alert(1)</script>"#),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            escape(r#""><img src=x onerror=alert(1)>"#),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("it's &amp; </svg>"), "it&#39;s &amp;amp; &lt;/svg&gt;");
    }

    #[test]
    fn keeps_plain_text_and_drops_control_characters() {
        assert_eq!(escape("/blog/über-uns?x=1#/a"), "/blog/über-uns?x=1#/a");
        assert_eq!(escape("a\u{0}b\u{1b}c\td"), "abc\td");
        assert_eq!(escape(""), "");
    }
}
