//! Only probe paths: every pageview asks for a WordPress login, a leaked config file or an admin
//! console (`data/automation/probe_paths.txt`), as vulnerability scanners do on every site.

use super::{Thresholds, Trace};

pub fn trips(t: &Trace, th: &Thresholds) -> bool {
    t.pageviews >= th.probe_min_pageviews.max(1) && t.probe_pageviews == t.pageviews
}
