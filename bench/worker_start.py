"""Worker start-up: `schedops worker` from exec to Celery's "ready", this tree against an earlier commit.

    .venv/bin/python bench/worker_start.py --baseline HEAD~1 -n 11
    .venv/bin/python bench/worker_start.py --broker amqp://guest:guest@127.0.0.1:5672//

Each run starts a fresh worker (``--concurrency 1``, the prefork pool: one forked pool process) on a queue of its
own, waits for the "ready" line Celery logs once the pool and the consumer are up, then kills its process group.
The two trees alternate so drifts in machine load hit both alike; printed are the median wall time to ready and
the median CPU the worker process spent until then (its pool process is killed, not waited for, so not counted).
Bytecode is cached per tree as in an installed copy (bench/trees.py). The baseline is checked out with
`git worktree` into a temporary directory and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.trees import ROOT, as_installed, baseline_tree, clean_environ


def start_to_ready(tree: Path, env: dict[str, str], scratch: Path, run: int) -> tuple[float, float]:
    """Seconds from exec to "ready", and the CPU seconds the worker process spent until then."""
    log = scratch / f"{tree.name}-{run}.log"
    argv = [sys.executable, "-m", "schedops", "worker", "--concurrency", "1"]
    argv += ["--hostname", f"bench-{tree.name}-{run}@bench", "--queue", f"bench-{os.getpid()}-{run}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            argv,
            cwd=scratch,
            env={**env, **as_installed(tree, scratch)},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while b"ready" not in log.read_bytes():
            if process.poll() is not None:
                raise SystemExit(f"{tree}: the worker exited before it was ready:\n{log.read_text(errors='replace')}")
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1", help="commit to compare with (default HEAD~1)")
    parser.add_argument("-n", "--runs", type=int, default=11, help="starts in each tree")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/9", help="SCHEDOPS_BROKER_URL for the workers")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, baseline_tree(options.baseline, Path(directory)) as base:
        scratch = Path(directory)
        env = clean_environ(  # the database both trees' workers register in
            scratch, SCHEDOPS_BROKER_URL=options.broker, SCHEDOPS_EXECUTION="celery", SCHEDOPS_JOBS_FILE=""
        )
        trees = {"this tree": ROOT, options.baseline: base}
        for tree in trees.values():
            start_to_ready(tree, env, scratch, -1)  # fills the tree's bytecode cache
        walls: dict[str, list[float]] = {name: [] for name in trees}
        cpus: dict[str, list[float]] = {name: [] for name in trees}
        for run in range(options.runs):
            for name, tree in trees.items():
                wall, cpu = start_to_ready(tree, env, scratch, run)
                walls[name].append(wall)
                cpus[name].append(cpu)
        print(f"{'tree':<12} {'to ready':>9} {'CPU':>8}   (median of {options.runs})")
        for name in trees:
            print(f"{name:<12} {statistics.median(walls[name]):>8.3f}s {statistics.median(cpus[name]):>7.3f}s")
        mine, theirs = (statistics.median(walls[name]) for name in trees)
        print(f"ratio to ready: {mine / theirs:.2f}")


if __name__ == "__main__":
    main()
