//! Reading libtest's human output, line by line, as it streams past.
//!
//! With `--test-threads=1 --nocapture`, libtest prints `test NAME ... ` before the test runs,
//! then whatever the test prints, then the result, so a result may stand alone on a later
//! line. In parallel runs the whole `test NAME ... ok` comes at the end, on one line.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    Ignored,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// `test NAME ... ` with the result still to come.
    Started(String),
    Finished(String, Outcome),
    /// `test result: ...` closing one test binary.
    Summary(Counts),
}

/// The counts of one or more `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }

    pub fn is_empty(self) -> bool {
        self == Counts::default()
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)?;
        if self.ignored > 0 {
            write!(f, ", {} ignored", self.ignored)?;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct Parser {
    /// The test whose `test NAME ... ` line is still waiting for its result.
    running: Option<String>,
}

impl Parser {
    pub fn line(&mut self, raw: &str) -> Option<Event> {
        let line = strip_ansi(raw);
        let line = line.trim_end();
        if let Some(rest) = line.strip_prefix("test result: ") {
            self.running = None;
            return Some(Event::Summary(parse_counts(rest)));
        }
        if let Some((name, rest)) = line
            .strip_prefix("test ")
            .and_then(|l| l.split_once(" ..."))
        {
            let name = name.to_owned();
            return Some(match outcome(rest.trim()) {
                Some(outcome) => {
                    self.running = None;
                    Event::Finished(name, outcome)
                }
                None => {
                    self.running = Some(name.clone());
                    Event::Started(name)
                }
            });
        }
        let outcome = outcome(line.trim())?;
        let name = self.running.take()?;
        Some(Event::Finished(name, outcome))
    }

    /// The test that started but has not finished (if the binary died, the one that killed it).
    pub fn running(&self) -> Option<&str> {
        self.running.as_deref()
    }
}

fn outcome(word: &str) -> Option<Outcome> {
    match word {
        "ok" => Some(Outcome::Ok),
        "FAILED" => Some(Outcome::Failed),
        w if w == "ignored" || w.starts_with("ignored, ") => Some(Outcome::Ignored),
        _ => None,
    }
}

/// `ok. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s`
fn parse_counts(rest: &str) -> Counts {
    let mut counts = Counts::default();
    for part in rest.split(['.', ';']) {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse() else { continue };
        match what {
            "passed" => counts.passed = n,
            "failed" => counts.failed = n,
            "ignored" => counts.ignored = n,
            _ => {}
        }
    }
    counts
}

/// Drops ANSI colour sequences (`--color always`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters final-byte (a letter).
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
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

    fn events(lines: &[&str]) -> Vec<Event> {
        let mut parser = Parser::default();
        lines.iter().filter_map(|l| parser.line(l)).collect()
    }

    #[test]
    fn one_line_results() {
        assert_eq!(
            events(&[
                "test a ... ok",
                "test b::c ... FAILED",
                "test d ... ignored, slow",
                "test src/lib.rs - Lock (line 12) ... ok",
            ]),
            [
                Event::Finished("a".into(), Outcome::Ok),
                Event::Finished("b::c".into(), Outcome::Failed),
                Event::Finished("d".into(), Outcome::Ignored),
                Event::Finished("src/lib.rs - Lock (line 12)".into(), Outcome::Ok),
            ]
        );
    }

    #[test]
    fn nocapture_result_on_a_later_line() {
        assert_eq!(
            events(&[
                "test lock_2x2 ... racelab-check: loom_lock_2x2 [loom unbounded] 5 executions",
                "test output that is not a result",
                "ok",
                "ok",
            ]),
            [
                Event::Started("lock_2x2".into()),
                Event::Finished("lock_2x2".into(), Outcome::Ok),
            ]
        );
    }

    #[test]
    fn coloured_failure_and_summary() {
        assert_eq!(
            events(&[
                "test x ... \x1b[31mFAILED\x1b[0m",
                "test result: \x1b[31mFAILED\x1b[0m. 2 passed; 1 failed; 3 ignored; 0 measured; \
                 0 filtered out; finished in 0.50s",
            ]),
            [
                Event::Finished("x".into(), Outcome::Failed),
                Event::Summary(Counts {
                    passed: 2,
                    failed: 1,
                    ignored: 3
                }),
            ]
        );
    }

    #[test]
    fn slow_test_notice_is_not_a_result() {
        assert_eq!(
            events(&["test slow has been running for over 60 seconds"]),
            []
        );
    }
}
