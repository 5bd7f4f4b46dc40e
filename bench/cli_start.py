"""CLI start-up: whole-process wall time of read-only commands, this tree against an earlier commit.

    .venv/bin/python bench/cli_start.py                   # against 6e1fc68 (before the CLI split)
    .venv/bin/python bench/cli_start.py --baseline REV -n 21
    .venv/bin/python bench/cli_start.py --only "jobs list"   # one command

Each command runs as a fresh process (`python -m ...` with the tree on PYTHONPATH), alternating between the
two trees so drifts in machine load hit both alike; the median wall time of each and their ratio are printed.
Both trees read the same SQLite file, migrated once beforehand, from a scratch working directory (``python -m``
puts the working directory first on the import path, so it must not be either tree).

Bytecode is cached as in an installed copy (bench/trees.py), filled by one untimed run of each command in each
tree: without that, where ``PYTHONDONTWRITEBYTECODE`` is set, every run would compile the tree's own sources
again, which no installed copy does. The baseline is checked out with
`git worktree` into a temporary directory and removed afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.trees import ROOT, as_installed, baseline_tree, clean_environ

# The last but one changes a job: it builds the application layer and checks the schema before refusing the
# unknown job, so it times a job-changing command's start-up without changing anything between runs.
COMMANDS = [
    ["check"],
    ["jobs", "list"],
    ["runs", "disk-usage"],
    ["next", "*/5 * * * *"],
    ["audit"],
    ["jobs", "pause", "nosuchjob"],
    ["--help"],
]


def entry(tree: Path) -> str:
    """The module that runs the CLI in ``tree`` (before the split it was ``bot``)."""
    return "schedops" if (tree / "schedops" / "cli").is_dir() else "bot"


def timed(tree: Path, args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and exit code of one run (an exit code that differs between the trees voids the comparison)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", entry(tree), *args],
        cwd=env["WORKDIR"],
        env={**env, **as_installed(tree, Path(env["WORKDIR"]))},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="6e1fc68", help="commit to compare with (default 6e1fc68)")
    parser.add_argument("-n", "--runs", type=int, default=11, help="runs of each command in each tree")
    parser.add_argument("--only", action="append", metavar="COMMAND", help='only this command (e.g. "jobs list")')
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, baseline_tree(options.baseline, Path(scratch)) as base:
        env = clean_environ(Path(scratch), WORKDIR=scratch, PORT="18080")
        print(f"{'command':<24} {'this tree':>10} {options.baseline:>10} {'ratio':>7}   (median of {options.runs})")
        for args in [c for c in COMMANDS if not options.only or " ".join(c) in options.only]:
            ours, theirs = [], []
            timed(ROOT, args, env), timed(base, args, env)  # fills each tree's bytecode cache
            for _ in range(options.runs):
                (mine, code), (before, code_before) = timed(ROOT, args, env), timed(base, args, env)
                if code != code_before:
                    raise SystemExit(f"{' '.join(args)}: exit code {code} here, {code_before} in the baseline")
                ours.append(mine)
                theirs.append(before)
            mine, before = statistics.median(ours), statistics.median(theirs)
            print(f"{' '.join(args):<24} {mine:>9.3f}s {before:>9.3f}s {mine / before:>7.2f}")


if __name__ == "__main__":
    main()
