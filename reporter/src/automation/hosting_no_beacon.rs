//! From a hosting network, tracker pageviews and not one engagement beacon: the tracker sends a
//! beacon whenever a page is hidden, so a browser that ran it leaves at least one behind; a
//! script replaying the pageview request from a server does not. Pixel hits (email opens, no-JS
//! pages) send no beacons by design and do not count, nor do people on a VPN, whose browsers do
//! send beacons.

use super::{Thresholds, Trace};

pub fn trips(t: &Trace, th: &Thresholds) -> bool {
    t.hosting && t.beacons == 0 && t.tracker_pageviews >= th.hosting_min_pageviews.max(1)
}
