//! Country names from ISO 3166-1 alpha-2 codes, from `reporter/data/countries.tsv` (origin and
//! licence in `reporter/data/NOTICE.md`). The collector stores the code Cloudflare gives.

const TABLE: &str = include_str!("../../data/countries.tsv");

/// The English name of an ISO 3166-1 alpha-2 code (`DE` → `Germany`); `None` for anything else
/// (Cloudflare's `XX` for unknown and `T1` for Tor included), which is then shown as sent.
pub fn name(code: &str) -> Option<&'static str> {
    // 250 short lines, looked up once per country row of a report: a scan is fast enough.
    TABLE.lines().find_map(|line| {
        let (c, name) = line.split_once('\t')?;
        (c == code).then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_a_code_and_a_name() {
        let mut codes: Vec<&str> = Vec::new();
        for line in TABLE.lines() {
            let (code, name) = line.split_once('\t').expect("code<TAB>name");
            assert!(
                code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{line}"
            );
            assert!(!name.trim().is_empty() && !name.contains('\t'), "{line}");
            codes.push(code);
        }
        let n = codes.len();
        codes.dedup();
        assert_eq!((n, codes.len()), (250, 250), "one line per code, sorted");
    }

    #[test]
    fn codes_read_as_names() {
        assert_eq!(name("DE"), Some("Germany"));
        assert_eq!(name("GB"), Some("United Kingdom"));
        assert_eq!(name("KR"), Some("South Korea"));
        assert_eq!((name("XX"), name("T1"), name(""), name("de")), (None, None, None, None));
    }
}
