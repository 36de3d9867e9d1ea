#!/usr/bin/env python3
"""The tutorial's language: the two pool workloads of benches/pool.rs, run with Python's
multiprocessing.pool.ThreadPool and concurrent.futures.ThreadPoolExecutor.

Prints one JSON object per line on stdout (nothing else goes to stdout), for example

  {"name": "mp_threadpool", "group": "pool/submit_collect_100k/5", "workload": "submit_collect",
   "workers": 5, "tasks": 100000, "repeats": 3, "ns_per_task": 17034.5, "min_ns_per_task": 16572.9,
   "python": "3.11.7"}

`group` is the criterion group of the Rust figure the line compares with. `ns_per_task` is the
mean over the repeats (criterion reports means too); `min_ns_per_task` the best repeat. The
`submit_collect` workload queues the same 100,000 tasks as the Rust benchmark (whose criterion
mean is per 100,000 tasks: divide by 100,000 to compare); the round trip runs 5,000 tasks one
at a time. Either count can be lowered with --tasks / --round-trips: the output is per task.

    python3 benches/python_pool.py            # the default sizes, ~30-40 s
    python3 benches/python_pool.py --quick    # a smoke run of a few seconds
"""

import argparse
import json
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.pool import ThreadPool


def task(i):
    """The empty task of benches/pool.rs: it returns its index."""
    return i


def submit_collect_mp(pool, n):
    pending = [pool.apply_async(task, (i,)) for i in range(n)]
    return sum(r.get() for r in pending)


def submit_collect_executor(executor, n):
    pending = [executor.submit(task, i) for i in range(n)]
    return sum(f.result() for f in pending)


def round_trip_mp(pool, n):
    return sum(pool.apply_async(task, (1,)).get() for _ in range(n))


def round_trip_executor(executor, n):
    return sum(executor.submit(task, 1).result() for _ in range(n))


def measure(run, pool, n, expected, repeats):
    """Runs `run(pool, n)` once to warm up, then `repeats` timed times; ns per task."""
    assert run(pool, min(n, 1000)) == (expected(min(n, 1000)))
    times = []
    for _ in range(repeats):
        start = time.perf_counter_ns()
        total = run(pool, n)
        elapsed = time.perf_counter_ns() - start
        assert total == expected(n), f"{run.__name__}: a task was lost or ran twice"
        times.append(elapsed / n)
    return sum(times) / len(times), min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000,
                        help="tasks per submit_collect repeat (default 100000, as in the Rust benchmark)")
    parser.add_argument("--round-trips", type=int, default=5_000,
                        help="tasks per round_trip repeat (default 5000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2000 tasks, 500 round trips, 1 repeat")
    args = parser.parse_args()
    if args.quick:
        args.tasks, args.round_trips, args.repeats = 2_000, 500, 1

    pools = {
        "mp_threadpool": (ThreadPool, submit_collect_mp, round_trip_mp),
        "executor": (lambda w: ThreadPoolExecutor(max_workers=w),
                     submit_collect_executor, round_trip_executor),
    }
    python = platform.python_version()

    def emit(name, group, workload, workers, tasks, mean, best):
        print(json.dumps({
            "name": name,
            "group": group,
            "workload": workload,
            "workers": workers,
            "tasks": tasks,
            "repeats": args.repeats,
            "ns_per_task": round(mean, 1),
            "min_ns_per_task": round(best, 1),
            "python": python,
        }), flush=True)

    for workers in (2, 5):
        for name, (make, submit_collect, _) in pools.items():
            with make(workers) as pool:
                mean, best = measure(submit_collect, pool, args.tasks,
                                     lambda n: n * (n - 1) // 2, args.repeats)
            emit(name, f"pool/submit_collect_100k/{workers}", "submit_collect",
                 workers, args.tasks, mean, best)

    workers = 5  # benches/pool.rs: the round trip runs on the tutorial's pool of 5
    for name, (make, _, round_trip) in pools.items():
        with make(workers) as pool:
            mean, best = measure(round_trip, pool, args.round_trips, lambda n: n, args.repeats)
        emit(name, "pool/round_trip", "round_trip", workers, args.round_trips, mean, best)
    return 0


if __name__ == "__main__":
    sys.exit(main())
