//! The one rule for visitor-supplied text (event names, URLs, referrers, props, campaign values):
//! what may be stored and shown in a report, and what counts as blank.
//!
//! Rejected anywhere: C0, DEL and C1 controls, and the format characters that reorder text
//! (bidi embeddings, overrides, isolates, marks), break lines (U+2028/2029) or stand for nothing
//! while taking a place (zero-width space, BOM, Hangul fillers, invisible operators). A value
//! holding one is refused whole, never cleaned, so a stored value is what was sent.
//!
//! Zero-width joiners (U+200C/U+200D) are part of real text (Persian, Indic scripts, emoji such as
//! 👨‍👩‍👧), so they pass between two visible characters and are refused anywhere else. Other
//! default-ignorable characters that only modify their neighbour (soft hyphen, variation
//! selectors, tags) pass, but a name made of nothing else is blank.

use std::borrow::Cow;

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFault {
    /// A control or invisible format character, see the module docs.
    Unprintable,
}

/// Checks `s` against the rule. Printable ASCII, the common case, is one pass over the bytes.
pub fn check(s: &str) -> Result<(), TextFault> {
    if s.is_ascii() {
        return match s.bytes().any(|b| b < 0x20 || b == 0x7f) {
            true => Err(TextFault::Unprintable),
            false => Ok(()),
        };
    }
    let visible = |n: Option<char>| n.is_some_and(|n| !n.is_whitespace() && !is_refused(n) && !is_joiner(n));
    let mut previous = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if is_refused(c) || (is_joiner(c) && !(visible(previous) && visible(chars.peek().copied()))) {
            return Err(TextFault::Unprintable);
        }
        previous = Some(c);
    }
    Ok(())
}

/// True when `s` shows nothing: only whitespace and characters without a glyph of their own.
pub fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_whitespace() || is_refused(c) || is_joiner(c) || is_ignorable(c))
}

fn is_refused(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{1F}' | '\u{7F}'..='\u{9F}' // C0, DEL, C1
            | '\u{061C}' // Arabic letter mark
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{17B4}' | '\u{17B5}' // Khmer inherent vowels, never shown
            | '\u{180E}' // Mongolian vowel separator
            | '\u{200B}' | '\u{200E}' | '\u{200F}' // zero-width space, LRM, RLM
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, bidi isolates, deprecated formats
            | '\u{FEFF}' // BOM / zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations, which hide text
            | '\u{1BCA0}'..='\u{1BCA3}' // shorthand format controls
            | '\u{1D173}'..='\u{1D17A}' // musical format controls
    )
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// Default-ignorable characters that modify a neighbour and are allowed, but show nothing alone.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{034F}' // combining grapheme joiner
            | '\u{180B}'..='\u{180F}' // Mongolian variation selectors
            | '\u{2800}' // braille blank
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{E0000}'..='\u{E007F}' // tags (subdivision flags)
            | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
    )
}

/// Decodes one `application/x-www-form-urlencoded` name or value (`+` is a space, `%XX` a byte,
/// a `%` without two hex digits stays as it is, as `form_urlencoded` does), or `None` when the
/// bytes are not UTF-8: a value is refused, never stored with U+FFFD in place of what was sent.
pub fn decode_form(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Some(Cow::Borrowed(raw));
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = |j: usize| b.get(j).and_then(|&h| char::from(h).to_digit(16));
        match c {
            b'+' => out.push(b' '),
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(hi), Some(lo)) => {
                    // Two hex digits are at most 0xFF.
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[rustfmt::skip]
    fn the_rule() {
        // (text, passes, blank)
        let cases: &[(&str, bool, bool)] = &[
            ("Signup clicked", true, false),
            ("Warenkorb öffnen ✓", true, false),
            ("   ", true, true),
            ("", true, true),
            ("a\tb", false, false),
            ("a\u{0}b", false, false),
            ("a\u{7f}", false, false),
            ("a\u{85}b", false, false),
            ("a\u{202A}b", false, false),
            ("\u{202E}gnp.exe", false, false),
            ("a\u{2066}b\u{2069}", false, false),
            ("a\u{061C}b", false, false),
            ("a\u{200B}b", false, false),
            ("a\u{200E}b", false, false),
            ("a\u{200F}b", false, false),
            ("a\u{2028}b", false, false),
            ("a\u{2029}b", false, false),
            ("\u{FEFF}a", false, false),
            ("\u{115F}", false, true),
            ("\u{1160}", false, true),
            ("\u{3164}\u{3164}", false, true),
            ("\u{FFA0}", false, true),
            ("a\u{2060}b", false, false),
            ("a\u{FFF9}hidden\u{FFFB}", false, false),
            // Joiners in real text pass; alone, doubled or at an end they do not.
            ("می\u{200C}خواهم", true, false),
            ("👨\u{200D}👩\u{200D}👧", true, false),
            ("❤\u{FE0F}\u{200D}🔥", true, false),
            ("\u{200D}", false, true),
            ("a\u{200D}", false, false),
            ("a\u{200C}\u{200C}b", false, false),
            ("a \u{200D}b", false, false),
            // Modifiers pass, but nothing made only of them is a name.
            ("\u{00AD}\u{034F}\u{FE0F}", true, true),
            ("\u{2800}\u{3000}", true, true),
            ("co\u{00AD}op", true, false),
        ];
        for &(text, passes, blank) in cases {
            assert_eq!(check(text).is_ok(), passes, "check {text:?}");
            assert_eq!(is_blank(text), blank, "is_blank {text:?}");
        }
    }

    #[test]
    fn form_decoding() {
        let cases: &[(&str, Option<&str>)] = &[
            ("plain", Some("plain")),
            ("a+b%20c", Some("a b c")),
            ("%C3%A9", Some("é")),
            ("%c3%a9", Some("é")),
            ("100%", Some("100%")),
            ("%zz%4", Some("%zz%4")),
            ("%2B", Some("+")),
            ("%FF", None),
            ("%ED%A0%80", None),
            ("%C0%AF", None),
            ("%E2%82", None),
        ];
        for &(raw, want) in cases {
            assert_eq!(decode_form(raw).as_deref(), want, "{raw}");
            // Where it decodes, it agrees with `form_urlencoded`.
            if let Some(want) = want {
                let reference: String = url::form_urlencoded::parse(format!("k={raw}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                assert_eq!(reference, want, "{raw}");
            }
        }
    }
}
