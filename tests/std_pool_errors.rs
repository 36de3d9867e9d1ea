//! Snapshots of the `Display` of the pool's newer errors: [`TaskError::CallbackPanicked`],
//! [`NotReady`] and [`TimeoutError`] (the older ones are in `tests/snapshots.rs`).
//!
//! Run: `cargo test --test std_pool_errors` (update: `INSTA_UPDATE=always`, then review).
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use std::time::Duration;

use common::pools::{gated_pool, GATE_TASK};
use common::watch::within;
use insta::assert_snapshot;
use racelab::pool::NotReady;
use racelab::TaskError;

#[test]
fn callback_panicked_display() {
    let err = TaskError::CallbackPanicked {
        message: "index out of bounds: the len is 3 but the index is 7".to_owned(),
    };
    assert_snapshot!("task_error_callback_panicked_display", err.to_string());
    assert_snapshot!("task_error_callback_panicked_debug", format!("{err:?}"));
}

#[test]
fn not_ready_display() {
    assert_snapshot!("not_ready_display", NotReady.to_string());
    assert_snapshot!("not_ready_debug", format!("{NotReady:?}"));
}

#[test]
fn timeout_error_display() {
    within(|| {
        let (pool, gate, running) = gated_pool();
        let timed_out = running.get_timeout(Duration::from_millis(250)).unwrap_err();
        assert_snapshot!("timeout_error_display", timed_out.to_string());
        assert_snapshot!("timeout_error_debug", format!("{timed_out:?}"));
        gate.open();
        assert_eq!(timed_out.into_result().get(), Ok(GATE_TASK));
        drop(pool);
    });
}
