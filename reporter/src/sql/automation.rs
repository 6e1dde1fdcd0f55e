//! Suspected automation per session (`crate::automation`): the same lists (probe paths, hosting
//! networks, with the config's additions) and thresholds, checked in the same order.

use super::dialect::{like_pattern, Dialect};
use crate::automation::{Detector, Reason, Thresholds};
use crate::config::Config;

/// True when `path` is a probe path.
pub(super) fn probe_path(d: Dialect, config: &Config, path: &str) -> String {
    let detector = Detector::new(&config.automation);
    let (patterns, _, _) = detector.lists();
    let likes: Vec<String> = patterns
        .iter()
        .map(|p| format!("{path} LIKE {} ESCAPE '!'", d.lit(&like_pattern(p.as_str()))))
        .collect();
    if likes.is_empty() {
        "FALSE".into()
    } else {
        format!("({})", likes.join(" OR "))
    }
}

/// True when the AS organisation `org` is a hosting network (`Detector::is_hosting_org`).
fn hosting_org(d: Dialect, config: &Config, org: &str) -> String {
    let detector = Detector::new(&config.automation);
    let (_, hosting, not_hosting) = detector.lists();
    let any = |list: &[String]| {
        let parts: Vec<String> = list
            .iter()
            .map(|f| format!("instr(lower({org}), {}) > 0", d.lit(f)))
            .collect();
        if parts.is_empty() {
            "FALSE".to_owned()
        } else {
            format!("({})", parts.join(" OR "))
        }
    };
    format!("({org} <> '' AND NOT {} AND {})", any(not_hosting), any(hosting))
}

/// The condition of each rule on the columns of `hf_session_facts`.
fn trips(reason: Reason, t: &Thresholds, hosting: &str) -> String {
    match reason {
        Reason::ProbePaths => format!(
            "pageviews >= {} AND probe_pageviews = pageviews",
            t.probe_min_pageviews.max(1)
        ),
        Reason::ManyPages => {
            if t.many_pageviews > 0 {
                format!("pageviews >= {}", t.many_pageviews)
            } else {
                "FALSE".into()
            }
        }
        // The median gap is below the threshold when at least half the gaps, rounded up, are.
        Reason::FastPages => format!(
            "pageviews >= {} AND fast_gaps >= CAST(floor(pageviews / 2) AS BIGINT)",
            t.fast_min_pageviews.max(2)
        ),
        Reason::HostingNoBeacon => format!(
            "{hosting} AND beacons = 0 AND tracker_pageviews >= {}",
            t.hosting_min_pageviews.max(1)
        ),
    }
}

/// `automation`: the first rule a human-flagged session trips, as the ledger names it.
pub(super) fn reason_case(d: Dialect, config: &Config) -> String {
    let t = Thresholds::from(&config.automation);
    let hosting = hosting_org(d, config, "coalesce(as_org, '')");
    let mut out = String::from("CASE WHEN is_bot THEN NULL");
    for reason in Reason::ALL {
        out.push_str(&format!(
            " WHEN {} THEN {}",
            trips(reason, &t, &hosting),
            d.lit(reason.as_str())
        ));
    }
    out.push_str(" END");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_condition_in_order() {
        let config = Config::default();
        let sql = reason_case(Dialect::Duckdb, &config);
        let mut last = 0;
        for reason in Reason::ALL {
            let at = sql.find(reason.as_str()).unwrap();
            assert!(at > last, "{reason:?} out of order");
            last = at;
        }
        assert!(sql.contains("pageviews >= 200"), "{sql}");
        assert!(sql.contains("instr(lower(coalesce(as_org, '')), 'amazon"), "{sql}");
    }
}
