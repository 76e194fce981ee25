//! Human and JSON renderings of command results.

use std::io::Write;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::opts::GlobalOpts;
use crate::Result;

/// A result a command prints: JSON through serde, text through `human`.
pub trait Report: Serialize {
    /// The text shown to people.
    fn human(&self) -> String;
}

/// Prints `report` in the format asked for.
pub fn emit<R: Report>(opts: &GlobalOpts, out: &mut impl Write, report: &R) -> Result<()> {
    if opts.json() {
        let text = serde_json::to_string_pretty(report)
            .map_err(|e| crate::CliError::Other(format!("cannot encode the result as JSON: {e}")))?;
        writeln!(out, "{text}")?;
    } else {
        writeln!(out, "{}", report.human())?;
    }
    Ok(())
}

/// A spinner on stderr for a long wait; hidden with `--output json` and when
/// stderr is not a terminal.
pub fn spinner(opts: &GlobalOpts, msg: impl Into<String>) -> ProgressBar {
    let pb = if opts.json() { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    pb.set_message(msg.into());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Ends a spinner with a line that stays (only for people).
pub fn finish(opts: &GlobalOpts, pb: &ProgressBar, line: impl AsRef<str>) {
    pb.finish_and_clear();
    if !opts.json() {
        eprintln!("{}", line.as_ref());
    }
}
