//! Plain-text swimlanes: one column per thread, one row per step.
//!
//! A long execution stays readable: only the last [`TAIL`] steps are shown in full (the steps
//! before them are one row that says how many of each thread's were left out, and the failing
//! thread's last step is kept whatever its age), and a run of more than [`RUN_MAX`] steps of
//! one thread keeps its first and last [`RUN_EDGE`] around a `… n more steps` row. Step numbers
//! stay those of the whole trace, so what was left out is plain to see.

use super::Trace;

/// Width of the step-number gutter: `"!! 123 "`.
const GUTTER: usize = 7;
/// How many of the last steps before the failure are shown (runs collapsed).
const TAIL: usize = 80;
/// A run of one thread's steps longer than this is collapsed...
const RUN_MAX: usize = 12;
/// ...to its first and last this many.
const RUN_EDGE: usize = 4;

/// The last row of a failure's swimlane.
pub(crate) struct Failed<'a> {
    /// The thread that failed.
    pub(crate) thread: Option<&'a str>,
    /// Where (`file:line`).
    pub(crate) location: Option<&'a str>,
    /// What failed (its first line is shown).
    pub(crate) headline: &'a str,
}

impl<'a> Failed<'a> {
    /// A last row with only a headline: `FAILED: {headline}`.
    pub(crate) fn headline(headline: &'a str) -> Self {
        Failed {
            thread: None,
            location: None,
            headline,
        }
    }
}

/// One row of the rendered swimlane.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Row {
    /// The step at this index.
    Step(usize),
    /// Steps `from..to` are not shown.
    Earlier { from: usize, to: usize },
    /// `count` more steps of `thread` are not shown.
    Run { thread: usize, count: usize },
}

/// Which rows a trace of these steps shows (see the module docs).
fn rows(threads: &[usize], failed: Option<usize>) -> Vec<Row> {
    let n = threads.len();
    let keep_from = n.saturating_sub(TAIL);
    let mut rows = Vec::new();
    if keep_from > 0 {
        let failing = failed.and_then(|t| threads.iter().rposition(|&s| s == t));
        match failing {
            Some(i) if i < keep_from => {
                if i > 0 {
                    rows.push(Row::Earlier { from: 0, to: i });
                }
                rows.push(Row::Step(i));
                if i + 1 < keep_from {
                    rows.push(Row::Earlier {
                        from: i + 1,
                        to: keep_from,
                    });
                }
            }
            _ => rows.push(Row::Earlier {
                from: 0,
                to: keep_from,
            }),
        }
    }
    let mut i = keep_from;
    while i < n {
        let thread = threads[i];
        let end = (i..n).find(|&j| threads[j] != thread).unwrap_or(n);
        if end - i > RUN_MAX {
            rows.extend((i..i + RUN_EDGE).map(Row::Step));
            rows.push(Row::Run {
                thread,
                count: end - i - 2 * RUN_EDGE,
            });
            rows.extend((end - RUN_EDGE..end).map(Row::Step));
        } else {
            rows.extend((i..end).map(Row::Step));
        }
        i = end;
    }
    rows
}

pub(super) fn render(trace: &Trace, width: usize, failure: Option<Failed<'_>>) -> String {
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
    let row = |out: &mut String, gutter: String, thread: usize, text: &str| {
        out.push_str(&gutter);
        for column in 0..trace.threads.len() {
            out.push_str(&fit(if column == thread { text } else { "" }, cell));
        }
        trim_end(out);
        out.push('\n');
    };
    let threads: Vec<usize> = trace.steps.iter().map(|s| s.thread).collect();
    for r in rows(&threads, trace.failed) {
        match r {
            Row::Step(i) => {
                let step = &trace.steps[i];
                row(
                    &mut out,
                    format!("{:>4}   ", i + 1),
                    step.thread,
                    &step.event,
                );
            }
            Row::Run { thread, count } => {
                let plural = if count == 1 { "" } else { "s" };
                let text = format!("… {count} more step{plural}");
                row(&mut out, format!("{:GUTTER$}", "   …"), thread, &text);
            }
            Row::Earlier { from, to } => {
                let mut per_thread = vec![0usize; trace.threads.len()];
                for &t in &threads[from..to] {
                    per_thread[t] += 1;
                }
                let counts: Vec<String> = per_thread
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| c > 0)
                    .map(|(t, c)| format!("{} {c}", trace.threads[t]))
                    .collect();
                out.push_str(&format!(
                    "   …   steps {}–{to} not shown ({})\n",
                    from + 1,
                    counts.join(", ")
                ));
            }
        }
    }
    if let Some(failure) = failure {
        let first = failure.headline.lines().next().unwrap_or_default();
        let mut at = String::new();
        if let Some(thread) = failure.thread {
            at.push_str(&format!(" in {thread}"));
        }
        if let Some(location) = failure.location {
            at.push_str(&format!(" at {location}"));
        }
        out.push_str(&format!(
            "!! {:>3}  FAILED{at}: {first}\n",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Step;

    fn trace(threads: &[usize], failed: Option<usize>) -> Trace {
        Trace {
            threads: vec!["main".into(), "t1".into(), "t2".into()],
            steps: threads
                .iter()
                .enumerate()
                .map(|(i, &thread)| Step {
                    thread,
                    event: format!("s{}", i + 1),
                })
                .collect(),
            failed,
        }
    }

    #[test]
    fn a_short_trace_shows_every_step() {
        let steps = [0, 1, 1, 2, 0];
        assert_eq!(
            rows(&steps, Some(2)),
            (0..5).map(Row::Step).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_long_run_of_one_thread_keeps_its_ends() {
        let mut steps = vec![0];
        steps.extend([1; 20]);
        steps.push(0);
        let rows = rows(&steps, None);
        let mut expected: Vec<Row> = (0..5).map(Row::Step).collect();
        expected.push(Row::Run {
            thread: 1,
            count: 12,
        });
        expected.extend((17..22).map(Row::Step));
        assert_eq!(rows, expected);
        let text = render(&trace(&steps, None), 80, None);
        assert!(text.contains("… 12 more steps"), "{text}");
        assert!(text.contains("  21   "), "{text}");
    }

    #[test]
    fn a_long_trace_keeps_the_tail_and_the_failing_threads_last_step() {
        // t2 acts once, at step 3; then main and t1 alternate for 200 steps.
        let mut steps = vec![0, 1, 2];
        steps.extend((0..200).map(|i| i % 2));
        let n = steps.len();
        let rows = rows(&steps, Some(2));
        assert_eq!(rows[0], Row::Earlier { from: 0, to: 2 });
        assert_eq!(
            rows[1],
            Row::Step(2),
            "the failing thread's last step is kept"
        );
        assert_eq!(
            rows[2],
            Row::Earlier {
                from: 3,
                to: n - TAIL
            }
        );
        assert_eq!(rows.len(), 3 + TAIL);
        assert_eq!(*rows.last().unwrap(), Row::Step(n - 1));
        let text = render(
            &trace(&steps, Some(2)),
            80,
            Some(Failed {
                thread: Some("t2"),
                location: Some("src/x.rs:12"),
                headline: "panic: boom",
            }),
        );
        assert!(
            text.contains("steps 4–123 not shown (main 60, t1 60)"),
            "{text}"
        );
        assert!(text.contains("   3   "), "{text}");
        assert!(
            text.ends_with("!! 204  FAILED in t2 at src/x.rs:12: panic: boom\n"),
            "{text}"
        );
    }
}
