//! Order violations: one thread's step is assumed to come before another's, and nothing makes
//! it so.

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicBool, Ordering};
use racelab::sync::{thread, Arc};

use crate::{Flavour, HuntLock, Program};

/// Use before initialisation.
pub const ORDER_VIOLATION: Program = Program {
    name: "order_violation",
    bug: "order violation (use before initialisation)",
    source: "SCTBench's order violations; Lu et al. 2008 (Mozilla's use before init)",
    kind: FailureKind::Panic,
    message: "the slot was used before it was initialised",
    checker_message: None,
    shuttle: true,
};

/// main starts a worker that reads a shared slot, and fills the slot only afterwards.
pub fn order_violation<F: Flavour>() {
    let slot = F::shared("slot", None::<u32>);
    let slot2 = Arc::clone(&slot);
    let worker = thread::spawn(move || {
        let value = (*slot2.lock()).expect("the slot was used before it was initialised");
        assert_eq!(value, 42);
    });
    *slot.lock() = Some(42); // BUG: initialised after the worker that reads it has started
    worker.join().unwrap();
}

/// Publication before the write.
pub const PUBLICATION: Program = Program {
    name: "publication",
    bug: "order violation (published before written)",
    source: "the classic publication bug (JSR-133's unsafe publication, in program order)",
    kind: FailureKind::Panic,
    message: "read a published value before it was written",
    checker_message: None,
    shuttle: true,
};

/// A writer raises the `ready` flag, then writes the value; the reader trusts the flag.
pub fn publication<F: Flavour>() {
    let ready = Arc::new(AtomicBool::new(false));
    let data = F::shared("data", 0u32);
    let (ready2, data2) = (Arc::clone(&ready), Arc::clone(&data));
    let writer = thread::spawn(move || {
        // Release: pairs with main's Acquire load of `ready`.
        ready2.store(true, Ordering::Release); // BUG: published before the value is written
        *data2.lock() = 42;
    });
    // Acquire: pairs with the writer's Release store of `ready`.
    if ready.load(Ordering::Acquire) {
        let value = *data.lock();
        assert_eq!(value, 42, "read a published value before it was written");
    }
    writer.join().unwrap();
}

/// Reading a worker's result without joining it first.
pub const MISSING_JOIN: Program = Program {
    name: "missing_join",
    bug: "order violation (missing join)",
    source: "CHESS's fork/join examples; the classic forgotten join",
    kind: FailureKind::Panic,
    message: "read the results before the worker finished",
    checker_message: None,
    shuttle: true,
};

/// main reads the worker's results, then joins it: one line too early.
pub fn missing_join<F: Flavour>() {
    let results = F::shared("results", Vec::<u32>::new());
    let results2 = Arc::clone(&results);
    let worker = thread::spawn(move || results2.lock().push(7));
    let sum: u32 = results.lock().iter().sum(); // BUG: read before the join below
    worker.join().unwrap();
    assert_eq!(
        sum, 7,
        "read the results before the worker finished: sum = {sum}"
    );
}
