//! The race lab: one file per model. Each model is a small program with a `buggy` and a
//! `fixed` variant that differ only in the lines marked `// FIX:`; its tests show the buggy
//! one caught (by kind and message) and the fixed one passing, under every backend it fits.
//!
//! `models/README.md` is the catalogue; `cargo xtask model NAME` tells a model's story, runs
//! it, and prints the failing interleaving and the command that replays it.

pub mod lab;

pub mod abba_deadlock;

/// Every model, in catalogue order.
pub const MODELS: &[&lab::Model] = &[&abba_deadlock::MODEL];
