//! Each rule: a session that trips it and a near miss that does not (one table).

use super::*;

/// A session of pageviews at the given gaps (ms), each a probe path or not.
#[derive(Clone, Copy)]
struct Visit {
    pageviews: u32,
    gap_ms: i64,
    /// How many of the gaps are `fast_gap_ms`-short instead of `gap_ms`.
    short_gaps: u32,
    probe_pageviews: u32,
    tracker: bool,
    beacons: u32,
    hosting: bool,
}

const READER: Visit = Visit {
    pageviews: 1,
    gap_ms: 40_000,
    short_gaps: 0,
    probe_pageviews: 0,
    tracker: true,
    beacons: 1,
    hosting: false,
};

fn trace(v: Visit, th: &Thresholds) -> Trace {
    let mut t = Trace::default();
    let mut ts = 0;
    for i in 0..v.pageviews {
        // The first `probe_pageviews` pageviews are probes; gaps before them are short first.
        t.pageview(ts, i < v.probe_pageviews, v.tracker, th.fast_gap_ms);
        ts += if i < v.short_gaps { th.fast_gap_ms - 1 } else { v.gap_ms };
    }
    for _ in 0..v.beacons {
        t.beacon();
    }
    t.hosting = v.hosting;
    t
}

#[test]
fn each_rule_trips_and_its_near_miss_does_not() {
    let th = Thresholds::from(&AutomationConfig::default());
    // (rule, trips, near miss, why the near miss is a person)
    let table: [(Reason, Visit, Visit, &str); 4] = [
        (
            Reason::ProbePaths,
            Visit {
                pageviews: 3,
                probe_pageviews: 3,
                beacons: 0,
                tracker: false,
                ..READER
            },
            Visit {
                pageviews: 3,
                probe_pageviews: 2,
                beacons: 0,
                tracker: false,
                ..READER
            },
            "a site owner opening /wp-admin and then a real page",
        ),
        (
            Reason::ManyPages,
            Visit {
                pageviews: 200,
                ..READER
            },
            Visit {
                pageviews: 199,
                ..READER
            },
            "a long but human-sized browse",
        ),
        (
            Reason::FastPages,
            Visit {
                pageviews: 10,
                short_gaps: 5,
                ..READER
            },
            Visit {
                pageviews: 10,
                short_gaps: 4,
                ..READER
            },
            "most pages read for a while, a few clicked through quickly",
        ),
        (
            Reason::HostingNoBeacon,
            Visit {
                pageviews: 3,
                beacons: 0,
                hosting: true,
                ..READER
            },
            Visit {
                pageviews: 3,
                beacons: 1,
                hosting: true,
                ..READER
            },
            "a person on a VPN in a hosting network: the browser sent a beacon",
        ),
    ];
    for (reason, trips, near_miss, why) in table {
        assert_eq!(judge(&trace(trips, &th), &th), Some(reason), "{reason:?} should trip");
        assert_eq!(judge(&trace(near_miss, &th), &th), None, "{reason:?} near miss: {why}");
    }
}

#[test]
fn more_near_misses_stay_human() {
    let th = Thresholds::from(&AutomationConfig::default());
    let table: [(&str, Visit); 5] = [
        (
            "one quick page is no pattern",
            Visit {
                pageviews: 9,
                short_gaps: 8,
                ..READER
            },
        ),
        (
            "a single probe path is a typo or an owner",
            Visit {
                pageviews: 1,
                probe_pageviews: 1,
                ..READER
            },
        ),
        (
            "pixel hits never send beacons",
            Visit {
                pageviews: 5,
                beacons: 0,
                tracker: false,
                hosting: true,
                ..READER
            },
        ),
        (
            "two tracker pageviews whose beacon was lost",
            Visit {
                pageviews: 2,
                beacons: 0,
                hosting: true,
                ..READER
            },
        ),
        (
            "home network without beacons",
            Visit {
                pageviews: 5,
                beacons: 0,
                ..READER
            },
        ),
    ];
    for (why, visit) in table {
        assert_eq!(judge(&trace(visit, &th), &th), None, "{why}");
    }
}

#[test]
fn lists_classify_paths_and_networks() {
    let d = Detector::new(&AutomationConfig {
        extra_probe_paths: vec![Pattern::new("/old-admin*")],
        extra_hosting_as_orgs: vec!["Example Metal".into()],
        ..AutomationConfig::default()
    });
    let paths = [
        ("/wp-login.php", true),
        ("/.env", true),
        ("/app/.env", true),
        ("/.git/config", true),
        ("/xmlrpc.php", true),
        ("/old-admin/login", true),
        ("/", false),
        ("/blog/wp-login-tips", false),
        ("/environment", false),
    ];
    for (path, probe) in paths {
        assert_eq!(d.is_probe_path_str(path), probe, "{path}");
    }
    let orgs = [
        ("DIGITALOCEAN-ASN", true),
        ("Hetzner Online GmbH", true),
        ("Amazon.com, Inc.", true),
        ("EXAMPLE METAL LLC", true),
        ("Cloudflare, Inc.", false),
        ("Akamai International B.V.", false),
        ("Deutsche Telekom AG", false),
        ("Comcast Cable Communications, LLC", false),
    ];
    for (org, hosting) in orgs {
        assert_eq!(d.is_hosting_org(org), hosting, "{org}");
    }
}

#[test]
fn reasons_are_distinct_and_namespaced() {
    let names: std::collections::BTreeSet<_> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(names.len(), Reason::ALL.len());
    assert!(names.iter().all(|n| n.starts_with("automation:")));
    assert_eq!(RULES.map(|(r, _)| r), Reason::ALL);
}
