//! Prints how the collector's device and bot detection score on the public corpora of
//! `collector/tests/corpus/` (`bash scripts/score-ua.sh`). With `--failures N` it also lists up to
//! N missed bots, flagged browsers and wrong device classes per source. With `--verdicts` it
//! reads `ua<TAB>hints-json` lines from stdin and prints, per line, the `device_type` and
//! `bot_reason` the collector stores for that request (for `tests/ua_corpus.test.mjs`, which
//! checks the Worker in workerd stores the same).

#[path = "../tests/support/ua_score.rs"]
mod ua_score;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--verdicts") {
        return verdicts();
    }
    let failures = args
        .iter()
        .position(|a| a == "--failures")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0usize);
    let score = ua_score::Score::measure(&ua_score::corpus_dir());
    print!("{score}");
    if failures == 0 {
        return;
    }
    for (name, s) in &score.bots {
        for ua in s.missed.iter().take(failures) {
            println!("missed bot [{name}]: {ua}");
        }
    }
    for (name, s) in &score.humans {
        for line in s.flagged.iter().take(failures) {
            println!("flagged browser [{name}]: {line}");
        }
    }
    for (name, s) in &score.devices {
        for (want, got, ua) in s.wrong.iter().take(failures) {
            println!("device [{name}] want {want} got {got}: {ua}");
        }
    }
}

fn verdicts() {
    use std::io::{BufRead, Write};
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let (ua, hints) = line.split_once('\t').unwrap_or((&line, ""));
        let (device_type, reason) = ua_score::stored_verdict(ua, hints);
        writeln!(out, "{device_type}\t{}", reason.unwrap_or("")).ok();
    }
}
