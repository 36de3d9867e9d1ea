//! What a search proved, in words: the budget column of a [`Report`](super::Report).
//!
//! A search cut short by its time budget never reads like a finished one: it names what it
//! covered and what it did not finish.

use std::time::Duration;

/// `"60 s"`, `"1.5 s"`: a budget as a person writes it.
pub(super) fn seconds(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{secs:.1} s")
    }
}

/// A search of repeated runs (shuttle's schedules, std's stress runs): `"random × 1000"` when
/// all `planned` ran, `"random × 412 of 1000 (budget 60 s)"` when the budget stopped it.
#[cfg_attr(loom, allow(dead_code))]
pub(super) fn sampled(what: &str, ran: u64, planned: usize, budget: Option<Duration>) -> String {
    match budget {
        Some(budget) => format!("{what} × {ran} of {planned} (budget {})", seconds(budget)),
        None => format!("{what} × {planned}"),
    }
}
