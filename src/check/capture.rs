//! Captures the first panic of a checked run: message, kind, trace, wait-for graph.
//!
//! One process-wide panic hook, installed once on top of the others, chains to the hook that
//! was there before (so shuttle's schedule printing and the default message still appear),
//! except for panics a test declared expected with `check::quiet_panics`. While a run is *armed* on
//! this OS thread — loom and shuttle run every model thread on it — the first panic is kept
//! and later ones are ignored: they are follow-ups (a join of a panicked thread, a guard
//! dropped while unwinding).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::cell::{Cell, RefCell};
use std::io::Write as _;
use std::panic;
use std::sync::{Mutex, Once};

use super::failure::{deadlock_message, FailureKind};
use crate::trace::{self, Trace, WaitFor};

/// What the hook kept of the first panic.
#[derive(Debug, Clone)]
pub(crate) struct Captured {
    pub(crate) kind: FailureKind,
    pub(crate) message: String,
    pub(crate) location: Option<String>,
    pub(crate) trace: Trace,
    pub(crate) wait_for: Vec<WaitFor>,
    pub(crate) execution: u64,
}

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    /// In a loom child process: print each capture to stderr at once, before loom can abort.
    static PRINT: Cell<bool> = const { Cell::new(false) };
    static EXECUTION: Cell<u64> = const { Cell::new(0) };
    static FIRST: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// Panic messages containing one of these are not printed (see `check::quiet_panics`).
static QUIET: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Installs racelab's hook once, on top of every other: under shuttle, shuttle's own hook
/// (installed on its first run) is put underneath first, so racelab's decides what reaches it.
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        #[cfg(shuttle)]
        shuttle::check_random(|| {}, 1);
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if ARMED.get() {
                keep_first(info);
            }
            let text = message(info.payload());
            let quiet = QUIET.lock().map_or(false, |q| q.iter().any(|m| text.contains(m)));
            if !quiet {
                previous(info);
            }
        }));
    });
}

/// Silences panics whose message contains `marker` (they are still captured).
pub(crate) fn quiet(marker: &'static str) {
    install();
    if let Ok(mut quiet) = QUIET.lock() {
        if !quiet.contains(&marker) {
            quiet.push(marker);
        }
    }
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}

/// Starts capturing on this OS thread; `print` writes each capture to stderr as it happens.
pub(crate) fn arm(print: bool) {
    install();
    FIRST.with(|f| f.borrow_mut().take());
    EXECUTION.set(0);
    PRINT.set(print);
    ARMED.set(true);
}

/// Stops capturing and returns the first panic, if there was one.
pub(crate) fn disarm() -> Option<Captured> {
    ARMED.set(false);
    FIRST.with(|f| f.borrow_mut().take())
}

/// Called at the start of each execution.
pub(crate) fn set_execution(n: u64) {
    EXECUTION.set(n);
}

fn keep_first(info: &panic::PanicHookInfo<'_>) {
    let is_first = FIRST.with(|f| f.try_borrow().map(|b| b.is_none()).unwrap_or(false));
    if !is_first {
        return;
    }
    let raw = message(info.payload());
    let kind = FailureKind::classify(&raw);
    let wait_for = if kind == FailureKind::Deadlock {
        trace::wait_for()
    } else {
        Vec::new()
    };
    let message = if kind == FailureKind::Deadlock {
        deadlock_message(&wait_for, &trace::blocked(), &raw)
    } else {
        raw
    };
    let captured = Captured {
        kind,
        message,
        // Only a panic in the model has a useful location; a checker's own (a deadlock, a
        // data race) points into the checker's source.
        location: (kind == FailureKind::Panic)
            .then(|| info.location().map(|at| format!("{}:{}", at.file(), at.line())))
            .flatten(),
        trace: trace::snapshot(),
        wait_for,
        execution: EXECUTION.get(),
    };
    if PRINT.get() {
        let mut block = format!("\nracelab: {}: {}\n", captured.kind, captured.message);
        for edge in &captured.wait_for {
            block.push_str(&format!("  {edge}\n"));
        }
        block.push_str(&captured.trace.render(120, None));
        block.push_str(&super::child::encode(&captured));
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(block.as_bytes());
        let _ = err.flush();
    }
    FIRST.with(|f| {
        if let Ok(mut slot) = f.try_borrow_mut() {
            *slot = Some(captured);
        }
    });
}
