"""The README's screenshots, taken from a running sandbox so they show what schedops really sends.

    make screenshots        (or: .venv/bin/python scripts/screenshots.py [--out docs/screenshots])

Starts `schedops run` without Slack tokens in a temporary directory with the demo jobs below, drives the
sandbox page in headless Chromium (Debian's `chromium`, through Playwright) and writes PNGs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.harness import SandboxProcess, browser_unavailable, launch_chromium  # noqa: E402

DEMO_JOBS = """\
jobs:
  - id: backup-db
    name: Nightly database backup
    kind: shell
    command: "echo 'dumped 42 tables (1.3 GB)'"
    schedule: {cron: "0 2 * * *"}
  - id: export-reports
    name: Export reports to the warehouse
    kind: shell
    command: "echo 'connecting to reports-db:5432'; echo 'error: connection refused' >&2; exit 2"
    schedule: {interval: 1h}
  - id: rotate-logs
    name: Rotate application logs
    kind: shell
    command: ["true"]
    schedule: {interval: 6h}
"""


def say(page: Any, text: str) -> None:
    box = page.get_by_label("Message")
    box.fill(text)
    box.press("Enter")


def act_as(page: Any, label: str) -> None:
    page.get_by_label("Acting as").select_option(label=label)


def settle(page: Any, text: str) -> Any:
    found = page.locator("article.message", has_text=text).last
    found.wait_for()
    page.mouse.move(1279, 799)  # no hover highlight in the picture
    page.wait_for_timeout(400)  # let the last live update land before the picture
    return found


def take(page: Any, out: Path) -> None:
    act_as(page, "Alice (admin)")
    say(page, "/jobs run backup-db")
    settle(page, "backup-db")
    say(page, "/jobs run export-reports")
    settle(page, "export-reports")
    say(page, "/sitrep")
    settle(page, "Sitrep:")
    page.screenshot(path=out / "sitrep.png")

    act_as(page, "Dave (member)")
    say(page, "/jobs pause rotate-logs")
    request = settle(page, "asks to pause job rotate-logs")
    ts = request.get_attribute("data-ts")
    page.screenshot(path=out / "approval-before.png")
    act_as(page, "Bob (approver)")
    page.locator(f'article[data-ts="{ts}"]').get_by_role("button", name="Approve").click()
    page.locator("dialog#confirm button[value=confirm]").click()
    settle(page, "Approved by")
    page.screenshot(path=out / "approval-after.png")

    act_as(page, "Alice (admin)")
    say(page, "/jobs run export-reports")  # a second failure goes into the alert's thread
    page.locator("#channel-list").get_by_role("button", name="# ops-alerts").click()
    page.get_by_role("button", name="1 reply").click()
    page.locator("#thread article.message").nth(1).wait_for()
    page.mouse.move(1279, 799)
    page.wait_for_timeout(400)
    page.screenshot(path=out / "alert-thread.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    reason = browser_unavailable()
    if reason is not None:
        print(f"screenshots: {reason}", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        sandbox = SandboxProcess(Path(workdir), DEMO_JOBS)
        address = sandbox.start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_page(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
                page.goto(address)
                page.wait_for_selector("body[data-version]")
                take(page, args.out)
                browser.close()
        finally:
            sandbox.stop()
    print(f"screenshots written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
