//! The spec and the implementation face give the same verdicts on client programs of the lock
//! (shuttle). See `tests/common/faces.rs`, which writes the tests.
//!
//! Run: `RUSTFLAGS="--cfg shuttle" CARGO_TARGET_DIR=target/shuttle \
//!       cargo test --release --test shuttle_faces`
#![cfg(shuttle)]
#![allow(clippy::disallowed_types)] // shuttle's Arc is std's (see clippy.toml)

mod common;

common::faces::face_tests!(exhaustive: false);
