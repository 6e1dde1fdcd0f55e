//! The one rule for showing visitor-supplied text: in an HTML page (site and email, through
//! [`escape_html`]) and in a line of plain text (the email's text part, through [`clean`]).
//!
//! Characters that could reorder or hide the text around them (bidi overrides and isolates,
//! zero-width and filler characters, line separators) and control characters become U+FFFD,
//! so `U+202E gnp.exe` cannot pose as `exe.png` and a value cannot start a new line.

/// Invisible or reordering characters a visitor could use to disguise a value.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(
            c,
            '\u{061C}'                      // Arabic letter mark
            | '\u{115F}' | '\u{1160}'       // Hangul choseong/jungseong fillers
            | '\u{180E}'                    // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'       // zero-width space/joiners, LRM, RLM
            | '\u{2028}' | '\u{2029}'       // line and paragraph separators
            | '\u{202A}'..='\u{202E}'       // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}'       // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}'       // bidi isolates
            | '\u{3164}'                    // Hangul filler
            | '\u{FEFF}'                    // zero-width no-break space (BOM)
            | '\u{FFA0}'                    // halfwidth Hangul filler
        )
}

/// Escapes text for HTML/SVG element content and quoted attribute values, and neutralises
/// unsafe characters. `/` is left alone (unlike Tera's default): `<` is always escaped, so
/// `</script>` cannot form, and paths stay readable (`/pricing`, not `&#x2F;pricing`). Tab and
/// newline are kept (pre-formatted text); other control characters are also forbidden in XML.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_unsafe_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Makes a visitor-derived string safe for one line of plain text: unsafe characters and line
/// breaks become U+FFFD, long values end in "…", and a value with nothing visible left reads
/// "(not set)".
pub fn clean(value: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max_chars * 4));
    for (n, c) in value.chars().enumerate() {
        if n + 1 == max_chars && value.chars().nth(max_chars).is_some() {
            out.push('…');
            break;
        }
        out.push(if is_unsafe_char(c) || c == '\n' || c == '\t' {
            '\u{FFFD}'
        } else {
            c
        });
    }
    if out.chars().all(|c| c.is_whitespace() || c == '\u{FFFD}') {
        return "(not set)".into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_both_quotes() {
        let cases = [
            ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
            (
                "\"><img src=x onerror=alert(1)>",
                "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
            ),
            ("it's &amp; </svg>", "it&#39;s &amp;amp; &lt;/svg&gt;"),
            ("/blog/über-uns?x=1#/a", "/blog/über-uns?x=1#/a"),
            ("a\u{0}b\u{1b}c\td", "a\u{FFFD}b\u{FFFD}c\td"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_html(input), expected, "{input:?}");
        }
    }

    #[test]
    fn bidi_and_invisible_characters_are_neutralised_in_both_forms() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
            '\u{061C}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{2028}', '\u{2029}', '\u{FEFF}',
            '\u{3164}', '\u{115F}', '\u{1160}', '\u{FFA0}',
        ] {
            let value = format!("a{c}gnp.exe");
            assert_eq!(escape_html(&value), "a\u{FFFD}gnp.exe", "{:?}", c);
            assert_eq!(clean(&value, 48), "a\u{FFFD}gnp.exe", "{:?}", c);
        }
    }

    #[test]
    fn clean_removes_line_breaks_shortens_and_names_blank_values() {
        assert_eq!(
            clean("/a\r\n--boundary\r\nBcc: x", 48),
            "/a\u{FFFD}\u{FFFD}--boundary\u{FFFD}\u{FFFD}Bcc: x"
        );
        assert_eq!(clean("abcdefghij", 5), "abcd…");
        assert_eq!(clean("abcde", 5), "abcde");
        assert_eq!(clean("", 5), "(not set)");
        assert_eq!(clean("\u{200B}\u{3164}", 5), "(not set)");
    }
}
