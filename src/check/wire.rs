//! The wire format between a loom child process and its parent (see `child`).
//!
//! The child's panic hook writes each capture to stderr as a block of `key=value` lines between
//! two markers, before loom can abort the process; the parent reads the blocks back out of
//! everything else the child printed. Values are escaped (`\\`, `\n`, `\t`) so each stays on
//! one line; a list (trace steps, wait-for edges) repeats its key.

use super::capture::{self, Captured};
use super::child::ChildOutcome;
use super::failure::FailureKind;
use crate::trace::{Step, Trace, WaitFor};

const BEGIN: &str = "RACELAB-FAILURE-BEGIN";
const END: &str = "RACELAB-FAILURE-END";

/// The block for one capture; `chosen` marks the one the child itself picked as the failure
/// once loom's check returned (absent when loom aborted first).
pub(crate) fn encode(c: &Captured, chosen: bool) -> String {
    let mut out = format!("\n{BEGIN}\n");
    if chosen {
        out.push_str("chosen=1\n");
    }
    out.push_str(&format!("kind={}\n", c.kind.name()));
    out.push_str(&format!("raw={}\n", escape(&c.raw)));
    out.push_str(&format!("execution={}\n", c.execution));
    out.push_str(&format!("message={}\n", escape(&c.message)));
    if let Some(location) = &c.location {
        out.push_str(&format!("location={}\n", escape(location)));
    }
    for name in &c.trace.threads {
        out.push_str(&format!("thread={}\n", escape(name)));
    }
    for step in &c.trace.steps {
        out.push_str(&format!("step={}\t{}\n", step.thread, escape(&step.event)));
    }
    if let Some(failed) = c.trace.failed {
        out.push_str(&format!("failed={failed}\n"));
    }
    for w in &c.wait_for {
        out.push_str(&format!(
            "wait={}\t{}\t{}\t{}\n",
            escape(&w.thread),
            escape(&w.holds.join(",")),
            escape(&w.waits_for),
            escape(w.held_by.as_deref().unwrap_or("")),
        ));
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// Reads the failure out of a child's stderr: the block the child chose, or else (loom
/// aborted before it could choose) as `capture::choose` would.
pub(crate) fn decode(stderr: &str) -> Option<Captured> {
    let mut blocks = Vec::new();
    let mut rest = stderr;
    while let Some(at) = rest.find(BEGIN) {
        let start = at + BEGIN.len();
        let Some(len) = rest[start..].find(END) else {
            break;
        };
        if let Some(block) = decode_block(&rest[start..start + len]) {
            blocks.push(block);
        }
        rest = &rest[start + len..];
    }
    if let Some(chosen) = blocks.iter().position(|(_, chosen)| *chosen) {
        return Some(blocks.swap_remove(chosen).0);
    }
    capture::choose(blocks.into_iter().map(|(c, _)| c).collect(), None)
}

/// Marks the start of one check's result in a checks file.
const CHECK: &str = "RACELAB-CHECK\t";

/// The checks file a parent hands its next child: each finished check's outcome, in order.
pub(crate) fn encode_checks(checks: &[ChildOutcome]) -> String {
    let mut out = String::new();
    for check in checks {
        out.push_str(&format!(
            "{CHECK}{}\t{}\n",
            escape(&check.status),
            escape(&check.stderr_tail)
        ));
        if let Some(c) = &check.captured {
            out.push_str(&encode(c, true));
        }
    }
    out
}

/// Reads a checks file back.
pub(crate) fn decode_checks(text: &str) -> Vec<ChildOutcome> {
    text.split(CHECK)
        .skip(1)
        .filter_map(|part| {
            let (head, rest) = part.split_once('\n').unwrap_or((part, ""));
            let (status, tail) = head.split_once('\t')?;
            Some(ChildOutcome {
                captured: decode(rest),
                status: unescape(status),
                stderr_tail: unescape(tail),
            })
        })
        .collect()
}

fn decode_block(block: &str) -> Option<(Captured, bool)> {
    let mut chosen = false;
    let mut c = Captured {
        kind: FailureKind::Panic,
        raw: String::new(),
        message: String::new(),
        location: None,
        trace: Trace::default(),
        wait_for: Vec::new(),
        execution: 0,
    };
    for line in block.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            "chosen" => chosen = true,
            "kind" => c.kind = FailureKind::from_name(value)?,
            "raw" => c.raw = unescape(value),
            "execution" => c.execution = value.parse().ok()?,
            "message" => c.message = unescape(value),
            "location" => c.location = Some(unescape(value)),
            "thread" => c.trace.threads.push(unescape(value)),
            "failed" => c.trace.failed = Some(value.parse().ok()?),
            "step" => {
                let (thread, event) = value.split_once('\t')?;
                c.trace.steps.push(Step {
                    thread: thread.parse().ok()?,
                    event: unescape(event),
                });
            }
            "wait" => {
                let mut parts = value.split('\t').map(unescape);
                let thread = parts.next()?;
                let holds = parts.next()?;
                let waits_for = parts.next()?;
                let held_by = parts.next()?;
                c.wait_for.push(WaitFor {
                    thread,
                    holds: holds
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    waits_for,
                    held_by: (!held_by.is_empty()).then_some(held_by),
                });
            }
            _ => {}
        }
    }
    Some((c, chosen))
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A capture with every field set, and text that needs escaping in each.
    fn deadlock() -> Captured {
        Captured {
            kind: FailureKind::Deadlock,
            raw: "deadlock! blocked tasks:\n\tmain (waiting)\\".to_owned(),
            message: "deadlock: main holds a=b, waits for c\tand\nmore".to_owned(),
            location: Some("tests/x.rs:12".to_owned()),
            trace: Trace {
                threads: vec!["main".to_owned(), "worker\t1".to_owned()],
                steps: vec![
                    Step {
                        thread: 0,
                        event: "acquire a".to_owned(),
                    },
                    Step {
                        thread: 1,
                        event: "acquire b\nthen c=d".to_owned(),
                    },
                ],
                failed: Some(1),
            },
            wait_for: vec![
                WaitFor {
                    thread: "main".to_owned(),
                    holds: vec!["a".to_owned(), "e".to_owned()],
                    waits_for: "b".to_owned(),
                    held_by: Some("worker\t1".to_owned()),
                },
                WaitFor {
                    thread: "worker\t1".to_owned(),
                    holds: Vec::new(),
                    waits_for: "a".to_owned(),
                    held_by: None,
                },
            ],
            execution: 17,
        }
    }

    fn assert_same(a: &Captured, b: &Captured) {
        assert_eq!(
            (
                a.kind,
                &a.raw,
                &a.message,
                &a.location,
                &a.trace,
                &a.wait_for,
                a.execution
            ),
            (
                b.kind,
                &b.raw,
                &b.message,
                &b.location,
                &b.trace,
                &b.wait_for,
                b.execution
            )
        );
    }

    #[test]
    fn a_block_round_trips_among_other_output() {
        let sent = deadlock();
        let stderr = format!(
            "thread 'main' panicked at src/x.rs:1:1:\nRACELAB-FAILURE nonsense\n{}test output\n",
            encode(&sent, false)
        );
        let received = decode(&stderr).expect("the block is found");
        assert_same(&received, &sent);
    }

    #[test]
    fn the_chosen_block_wins_over_earlier_ones() {
        let mut first = deadlock();
        first.kind = FailureKind::Panic;
        first.raw = "a follow-up".to_owned();
        first.message = "a follow-up".to_owned();
        let chosen = deadlock();
        let stderr = format!("{}{}", encode(&first, false), encode(&chosen, true));
        assert_same(&decode(&stderr).expect("a block"), &chosen);
        // Without a choice (loom aborted first), the checker's own panic is the failure.
        let stderr = format!("{}{}", encode(&first, false), encode(&chosen, false));
        assert_eq!(
            decode(&stderr).expect("a block").kind,
            FailureKind::Deadlock
        );
    }

    #[test]
    fn a_checks_file_round_trips() {
        // A tail holds anything the child printed: a whole wire block, tabs, newlines.
        let tail = format!("RACELAB-EXPLORED=3\t{}", encode(&deadlock(), false));
        let checks = vec![
            ChildOutcome {
                captured: Some(deadlock()),
                status: "signal: 6 (SIGABRT)".to_owned(),
                stderr_tail: "x".to_owned(),
            },
            ChildOutcome {
                captured: None,
                status: "exit status: 0".to_owned(),
                stderr_tail: tail.clone(),
            },
        ];
        let back = decode_checks(&encode_checks(&checks));
        assert_eq!(back.len(), 2);
        assert_same(back[0].captured.as_ref().expect("a failure"), &deadlock());
        assert_eq!(
            (back[0].status.as_str(), back[0].stderr_tail.as_str()),
            ("signal: 6 (SIGABRT)", "x")
        );
        assert!(back[1].captured.is_none());
        assert_eq!(back[1].stderr_tail, tail);
    }

    #[test]
    fn a_cut_off_block_is_not_read() {
        let block = encode(&deadlock(), false);
        let cut = &block[..block.len() / 2];
        assert!(decode(cut).is_none());
    }
}
