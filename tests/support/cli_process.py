"""The `schedops` command run as a real subprocess without blocking the test's event loop (the engine under
test keeps running while the command waits)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


async def schedops_cli(*args: str, database_url: str, workdir: Path, timeout: float = 50) -> tuple[int, str, str]:  # noqa: ASYNC109
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(workdir)),
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": database_url,
        "SCHEDOPS_JOBS_FILE": "",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "schedops",
        *args,
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return int(process.returncode or 0), out.decode(), err.decode()
