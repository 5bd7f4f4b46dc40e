"""This tree beside an earlier commit, for benchmarks that run both as fresh processes and compare them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def baseline_tree(commit: str, scratch: Path) -> Iterator[Path]:
    """``commit`` checked out with `git worktree` under ``scratch``; removed afterwards."""
    tree = scratch / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit], check=True, capture_output=True
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def as_installed(tree: Path, scratch: Path) -> dict[str, str]:
    """Environment for running ``tree`` with its bytecode cached, as in an installed copy (pip compiles a package
    when it installs it), even where PYTHONDONTWRITEBYTECODE is set (this machine sets it): each tree gets its own
    cache under ``scratch``, which the caller fills with one untimed run."""
    return {
        "PYTHONPATH": str(tree),
        "PYTHONDONTWRITEBYTECODE": "",
        "PYTHONPYCACHEPREFIX": str(scratch / "pycache" / tree.name),
    }


def clean_environ(scratch: Path, **settings: str) -> dict[str, str]:
    """This process's environment without schedops' or Slack's settings, a fresh SQLite database under
    ``scratch`` and ``settings``; the database is created and migrated here, holding the example jobs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDOPS_", "SLACK_"))}
    env |= {"DATABASE_URL": f"sqlite+aiosqlite:///{scratch}/s.db", **settings}
    subprocess.run(
        [sys.executable, "-m", "schedops", "jobs", "import", str(ROOT / "jobs.yml")],
        cwd=scratch,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
    )
    return env
