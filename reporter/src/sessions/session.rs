//! A session as the reporter counts it.

/// Why a session ended: the rule that split it from the visitor's next hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum EndReason {
    /// No hit for longer than the inactivity timeout, whether or not the visitor came back
    /// later (daily-rotating ids also end every visitor's day at UTC midnight). One reason for
    /// both, so it never depends on how the run was cut into pushes.
    Inactivity,
    MaxLength,
    Midnight,
    SourceChange,
    BrowserClose,
}

impl EndReason {
    pub const ALL: [EndReason; 5] = [
        EndReason::Inactivity,
        EndReason::MaxLength,
        EndReason::Midnight,
        EndReason::SourceChange,
        EndReason::BrowserClose,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Inactivity => "inactivity",
            EndReason::MaxLength => "max_length",
            EndReason::Midnight => "midnight",
            EndReason::SourceChange => "source_change",
            EndReason::BrowserClose => "browser_close",
        }
    }
}

/// A page view of a session, as handed to sinks beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageView {
    pub path: u32,
    /// The deepest scroll its engagement beacons reported (%); `None` without a beacon.
    pub scroll: Option<u8>,
}

/// Steps of the user flow reported (page-to-page transitions from the landing page).
pub const FLOW_STEPS: usize = 5;

/// A finished session. Its pages (in order) are handed over beside it, so a session needs no
/// allocation of its own.
#[derive(Debug, Clone, Copy, PartialEq)]
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
    /// `SourceIds` id of the landing pageview: source, medium, campaign, channel, referrer
    /// (`Lookup::attr`).
    pub attr: u32,
    /// `ClientIds` id of the landing pageview: device, browser, OS, country.
    pub client: u32,
    pub revenue: f64,
    pub currency: u32,
    /// Goals reached (bit per goal).
    pub goals: u64,
    /// Funnel steps reached in order, in the bit layout of `Lookup::funnels`.
    pub funnel_steps: u64,
    /// The last hit was an error event or a not-found page.
    pub ended_on_error: bool,
    /// Event name id of that error hit (the pageview event for a not-found page).
    pub error_event: u32,
    pub end_reason: EndReason,
    /// Set when a human-flagged session behaves like no person does (`automation`).
    pub automation: Option<crate::automation::Reason>,
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

    /// Engaged as in GA4: visible longer than `engaged_ms`, or 2 or more pageviews, or a
    /// conversion.
    pub fn is_engaged(&self, engaged_ms: i64) -> bool {
        self.engagement_time_ms() > engaged_ms || self.pageviews >= 2 || self.converted()
    }

    /// Steps of a funnel (`(first bit, steps)` from `Lookup::funnels`) reached in order.
    pub fn funnel_reached(&self, (first_bit, steps): (usize, usize)) -> usize {
        ((self.funnel_steps >> first_bit).trailing_ones() as usize).min(steps)
    }
}

/// Where finished sessions go (figures, the sessions table, a test's list). Sessions of one
/// visitor arrive together, in time order.
pub trait SessionSink {
    fn add(&mut self, session: &Session, pages: &[PageView]);
}

/// Two sinks fed the same sessions (the figures and the sessions table).
impl<A: SessionSink, B: SessionSink> SessionSink for (A, B) {
    fn add(&mut self, session: &Session, pages: &[PageView]) {
        self.0.add(session, pages);
        self.1.add(session, pages);
    }
}

/// A test's list of sessions with their page paths.
impl SessionSink for Vec<(Session, Vec<u32>)> {
    fn add(&mut self, session: &Session, pages: &[PageView]) {
        self.push((*session, pages.iter().map(|p| p.path).collect()));
    }
}

/// A test's list of sessions with their page views.
impl SessionSink for Vec<(Session, Vec<PageView>)> {
    fn add(&mut self, session: &Session, pages: &[PageView]) {
        self.push((*session, pages.to_vec()));
    }
}
