//! The programs, grouped by bug class. Each lock-using program is a generic function over a
//! [`Flavour`](crate::Flavour); the others are plain functions. Each program's constant says
//! which failure it must produce.

pub mod atomicity;
pub mod deadlock;
pub mod order;
pub mod ring;

use crate::Program;

/// Every classic program of the hunt (the race lab's models are `racelab_models::MODELS`, through
/// [`Program::from_model`](crate::Program::from_model)).
pub const PROGRAMS: &[&Program] = &[
    &order::ORDER_VIOLATION,
    &order::PUBLICATION,
    &order::MISSING_JOIN,
    &atomicity::CHECK_THEN_ACT,
    &atomicity::LOST_UPDATE,
    &atomicity::WRONG_LOCK,
    &atomicity::DOUBLE_CHECKED_INIT,
    &atomicity::BOUNDED_BUFFER,
    &atomicity::TWO_STAGE,
    &atomicity::SPLIT_COUNTER,
    &atomicity::REORDER,
    &deadlock::ABBA,
    &deadlock::PHILOSOPHERS,
    &deadlock::HOLD_AND_WAIT,
    &deadlock::LOST_WAKEUP,
    &ring::TOKEN_RING,
];
