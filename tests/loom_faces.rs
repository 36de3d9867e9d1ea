//! The spec and the implementation face give the same verdicts on client programs of the lock
//! (loom). See `tests/common/faces.rs`, which writes the tests.
//!
//! Run: `RUSTFLAGS="--cfg loom -C debug-assertions" CARGO_TARGET_DIR=target/loom \
//!       cargo test --release --test loom_faces`
#![cfg(loom)]

mod common;

common::faces::face_tests!(exhaustive: true);
