//! How busy the machine was while a benchmark ran: shared by the lock and pool benches
//! (`#[path]`-included; not a bench target of its own).

use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup};

/// CPU time, in clock ticks, of (the whole machine busy, the whole machine, this process),
/// from `/proc/stat` and `/proc/self/stat`; `None` where those are unavailable.
pub fn cpu_ticks() -> Option<[u64; 3]> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let busy = cpu.iter().take(8).sum::<u64>() - cpu.get(3)? - cpu.get(4)?;
    let total = cpu.iter().take(8).sum::<u64>();
    let me = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = me.rsplit_once(')')?.1.split_whitespace().collect();
    let mine = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some([busy, total, mine])
}

/// `group.bench_function(name, f)`, then a line under criterion's result with the share of
/// the machine's CPU time that *other* processes took meanwhile (`figure/name` names it; no
/// line when a filter skipped the benchmark). A figure measured while others held the CPUs (a
/// build, a test run) is not comparable with one from a quiet machine: contended threads get
/// time-sliced instead of running at once, and wake-ups wait for a CPU.
pub fn bench_noted(
    group: &mut BenchmarkGroup<'_, WallTime>,
    figure: &str,
    name: &str,
    mut f: impl FnMut(&mut Bencher<'_, WallTime>),
) {
    let before = cpu_ticks();
    let mut ran = false;
    group.bench_function(name, |b| {
        ran = true;
        f(b);
    });
    if !ran {
        return;
    }
    if let (Some([b0, t0, m0]), Some([b1, t1, m1])) = (before, cpu_ticks()) {
        let total = t1.saturating_sub(t0).max(1) as f64;
        let others = (b1.saturating_sub(b0) as f64 - m1.saturating_sub(m0) as f64).max(0.0);
        let share = 100.0 * others / total;
        let flag = if share >= 10.0 {
            "  <- noisy: compare with care"
        } else {
            ""
        };
        println!(
            "{figure}/{name}: other processes used {share:.0}% of the machine's CPU time{flag}"
        );
    }
}
