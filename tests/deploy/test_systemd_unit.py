"""deploy/schedops.service is a unit systemd accepts (checked with systemd-analyze verify, Debian's systemd)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "schedops.service"


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip(
            "SKIPPED LOUDLY: systemd-analyze is not installed, so deploy/schedops.service was NOT verified; "
            "install Debian's systemd package (make test does when run as root with apt-get)"
        )
    # The unit names /srv/schedops; verify checks that ExecStart exists, so point it at this checkout.
    unit = tmp_path / "schedops.service"
    unit.write_text(UNIT.read_text().replace("/srv/schedops", str(ROOT)))
    scripts = Path(sys.executable).parent
    if not (ROOT / ".venv" / "bin" / "schedops").exists():
        unit.write_text(unit.read_text().replace(f"{ROOT}/.venv/bin", str(scripts)))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if str(unit) in line or "schedops.service" in line]
    assert result.returncode == 0 and not problems, result.stderr


def test_the_unit_runs_schedops_and_stops_it_gracefully() -> None:
    text = UNIT.read_text()
    assert "ExecStart=/srv/schedops/.venv/bin/schedops run" in text
    assert "KillSignal=SIGTERM" in text and "RestartPreventExitStatus=2" in text
