//! racelab's benchmarks (`benches/lock.rs`, `benches/pool.rs`) and the instruction-count
//! workloads (`benches/icount.rs`); see `benches/README.md`. The library target is empty: it
//! exists so that this workspace member has a target of its own kind.
