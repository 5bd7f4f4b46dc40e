"""This tree beside an earlier commit, for benchmarks that run both as fresh processes and compare them."""

from __future__ import annotations

import subprocess
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
