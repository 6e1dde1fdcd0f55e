//! The email's one line on the bot ledger: how much was kept out of the figures and why.

use crate::figures::ledger::BotLedger;
use crate::present::format::{int, pct};
use crate::present::text::clean;

/// Reasons named in the line; the rest are on the site's bot ledger page.
const REASONS_SHOWN: usize = 3;

pub fn ledger_line(ledger: &BotLedger) -> String {
    if ledger.sessions == 0 {
        return "No automated sessions were found in this period.".to_owned();
    }
    let reasons: Vec<String> = ledger
        .by_reason
        .iter()
        .take(REASONS_SHOWN)
        .map(|r| format!("{} {}", clean(&r.name, 40), int(r.sessions)))
        .collect();
    let verb = if ledger.automation_kept_out {
        "kept out of these figures"
    } else {
        "flagged (suspected automation still counted)"
    };
    format!(
        "{} automated sessions ({} of all, {} hits) {verb}; top reasons: {}.",
        int(ledger.sessions),
        pct(ledger.session_share),
        int(ledger.hits),
        reasons.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::ledger::LedgerRow;

    #[test]
    fn the_line_names_counts_and_top_reasons() {
        let row = |name: &str, sessions| LedgerRow {
            name: name.into(),
            kind: None,
            code: None,
            sessions,
            hits: sessions * 3,
            share: 0.0,
        };
        let ledger = BotLedger {
            automation_kept_out: true,
            sessions: 1_234,
            hits: 9_000,
            session_share: 0.05,
            hit_share: 0.1,
            by_reason: vec![
                row("ua:crawler", 800),
                row("automation:fast-pages", 300),
                row("a", 100),
                row("b", 34),
            ],
            ..BotLedger::default()
        };
        let table = [
            (ledger.clone(), "1,234 automated sessions (5.0% of all, 9,000 hits) kept out of these figures; top reasons: ua:crawler 800, automation:fast-pages 300, a 100."),
            (BotLedger::default(), "No automated sessions were found in this period."),
        ];
        for (ledger, want) in table {
            assert_eq!(ledger_line(&ledger), want);
        }
    }
}
