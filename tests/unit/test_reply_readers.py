"""The reply readers of Reddit, YouTube, Mastodon, Bluesky, Google Play and App Store: every error
class they map, from answers built here (the contract servers cover the calls end to end)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from functions.connectors import _answers, appstore, bluesky, googleplay, mastodon, reddit, youtube
from functions.core.polls import HttpResponse
from functions.core.replies import ACTIONS, Failure, Posted, Refused

DATE = {"Date": "Fri, 27 Nov 2026 08:00:00 GMT"}


def _answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    return HttpResponse(status, raw, headers or {})


def _refused(result: Posted | Refused) -> Refused:
    assert isinstance(result, Refused), result
    return result


def _reddit_error(code: str, message: str = "") -> HttpResponse:
    return _answer(200, {"json": {"errors": [[code, message, "parent"]]}})


@pytest.mark.parametrize(
    ("response", "failure", "wait"),
    [
        (_reddit_error("RATELIMIT", "Take a break for 9 seconds before trying again."), Failure.RATE, 9.0),
        (_reddit_error("RATELIMIT", "you are doing that too much. try again in 5 minutes."), Failure.RATE, 300.0),
        (_reddit_error("RATELIMIT", "slow down"), Failure.RATE, None),
        (_reddit_error("THREAD_LOCKED"), Failure.GONE, None),
        (_reddit_error("TOO_OLD"), Failure.GONE, None),
        (_reddit_error("DELETED_COMMENT"), Failure.GONE, None),
        (_reddit_error("USER_BLOCKED"), Failure.GONE, None),
        (_reddit_error("SOMETHING_IS_BROKEN"), Failure.GONE, None),
        (_reddit_error("TOO_LONG"), Failure.INVALID, None),
        (_reddit_error("NO_TEXT"), Failure.INVALID, None),
        (_answer(401, {"message": "Unauthorized"}), Failure.AUTH, None),
        (_answer(403, {"message": "Forbidden"}), Failure.PERM, None),
        (_answer(429, b"", {"X-Ratelimit-Reset": "42", **DATE}), Failure.RATE, 42.0),
        (_answer(503, b"<html>"), Failure.TRANSIENT, None),
        (_answer(200, {"nope": 1}), Failure.TRANSIENT, None),
    ],
)
def test_reddit(response: HttpResponse, failure: Failure, wait: float | None) -> None:
    result = _refused(reddit.reply_result(response))
    assert (result.failure, result.retry_after) == (failure, wait)


def _google(status: int, reason: str, status_name: str = "") -> HttpResponse:
    error = {"code": status, "message": reason, "status": status_name, "errors": [{"reason": reason}]}
    return _answer(status, {"error": error}, DATE)


@pytest.mark.parametrize(
    ("response", "failure"),
    [
        (_google(400, "commentTextTooLong"), Failure.INVALID),
        (_google(400, "commentTextRequired"), Failure.INVALID),
        (_google(400, "parentIdMissing"), Failure.INVALID),
        (_google(400, "parentCommentIsPrivate"), Failure.GONE),
        (_google(400, "operationNotSupported"), Failure.GONE),
        (_google(404, "commentNotFound"), Failure.GONE),
        (_google(403, "forbidden"), Failure.PERM),
        (_google(403, "ineligibleAccount"), Failure.PERM),
        (_google(403, "quotaExceeded"), Failure.RATE),
        (_google(403, "rateLimitExceeded"), Failure.RATE),
        (_google(401, "authError"), Failure.AUTH),
        (_google(500, "backendError"), Failure.TRANSIENT),
    ],
)
def test_youtube(response: HttpResponse, failure: Failure) -> None:
    assert _refused(youtube.reply_result(response)).failure is failure


def test_youtube_daily_quota_waits_until_midnight_pacific_from_the_answers_date() -> None:
    # 08:00 UTC on 27 November is 00:00 in Los Angeles: the next reset is 24 hours (and a minute) away
    wait = _refused(youtube.reply_result(_google(403, "quotaExceeded"))).retry_after
    assert wait == 24 * 3600 + youtube.QUOTA_SLACK
    undated = _answer(403, {"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}]}})
    assert _refused(youtube.reply_result(undated)).retry_after == youtube.QUOTA_FALLBACK


@pytest.mark.parametrize(
    ("response", "failure", "wait"),
    [
        (_answer(401, {"error": "The access token was revoked"}), Failure.AUTH, None),
        (_answer(403, {"error": "This action is not allowed"}), Failure.PERM, None),
        (_answer(404, {"error": "Record not found"}), Failure.GONE, None),
        (_answer(410, {"error": "Gone"}), Failure.GONE, None),
        (_answer(422, {"error": "Validation failed: Text can't be blank"}), Failure.INVALID, None),
        (
            _answer(429, {"error": "Too many"}, {"X-RateLimit-Reset": "2026-11-27T08:05:00.000Z", **DATE}),
            Failure.RATE,
            300.0,
        ),
        (_answer(429, {"error": "Too many"}, {"Retry-After": "30"}), Failure.RATE, 30.0),
        (_answer(429, {"error": "Too many"}, {"X-RateLimit-Reset": "2026-11-27T08:05:00.000Z"}), Failure.RATE, None),
        (_answer(502, b"<html>"), Failure.TRANSIENT, None),
    ],
)
def test_mastodon(response: HttpResponse, failure: Failure, wait: float | None) -> None:
    result = _refused(mastodon.reply_result(response))
    assert (result.failure, result.retry_after) == (failure, wait)


@pytest.mark.parametrize(
    ("response", "failure"),
    [
        (_answer(400, {"error": "ExpiredToken", "message": "Token has expired"}), Failure.AUTH),
        (_answer(400, {"error": "InvalidToken", "message": "Bad token"}), Failure.AUTH),
        (_answer(401, {"error": "AuthMissing", "message": "Authentication Required"}), Failure.AUTH),
        (_answer(400, {"error": "InvalidRequest", "message": "Record already exists: at://x"}), Failure.DUP),
        (_answer(400, {"error": "InvalidRequest", "message": "Record/text must not be longer"}), Failure.INVALID),
        (_answer(429, {"error": "RateLimitExceeded"}, {"ratelimit-reset": "1795766700", **DATE}), Failure.RATE),
        (_answer(502, b""), Failure.TRANSIENT),
    ],
)
def test_bluesky(response: HttpResponse, failure: Failure) -> None:
    assert _refused(bluesky.reply_result(response)).failure is failure


@pytest.mark.parametrize(
    ("response", "failure", "wait"),
    [
        (_google(400, "badRequest", "INVALID_ARGUMENT"), Failure.INVALID, None),
        (_google(403, "permissionDenied", "PERMISSION_DENIED"), Failure.PERM, None),
        (_google(404, "notFound", "NOT_FOUND"), Failure.GONE, None),
        (_google(401, "authError", "UNAUTHENTICATED"), Failure.AUTH, None),
        (_google(403, "rateLimitExceeded"), Failure.RATE, googleplay.QUOTA_WAIT),
        (_google(429, "rateLimitExceeded", "RESOURCE_EXHAUSTED"), Failure.RATE, googleplay.QUOTA_WAIT),
        (_answer(200, {"result": {}}), Failure.TRANSIENT, None),
    ],
)
def test_googleplay(response: HttpResponse, failure: Failure, wait: float | None) -> None:
    result = _refused(googleplay.reply_result(response))
    assert (result.failure, result.retry_after) == (failure, wait)


def _apple(status: int, code: str) -> HttpResponse:
    return _answer(status, {"errors": [{"status": str(status), "code": code, "title": code, "detail": code}]})


@pytest.mark.parametrize(
    ("response", "failure"),
    [
        (_apple(401, "NOT_AUTHORIZED"), Failure.AUTH),
        (_apple(403, "FORBIDDEN_ERROR"), Failure.PERM),
        (_apple(404, "NOT_FOUND"), Failure.GONE),
        (_apple(409, "ENTITY_ERROR.ATTRIBUTE.INVALID"), Failure.INVALID),
        (_apple(429, "RATE_LIMIT_EXCEEDED"), Failure.RATE),
        (_apple(500, "UNEXPECTED_ERROR"), Failure.TRANSIENT),
    ],
)
def test_appstore(response: HttpResponse, failure: Failure) -> None:
    assert _refused(appstore.reply_result(response)).failure is failure


@pytest.mark.parametrize("module", [reddit, youtube, mastodon, bluesky, googleplay, appstore])
def test_the_contract_constants(module: ModuleType) -> None:
    assert set(module.MODERATION) <= set(ACTIONS) and module.REPLY_LIMIT > 0
    assert isinstance(module.REPLY_IDEMPOTENT, bool) and module.REPLY_SECRETS
    assert hasattr(module, "lookup_request") is (not module.REPLY_IDEMPOTENT or module is bluesky)
    assert bool(module.MODERATION) is hasattr(module, "moderation_request")


def test_a_wait_given_as_a_time_needs_the_answers_date() -> None:
    at = "Fri, 27 Nov 2026 08:02:00 GMT"
    assert _answers.wait_seconds(_answer(429, b"", {"Retry-After": at, **DATE})) == 120.0
    assert _answers.wait_seconds(_answer(429, b"", {"Retry-After": at})) is None
    assert _answers.wait_seconds(_answer(429, b"", {"Retry-After": "7"})) == 7.0
    naive = {"Date": "Fri, 27 Nov 2026 08:00:00 -0000", "Retry-After": at}
    assert _answers.wait_seconds(_answer(429, b"", naive)) == 120.0


def test_bluesky_waits_until_the_epoch_reset() -> None:
    reset = str(int(datetime(2026, 11, 27, 8, 5, tzinfo=UTC).timestamp()))
    answer = _answer(429, {"error": "RateLimitExceeded"}, {"ratelimit-reset": reset, **DATE})
    assert _refused(bluesky.reply_result(answer)).retry_after == 300.0


def test_reddit_reads_a_recorded_comment_answer() -> None:
    """A real /api/comment answer (PRAW's cassette, tests/fixtures/reddit/reply/SOURCES.md)."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "reddit" / "reply" / "comment.json"
    assert reddit.reply_result(HttpResponse(200, path.read_bytes())) == Posted("t1_d1680wu")
