//! A session as the reporter counts it.

/// Why a session ended (the rule that split it from the next one, or the end of the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// No further hit of the visitor (daily-rotating ids end every visitor's day at UTC midnight).
    Inactivity,
    /// The next hit came after more than the inactivity timeout.
    Timeout,
    MaxLength,
    Midnight,
    SourceChange,
    BrowserClose,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Inactivity => "inactivity",
            EndReason::Timeout => "timeout",
            EndReason::MaxLength => "max_length",
            EndReason::Midnight => "midnight",
            EndReason::SourceChange => "source_change",
            EndReason::BrowserClose => "browser_close",
        }
    }
}

/// Steps of the user flow reported (page-to-page transitions from the landing page).
pub const FLOW_STEPS: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub site: u32,
    pub visitor: u64,
    pub is_bot: bool,
    /// First and last hit (an engagement beacon marks when the last page was left).
    pub start: i64,
    pub end: i64,
    /// Milliseconds from the first hit to the last activity, including the time the last page was
    /// visible as reported by its engagement beacon.
    pub duration_ms: i64,
    /// Sum of the engagement beacons' visible time.
    pub engaged_ms: u64,
    pub hits: u32,
    pub pageviews: u32,
    /// Interaction events: anything but pageviews and engagement beacons.
    pub events: u32,
    pub landing: u32,
    pub exit: u32,
    /// Pages viewed, in order (path ids): the flow, and the per-page counts.
    pub pages: Vec<u32>,
    pub attr: u32,
    /// Referrer host of the landing hit (0 = none).
    pub referrer: u32,
    pub dims: u32,
    pub revenue: f64,
    pub currency: u32,
    /// Goals reached (bit per goal).
    pub goals: u64,
    /// Steps reached in order, per funnel.
    pub funnel_steps: Vec<u8>,
    /// The last hit was an error event or a not-found page.
    pub ended_on_error: bool,
    pub end_reason: EndReason,
}

impl Session {
    pub fn converted(&self) -> bool {
        self.goals != 0
    }

    /// One pageview and no interaction event.
    pub fn is_bounce(&self) -> bool {
        self.pageviews <= 1 && self.events == 0
    }

    /// The time the engagement definition counts: beacon time when there is any, else the
    /// first-to-last-hit duration.
    pub fn engagement_time_ms(&self) -> i64 {
        if self.engaged_ms > 0 {
            self.engaged_ms as i64
        } else {
            self.duration_ms
        }
    }
}
