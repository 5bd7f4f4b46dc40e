"""Python job targets for the example jobs file: each returns a JSON-able dict, kept as the run's result."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def count_files(directory: str = ".", suffix: str = "") -> dict[str, Any]:
    """Count the files under ``directory`` (ending in ``suffix``, if given) and their total size.

    Hidden directories (.git, .venv, ...) are skipped so the count is about the project, not its tooling.
    """
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"not a directory: {directory}")
    files = total = 0
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            if name.endswith(suffix):
                files += 1
                total += (Path(folder) / name).stat().st_size
    return {"directory": str(root.resolve()), "suffix": suffix or None, "files": files, "bytes": total}
