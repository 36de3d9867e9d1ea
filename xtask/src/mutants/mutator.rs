//! The mutator: the one part of `cargo xtask mutants` no tool does for us. It finds the sites
//! in the source text and writes each mutant as a one-line change.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The folders whose `.rs` files are mutated.
pub(super) const DIRS: [&str; 2] = ["src/lock", "src/pool"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Ordering,
    Wakeup,
}

/// One change to one line.
#[derive(Debug, Clone)]
pub(super) struct Mutant {
    pub(super) kind: Kind,
    /// Relative to the workspace root, `/`-separated.
    pub(super) file: String,
    /// 1-based.
    pub(super) line: usize,
    /// 1-based byte column of `from` in the line.
    pub(super) col: usize,
    pub(super) from: String,
    pub(super) to: String,
}

impl Mutant {
    pub(super) fn site(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.col)
    }

    pub(super) fn change(&self) -> String {
        match self.kind {
            Kind::Ordering => format!(
                "{} → {}",
                self.from.trim_start_matches("Ordering::"),
                self.to.trim_start_matches("Ordering::")
            ),
            Kind::Wakeup => format!("`{}` deleted", self.from),
        }
    }

    /// The suite that exercises the mutated file: run first.
    pub(super) fn own_suite(&self) -> &'static str {
        if self.file.starts_with("src/lock") {
            "loom_lock"
        } else {
            "loom_pool"
        }
    }

    /// `text` (the whole file) with this mutant applied.
    pub(super) fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i + 1 == self.line {
                let at = self.col - 1;
                assert_eq!(
                    &line[at..at + self.from.len()],
                    self.from,
                    "mutant site moved"
                );
                out.push_str(&line[..at]);
                out.push_str(&self.to);
                out.push_str(&line[at + self.from.len()..]);
            } else {
                out.push_str(line);
            }
        }
        out
    }
}

/// The operation an ordering is an argument of, which decides the orderings it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// `load`, and the failure ordering of a compare-exchange or `fetch_update`'s fetch.
    Load,
    Store,
    Fence,
    /// A read-modify-write (`swap`, `fetch_*`, a compare-exchange's success), or an ordering
    /// that is not a direct argument of a call: every ordering is allowed.
    Any,
}

impl Operation {
    fn allows(self, ordering: &str) -> bool {
        match self {
            Operation::Load => ordering != "Release" && ordering != "AcqRel",
            Operation::Store => ordering != "Acquire" && ordering != "AcqRel",
            Operation::Fence => ordering != "Relaxed",
            Operation::Any => true,
        }
    }

    /// The operation whose `index`-th argument (0-based) is an ordering, for a call of `method`.
    fn of_argument(method: &str, index: usize) -> Operation {
        match (method, index) {
            ("load", _) => Operation::Load,
            ("store", _) => Operation::Store,
            ("fence" | "compiler_fence", _) => Operation::Fence,
            ("compare_exchange" | "compare_exchange_weak", 3) => Operation::Load,
            ("fetch_update", 1) => Operation::Load,
            _ => Operation::Any,
        }
    }
}

/// One step weaker, among the orderings `operation` allows: `SeqCst`→`AcqRel` becomes
/// `SeqCst`→`Acquire` for a load; an `Acquire` fence has no weaker fence.
pub(super) fn weaker(ordering: &str, operation: Operation) -> Vec<&'static str> {
    let steps: &[&'static str] = match ordering {
        "SeqCst" => &["AcqRel"],
        "AcqRel" => &["Acquire", "Release"],
        "Acquire" | "Release" => &["Relaxed"],
        _ => &[],
    };
    let mut out = Vec::new();
    for &step in steps {
        // A load's or a store's one step below `SeqCst` is the half of `AcqRel` it allows.
        let fitted = match (step, operation) {
            ("AcqRel", Operation::Load) => "Acquire",
            ("AcqRel", Operation::Store) => "Release",
            (step, _) => step,
        };
        if operation.allows(fitted) {
            out.push(fitted);
        }
    }
    out
}

/// The operation of the ordering at byte `at` of `code` (comments already blanked): the call
/// whose argument list it stands in directly, and its position there.
pub(super) fn operation_at(code: &str, at: usize) -> Operation {
    let bytes = code.as_bytes();
    let (mut depth, mut commas) = (0usize, 0usize);
    for i in (0..at).rev() {
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' if depth == 0 => return Operation::Any,
            b'(' if depth == 0 => {
                let before = code[..i].trim_end();
                let method: String = before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Operation::of_argument(&method, commas);
            }
            b'(' | b'[' | b'{' => depth -= 1,
            b',' if depth == 0 => commas += 1,
            b';' if depth == 0 => return Operation::Any,
            _ => {}
        }
    }
    Operation::Any
}

/// `text` with every `//` comment replaced by spaces (same length, so offsets hold).
pub(super) fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.find("//") {
            Some(at) => {
                out.push_str(&line[..at]);
                let rest = &line[at..];
                let newline = rest.ends_with('\n');
                out.push_str(&" ".repeat(rest.len() - usize::from(newline)));
                if newline {
                    out.push('\n');
                }
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Every mutant of `text` (the file `file`), and notes on the sites left alone.
pub(super) fn sites(file: &str, text: &str, mutants: &mut Vec<Mutant>, notes: &mut Vec<String>) {
    let code = blank_comments(text);
    let mut offset = 0;
    for (i, line) in code.split_inclusive('\n').enumerate() {
        for (at, _) in line.match_indices("Ordering::") {
            let name: String = line[at + "Ordering::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let operation = operation_at(&code, offset + at);
            for to in weaker(&name, operation) {
                mutants.push(Mutant {
                    kind: Kind::Ordering,
                    file: file.to_owned(),
                    line: i + 1,
                    col: at + 1,
                    from: format!("Ordering::{name}"),
                    to: format!("Ordering::{to}"),
                });
            }
        }
        let trimmed = line.trim();
        for call in [".unpark();", ".wake();"] {
            if let Some(receiver) = trimmed.strip_suffix(call) {
                mutants.push(Mutant {
                    kind: Kind::Wakeup,
                    file: file.to_owned(),
                    line: i + 1,
                    col: line.len() - line.trim_start().len() + 1,
                    from: trimmed.to_owned(),
                    to: format!("let _ = &{receiver};"),
                });
            } else if trimmed.contains(call.trim_end_matches(';')) {
                notes.push(format!(
                    "{file}:{}: a `{}` call that is not a whole statement: not mutated",
                    i + 1,
                    call.trim_end_matches(';')
                ));
            }
        }
        offset += line.len();
    }
}

/// Every mutant in [`DIRS`], in file and line order.
pub(super) fn find(root: &Path) -> io::Result<(Vec<Mutant>, Vec<String>)> {
    let (mut mutants, mut notes) = (Vec::new(), Vec::new());
    for dir in DIRS {
        let mut files: Vec<PathBuf> = fs::read_dir(root.join(dir))?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<_>>()?;
        files.retain(|p| p.extension().is_some_and(|e| e == "rs"));
        files.sort();
        for path in files {
            let name = path.file_name().expect("a file").to_string_lossy();
            let file = format!("{dir}/{name}");
            sites(&file, &fs::read_to_string(&path)?, &mut mutants, &mut notes);
        }
    }
    Ok((mutants, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
fn f() {
    // Ordering::Acquire in a comment
    let o = if sound { Ordering::Acquire } else { Ordering::Relaxed };
    x.compare_exchange(a, b, Ordering::AcqRel, Ordering::Relaxed);
    x.compare_exchange(
        a,
        // a comment, with (parentheses), and commas
        f(b, c),
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    x.load(Ordering::SeqCst); y.store(1, Ordering::SeqCst);
    fence(Ordering::Acquire);
    thread.unpark();
    waiter.expect(\"w\").unpark();
    sleeper.wake();
}
";

    #[test]
    fn finds_sites() {
        let (mut mutants, mut notes) = (Vec::new(), Vec::new());
        sites("src/lock/x.rs", SAMPLE, &mut mutants, &mut notes);
        let shown: Vec<String> = mutants
            .iter()
            .map(|m| format!("{} {}", m.site(), m.change()))
            .collect();
        assert_eq!(
            shown,
            [
                "src/lock/x.rs:3:24 Acquire → Relaxed",
                "src/lock/x.rs:4:30 AcqRel → Acquire",
                "src/lock/x.rs:4:30 AcqRel → Release",
                "src/lock/x.rs:9:9 SeqCst → AcqRel",
                "src/lock/x.rs:10:9 SeqCst → Acquire",
                "src/lock/x.rs:12:12 SeqCst → Acquire",
                "src/lock/x.rs:12:42 SeqCst → Release",
                "src/lock/x.rs:14:5 `thread.unpark();` deleted",
                "src/lock/x.rs:15:5 `waiter.expect(\"w\").unpark();` deleted",
                "src/lock/x.rs:16:5 `sleeper.wake();` deleted",
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
        let applied = mutants[8].apply(SAMPLE);
        assert!(applied.contains("\n    let _ = &waiter.expect(\"w\");\n"));
        assert_eq!(applied.lines().count(), SAMPLE.lines().count());
        assert!(mutants[1]
            .apply(SAMPLE)
            .contains("(a, b, Ordering::Acquire, Ordering::Relaxed)"));
    }

    #[test]
    fn weakens_within_what_the_operation_allows() {
        assert_eq!(weaker("SeqCst", Operation::Any), ["AcqRel"]);
        assert_eq!(weaker("SeqCst", Operation::Load), ["Acquire"]);
        assert_eq!(weaker("SeqCst", Operation::Store), ["Release"]);
        assert_eq!(weaker("AcqRel", Operation::Any), ["Acquire", "Release"]);
        assert_eq!(weaker("Acquire", Operation::Fence), Vec::<&str>::new());
        assert_eq!(weaker("Relaxed", Operation::Any), Vec::<&str>::new());
    }
}
