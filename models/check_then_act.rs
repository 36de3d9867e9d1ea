//! # check_then_act — (being written)

use racelab::check::FailureKind;

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "check_then_act",
    bug_class: "",
    source: "",
    fix: "",
    kind: FailureKind::Panic,
    message: "",
    loom: Loom::Skip("being written"),
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The buggy variant.
pub fn buggy() {}

/// The fixed variant.
pub fn fixed() {}
