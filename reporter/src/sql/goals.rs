//! Goals per session: a goal is reached when a pageview's path matches its pattern or an
//! interaction event has its name (`Lookup`'s goal bits); each goal counts once per session.

use super::dialect::{like_pattern, Dialect};
use crate::config::Config;

/// The condition, on one hit of `hf_seq5`, that it reaches a goal given by event or path.
pub(super) fn reaches(d: Dialect, event: Option<&str>, path: Option<&crate::pattern::Pattern>) -> String {
    match (event, path) {
        (Some(event), _) => format!("(NOT is_pv AND NOT is_beacon AND event = {})", d.lit(event)),
        (None, Some(path)) => format!(
            "(is_pv AND path LIKE {} ESCAPE '!')",
            d.lit(&like_pattern(path.as_str()))
        ),
        // The config refuses a goal without either.
        (None, None) => "FALSE".into(),
    }
}

/// `goals_reached`: how many goals a session reached (an aggregate over its hits).
pub(super) fn goal_columns(d: Dialect, config: &Config) -> String {
    if config.goals.is_empty() {
        return "0 AS goals_reached".into();
    }
    let terms: Vec<String> = config
        .goals
        .iter()
        .map(|g| {
            format!(
                "max(CASE WHEN {} THEN 1 ELSE 0 END)",
                reaches(d, g.event.as_deref(), g.path.as_ref())
            )
        })
        .collect();
    format!("({}) AS goals_reached", terms.join(" + "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_by_event_and_by_path() {
        let config = Config::parse(
            "[[goals]]\nname = \"Signup\"\nevent = \"signup\"\n[[goals]]\nname = \"Thanks\"\npath = \"/thank-you*\"",
        )
        .unwrap();
        let sql = goal_columns(Dialect::Duckdb, &config);
        assert!(sql.contains("event = 'signup'"), "{sql}");
        assert!(sql.contains("path LIKE '/thank-you%' ESCAPE '!'"), "{sql}");
        assert_eq!(goal_columns(Dialect::Duckdb, &Config::default()), "0 AS goals_reached");
    }
}
