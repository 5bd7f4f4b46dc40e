"""The sandbox page in a real headless Chromium, against a real schedops process: what a person sees and does."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from playwright.sync_api import expect

from tests.browser.harness import SandboxProcess


def act_as(page: Any, label: str) -> None:
    page.get_by_label("Acting as").select_option(label=label)
    expect(page.locator("#role-note")).not_to_be_empty()


def say(page: Any, text: str) -> None:
    box = page.get_by_label("Message")
    box.fill(text)
    box.press("Enter")


def message(page: Any, text: str) -> Any:
    return page.locator("#timeline article.message", has_text=text).last


def pinned(page: Any, found: Any) -> Any:
    """The same message by its ts, whatever it says after being updated in place."""
    ts = found.get_attribute("data-ts")
    return page.locator(f'#timeline article.message[data-ts="{ts}"]')


def open_channel(page: Any, name: str) -> None:
    page.locator("#channel-list").get_by_role("button", name=name).click()


def test_a_member_asks_to_pause_a_job_and_sees_the_request(page: Any) -> None:
    act_as(page, "Dave (member)")
    say(page, "/jobs pause nightly-report")
    request = message(page, "Approval needed")
    expect(request).to_contain_text("@Dave asks to pause job nightly-report")
    expect(request.get_by_role("button", name="Approve")).to_be_visible()
    expect(message(page, "Approval requested")).to_contain_text("Only visible to you")


def test_an_approver_approves_through_the_confirm_dialog_and_the_job_is_paused(page: Any) -> None:
    act_as(page, "Carol (approver)")
    say(page, "/jobs pause weekly-cleanup")
    act_as(page, "Bob (approver)")
    request = pinned(page, message(page, "asks to pause job weekly-cleanup"))
    request.get_by_role("button", name="Approve").click()
    dialog = page.locator("dialog#confirm")
    expect(dialog).to_be_visible()
    dialog.locator("button[value=confirm]").click()
    expect(request).to_contain_text("Approved by @Bob")
    expect(request).to_contain_text("(edited)")
    expect(request.get_by_role("button", name="Approve")).to_have_count(0)
    say(page, "/jobs show weekly-cleanup")
    expect(message(page, "Weekly cleanup")).to_contain_text("paused")


def test_a_denied_confirm_dialog_changes_nothing(page: Any) -> None:
    act_as(page, "Dave (member)")
    say(page, "/jobs pause xss")
    act_as(page, "Bob (approver)")
    request = message(page, "asks to pause job xss")
    request.get_by_role("button", name="Approve").click()
    page.locator("dialog#confirm button[value=deny]").click()
    expect(page.locator("dialog#confirm")).to_be_hidden()
    expect(request.get_by_role("button", name="Approve")).to_be_visible()


def test_an_admin_cancels_a_running_run_through_the_confirm_dialog(page: Any) -> None:
    act_as(page, "Alice (admin)")
    say(page, "/jobs run long-copy")
    started = pinned(page, message(page, "started a run of long-copy"))
    cancel = started.get_by_role("button", name="Cancel")
    expect(cancel).to_have_class(re.compile(r"\bdanger\b"))
    dialog = page.locator("dialog#confirm")

    cancel.click()  # first thought better of: the dialog's deny button sends nothing
    expect(dialog).to_contain_text("stops now")
    dialog.locator("button[value=deny]").click()
    expect(dialog).to_be_hidden()
    expect(message(page, "Cancelling run")).to_have_count(0)

    cancel.click()
    expect(dialog.locator("button[value=confirm]")).to_have_text("Cancel the run")
    dialog.locator("button[value=confirm]").click()
    expect(message(page, "Cancelling run")).to_contain_text("Only visible to you")
    expect(message(page, "was cancelled after")).to_contain_text("it ended interrupted")


def test_sitrep_renders_its_health(page: Any) -> None:
    say(page, "/sitrep")
    sitrep = message(page, "Sitrep:")
    expect(sitrep.get_by_role("heading")).to_contain_text("Sitrep:")
    expect(sitrep).to_contain_text("Success rate")
    expect(sitrep.locator("time").first).to_be_visible()  # <!date^...> rendered as a date


def test_a_failing_jobs_alert_appears_and_its_retry_works(page: Any, sandbox: SandboxProcess) -> None:
    say(page, "/jobs run flaky-export")
    open_channel(page, "# ops-alerts")
    alert = pinned(page, message(page, "flaky-export"))
    expect(alert).to_contain_text("db-1 refused the connection")
    alert.get_by_role("button", name="Retry").click()
    expect(alert).to_contain_text("recovered", ignore_case=True)
    assert (sandbox.workdir / "flaky.marker").exists()


def test_the_job_form_shows_an_inline_error(page: Any) -> None:
    say(page, "/jobs new")
    form = page.get_by_role("dialog", name="New job")
    expect(form).to_be_visible()
    form.get_by_label("Job id").fill("Not An Id!")
    form.get_by_label("What to run").fill("https://example.com/ping")
    form.get_by_label("Kind").select_option(label="HTTP request")
    form.get_by_label("Schedule").select_option(label="Every (interval)")
    form.get_by_label("When").fill("1h")
    form.get_by_role("button", name="Save").click()
    error = form.locator(".input-block[data-block-id] .input-error").filter(has_text="a-z")
    expect(error).to_be_visible()
    expect(form).to_be_visible()  # the form stays open with the problem shown on its input
    form.get_by_role("button", name="Cancel").click()
    expect(form).to_be_hidden()


def test_the_home_tab_renders_and_its_retry_button_works(page: Any) -> None:
    say(page, "/jobs run always-fails")
    expect(message(page, "started a run of always-fails")).to_be_visible()
    page.locator("#app-list").get_by_role("button", name="schedops Home").click()
    home = page.locator("#home")
    expect(home.get_by_role("heading").first).to_be_visible()
    expect(home).to_contain_text("nightly-report")
    failing = home.locator(".block-section", has_text="always-fails").filter(has=page.get_by_role("button"))
    failing.get_by_role("button", name="Retry").click()
    page.locator("#dm-list").get_by_role("button", name="schedops").click()
    expect(message(page, "always-fails")).to_contain_text("started a run")  # Home has no response_url: a DM


def test_a_job_named_like_a_script_shows_as_text(page: Any) -> None:
    say(page, "/jobs show xss")
    card = message(page, "<script>alert(1)</script>")
    expect(card).to_be_visible()
    assert page.locator("#timeline script").count() == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 1  # only the page's own


def _post_as_the_app(sandbox: SandboxProcess, body: dict[str, Any]) -> None:
    """A message through the sandbox's Web API, with the bot token, as any Slack app would post it."""
    api = sandbox.address.removesuffix("/sandbox") + "/api/chat.postMessage"
    request = urllib.request.Request(
        api,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer xoxb-sandbox", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["ok"]


def test_mrkdwn_is_drawn_and_nothing_in_it_becomes_markup(page: Any, sandbox: SandboxProcess) -> None:
    text = (
        "*bold* _italic_ ~gone~ `code` <https://example.com/x|a link> <javascript:alert(1)|not a link> "
        "<@U0BOB> <#C0ALERTS|alerts> <!date^1700000000^{date_num}|2023-11-14> &lt;img src=x onerror=alert(1)&gt; "
        '<img src=x onerror="alert(2)">'
    )
    _post_as_the_app(
        sandbox,
        {
            "channel": "C0OPS",
            "text": "fallback",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        },
    )
    drawn = message(page, "italic").locator(".mrkdwn")
    expect(drawn.locator("b")).to_have_text("bold")
    expect(drawn.locator("i")).to_have_text("italic")
    expect(drawn.locator("s")).to_have_text("gone")
    expect(drawn.locator("code")).to_have_text("code")
    expect(drawn.locator("a")).to_have_count(1)
    expect(drawn.locator("a")).to_have_attribute("href", "https://example.com/x")
    expect(drawn.locator(".mention").first).to_have_text("@Bob")
    expect(drawn.locator(".mention").nth(1)).to_have_text("#ops-alerts")
    expect(drawn.locator("time")).to_have_text("2023-11-14")
    expect(drawn).to_contain_text("not a link")
    expect(drawn).to_contain_text("<img src=x onerror=alert(1)>")  # escaped text stays text
    assert drawn.locator("img").count() == 0
