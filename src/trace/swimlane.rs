//! Plain-text swimlanes: one column per thread, one row per step.

use super::Trace;

/// Width of the step-number gutter: `"!! 123 "`.
const GUTTER: usize = 7;

pub(super) fn render(trace: &Trace, width: usize, failure: Option<&str>) -> String {
    let columns = trace.threads.len().max(1);
    let cell = ((width.saturating_sub(GUTTER)) / columns).clamp(12, 40);
    let mut out = String::new();
    out.push_str(&format!("{:GUTTER$}", "step"));
    for name in &trace.threads {
        out.push_str(&fit(name, cell));
    }
    trim_end(&mut out);
    out.push('\n');
    out.push_str(&format!("{:GUTTER$}", ""));
    for _ in &trace.threads {
        out.push_str(&fit(&"-".repeat(cell - 2), cell));
    }
    trim_end(&mut out);
    out.push('\n');
    for (i, step) in trace.steps.iter().enumerate() {
        out.push_str(&format!("{:>4}   ", i + 1));
        for column in 0..trace.threads.len() {
            if column == step.thread {
                out.push_str(&fit(&step.event, cell));
            } else {
                out.push_str(&fit("", cell));
            }
        }
        trim_end(&mut out);
        out.push('\n');
    }
    if let Some(failure) = failure {
        let first = failure.lines().next().unwrap_or_default();
        out.push_str(&format!(
            "!! {:>3}  FAILED: {first}\n",
            trace.steps.len() + 1
        ));
    }
    out
}

/// Pads or cuts `text` to exactly `width` characters, leaving at least one space after it.
fn fit(text: &str, width: usize) -> String {
    let room = width - 1;
    let count = text.chars().count();
    if count <= room {
        format!("{text}{}", " ".repeat(width - count))
    } else {
        let cut: String = text.chars().take(room - 1).collect();
        format!("{cut}~ ")
    }
}

fn trim_end(s: &mut String) {
    let trimmed = s.trim_end_matches(' ').len();
    s.truncate(trimmed);
}
