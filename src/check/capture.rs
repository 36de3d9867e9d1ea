//! Captures the first panic of a checked run: message, kind, trace, wait-for graph.
//!
//! One process-wide panic hook, installed once, chains to the hook that was there before (so
//! shuttle's schedule printing and the default message still appear). While a run is *armed* on
//! this OS thread — loom and shuttle run every model thread on it — the first panic is kept
//! and later ones are ignored: they are follow-ups (a join of a panicked thread, a guard
//! dropped while unwinding).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::cell::{Cell, RefCell};
use std::io::Write as _;
use std::panic;
use std::sync::Once;

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

/// Starts capturing on this OS thread; `print` writes each capture to stderr as it happens.
pub(crate) fn arm(print: bool) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if ARMED.get() {
                keep_first(info);
            }
            previous(info);
        }));
    });
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
    let payload = info.payload();
    let raw = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".to_owned());
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
