from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from core.signing import BadSignature, SignatureExpired, Signer

SECRET = "s3cret-signing-key-for-tests-0123456789"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
VALUE = "3f2b8c1e-1f1c-4c55-9b8e-2f1d8a7c6b5a:approve"


def signer(secret: str = SECRET, purpose: str = "approval-decision") -> Signer:
    return Signer(secret, purpose=purpose)


def token() -> str:
    return signer().sign(VALUE, expires_at=LATER)


def test_it_round_trips_a_value() -> None:
    assert signer().unsign(token(), now=NOW) == VALUE


def test_it_is_url_safe_and_far_below_slacks_button_value_limit() -> None:
    longest = signer().sign(f"{uuid.uuid4()}:approve", expires_at=datetime(9999, 12, 31, tzinfo=UTC))
    assert len(longest) < 200
    assert set(longest) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def _flip(text: str, index: int) -> str:
    replacement = "b" if text[index] != "b" else "c"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize("part", [0, 1, 2], ids=["value", "expiry", "signature"])
@pytest.mark.parametrize("where", ["first", "last"])
def test_it_rejects_a_token_with_one_character_changed(part: int, where: str) -> None:
    parts = token().split(".")
    parts[part] = _flip(parts[part], 0 if where == "first" else -1 % len(parts[part]))
    with pytest.raises(BadSignature):
        signer().unsign(".".join(parts), now=NOW)


@pytest.mark.parametrize("keep", [0, 1, 10, 44, 50, -1, -2, -43])
def test_it_rejects_a_truncated_token(keep: int) -> None:
    with pytest.raises(BadSignature):
        signer().unsign(token()[:keep], now=NOW)


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "..", "a.b.c", "a..b", "a.1.", "ünïcode.1.sig", "x" * 5000, "\n", "a.b.c.d"],
)
def test_it_rejects_garbage(garbage: str) -> None:
    with pytest.raises(BadSignature):
        signer().unsign(garbage, now=NOW)


@pytest.mark.parametrize("extra", [" ", "\n", ".", "=", "A"])
def test_it_rejects_anything_appended(extra: str) -> None:
    with pytest.raises(BadSignature):
        signer().unsign(token() + extra, now=NOW)


def test_it_rejects_a_token_signed_for_another_purpose() -> None:
    other = signer(purpose="something-else").sign(VALUE, expires_at=LATER)
    with pytest.raises(BadSignature):
        signer().unsign(other, now=NOW)


def test_it_rejects_a_token_signed_with_another_secret() -> None:
    with pytest.raises(BadSignature):
        signer(secret="another-secret").unsign(token(), now=NOW)


def test_it_rejects_a_token_at_and_after_its_expiry() -> None:
    assert signer().unsign(token(), now=LATER - timedelta(seconds=1)) == VALUE
    for now in (LATER, LATER + timedelta(days=3)):
        with pytest.raises(SignatureExpired) as caught:
            signer().unsign(token(), now=now)
        assert caught.value.value == VALUE
        assert caught.value.expired_at == LATER


def test_it_checks_the_signature_before_the_expiry() -> None:
    parts = token().split(".")
    parts[0] = _flip(parts[0], 0)
    with pytest.raises(BadSignature):
        signer().unsign(".".join(parts), now=LATER + timedelta(days=1))


def test_an_expiry_pushed_later_is_a_bad_signature() -> None:
    value, _, signature = token().split(".")
    with pytest.raises(BadSignature):
        signer().unsign(f"{value}.zzzzzz.{signature}", now=NOW)


@pytest.mark.parametrize("value", ["", "has.dot", "has space", "x" * 201, "ünï"])
def test_it_refuses_to_sign_a_value_that_would_not_survive_the_format(value: str) -> None:
    with pytest.raises(ValueError):
        signer().sign(value, expires_at=LATER)


def test_it_refuses_a_naive_expiry_an_empty_secret_and_no_purpose() -> None:
    with pytest.raises(ValueError):
        signer().sign(VALUE, expires_at=LATER.replace(tzinfo=None))
    with pytest.raises(ValueError):
        Signer("", purpose="x")
    with pytest.raises(ValueError):
        Signer(SECRET, purpose="")


def test_it_never_shows_the_secret_or_the_token() -> None:
    shown = [repr(signer()), str(signer())]
    for bad in (token()[:-1], token() + "x"):
        with pytest.raises(BadSignature) as caught:
            signer().unsign(bad, now=NOW)
        shown += [str(caught.value), repr(caught.value)]
    with pytest.raises(SignatureExpired) as expired:
        signer().unsign(token(), now=LATER)
    shown += [str(expired.value), repr(expired.value)]
    signature = token().rsplit(".", 1)[1]
    assert not [text for text in shown if SECRET in text or signature in text]
