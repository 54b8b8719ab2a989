"""Google Play source against a fake OAuth endpoint and androidpublisher v3 on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.connectors import googleplay
from functions.core.mention import Action, Kind, Mention, format_time
from functions.core.polls import (
    Credentials,
    Cursor,
    MalformedPayloadError,
    PollError,
    PollPage,
    PollTarget,
    RateLimitedError,
    SourceUnavailableError,
    TokenInvalidError,
    seed,
)
from functions.core.query import parse
from functions.runtime.fetch import fetch
from tests.fakeapi import Answer, FakeApiServer, fake_api
from tests.sources.googleplay_api import EMPTY_PACKAGE, PACKAGE, Fake, google_error

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=24)

# Fixture ids (tests/fixtures/googleplay/poll/reviews.json).
MARCO = "gp:AOqpTOHx3LzQm7vKc0yN2pWfR8sJ4tUe6iBd1aGhYkXo9qZ"  # 1 star, 5 min ago
ANNA = "gp:AOqpTOFk8WnR2cVx7LpQ0sYm3JdT5uHa9eGb4iKoZ1fXq6N"  # 2 stars, rewritten after our reply
FAN = "gp:AOqpTOGv5HbN8mQz2RxW4tLc7KpJ0sYe3uAf6dIo9gVh1Xk"  # 5 stars, answered after
AYSE = "gp:AOqpTOJc2TnV6sXw9LmR4qPb7KdZ1uYh0eFg5iAo3jWk8Bv"  # Turkish, 6 h ago
JONAS = "gp:AOqpTOKd4RpX7tYz0NmS5qLc8JbW2uVh1eGf6iBo4kXl9Cw"  # 3 days ago
PRIYA = "gp:AOqpTOLe6SqY8uZa1OnT6rMd9KcX3vWi2fHg7jCp5lYm0Dx"  # 5 days ago, answered 10 min ago


@pytest.fixture
def api() -> Iterator[tuple[FakeApiServer, Fake]]:
    fake = Fake(NOW)
    with fake_api() as server:
        server.handler = fake.handle
        yield server, fake


def _target(server: FakeApiServer, package: str = PACKAGE) -> PollTarget:
    (target,) = googleplay.targets(
        "acme", {"api": server.url, "token_url": f"{server.url}/token", "packages": [package]}, parse("acme")
    )
    return target


def _login(server: FakeApiServer, fake: Fake, target: PollTarget | None = None) -> Credentials:
    return googleplay.authenticate(fetch, fake.SECRET_VALUES, target or _target(server), NOW)


def _sweep(
    target: PollTarget, credentials: Credentials, cursor: Cursor, now: datetime = NOW
) -> tuple[list[Mention], PollPage]:
    found: list[Mention] = []
    while True:
        page = googleplay.poll(fetch, credentials, target, cursor, now)
        found += page.mentions
        if not page.more:
            return found, page
        cursor = dict(page.cursor)


# ---------------------------------------------------------------------------------------------- OAuth


def test_authenticate_trades_the_refresh_token_for_a_bearer(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    credentials = _login(server, fake)
    sent = server.requests[0]
    assert sent.method == "POST" and sent.path == "/token"
    assert sent.header("Content-Type") == "application/x-www-form-urlencoded"
    assert sent.form() == {"grant_type": "refresh_token", **fake.SECRET_VALUES}
    assert credentials.headers == {"Authorization": f"Bearer {fake.tokens[0]}"}
    assert credentials.expires_at == NOW + timedelta(seconds=3599)


@pytest.mark.parametrize(
    ("secret", "value", "error", "reason"),
    [
        ("refresh_token", "1//0revoked", TokenInvalidError, "invalid_grant"),
        ("client_secret", "GOCSPX-wrong", TokenInvalidError, "invalid_client"),
        ("client_id", "", TokenInvalidError, "not configured: client_id"),
    ],
)
def test_refused_secrets(
    api: tuple[FakeApiServer, Fake], secret: str, value: str, error: type[Exception], reason: str
) -> None:
    server, fake = api
    with pytest.raises(error, match=reason):
        googleplay.authenticate(fetch, {**fake.SECRET_VALUES, secret: value}, _target(server), NOW)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (Answer(503, "<html>unavailable</html>"), SourceUnavailableError),
        (Answer(200, {"token_type": "Bearer"}), MalformedPayloadError),
        (Answer(400, {"error": "invalid_request", "error_description": "Missing grant"}), PollError),
    ],
)
def test_token_endpoint_failures(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception]) -> None:
    server, fake = api
    server.queued.append(answer)
    with pytest.raises(error) as raised:
        _login(server, fake)
    assert not isinstance(raised.value, TokenInvalidError)


# ---------------------------------------------------------------------------------------------- reviews


def test_first_page_lists_reviews_with_the_bearer_and_parses_them(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    credentials = _login(server, fake)
    page = googleplay.poll(fetch, credentials, _target(server), seed(NOW, DAY), NOW)
    sent = server.requests[1]
    assert sent.method == "GET" and sent.path == f"/androidpublisher/v3/applications/{PACKAGE}/reviews"
    assert sent.param("maxResults") == "100" and sent.param("token") is None
    assert sent.header("Authorization") == f"Bearer {fake.tokens[0]}"
    # The fake answers 3 a page: Marco, Priya (an old review we just answered: skipped), Anna.
    found = {m.external_id: m for m in page.mentions if not m.by_brand}
    assert set(found) == {MARCO, ANNA} and page.more and page.cursor["page"]
    # Our replies (to Priya's old review, answered 10 minutes ago, and to Anna's) come back as the brand's.
    ours = {m.external_id: m for m in page.mentions if m.by_brand}
    assert set(ours) == {googleplay.reply_id(PRIYA), googleplay.reply_id(ANNA)}
    priya = ours[googleplay.reply_id(PRIYA)]
    assert priya.kind is Kind.REPLY and priya.thread.root_id == PRIYA and priya.author.id == PACKAGE
    assert priya.event == "reviews.list:developerComment" and priya.text
    marco = found[MARCO]
    # Every review is an EDIT: ingest replaces a stored text and stores one it never saw as new.
    assert marco.kind is Kind.REVIEW and marco.action is Action.EDIT
    assert (
        marco.text
        == "App crashes every time I open the cart since 4.2.1. Lost my order twice, support chat just loops."
    )
    assert marco.event == "reviews.list:stars=1" and marco.lang == "en" and marco.metrics.likes == 12
    assert marco.metrics.rating == 1
    assert marco.author.id == MARCO and marco.author.name == "Marco Rossi"
    assert marco.url == f"https://play.google.com/store/apps/details?id={PACKAGE}&reviewId={MARCO}"
    assert marco.created_at == NOW - timedelta(minutes=5) + timedelta(milliseconds=512)
    assert marco.thread.root_id is None and marco.thread_key == f"acme#googleplay#{MARCO}#{MARCO}"
    anna = found[ANNA]
    # Rewritten after the developer's reply: an edit (ingest replaces the text, or stores it if new).
    assert anna.action is Action.EDIT and anna.event == "reviews.list:stars=2"
    assert anna.text.startswith("Refund never arrived\n\nYou said 5 business days on Monday.")


def test_next_page_follows_the_token_past_a_bumped_review_until_the_mark(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    credentials, target = _login(server, fake), _target(server)
    first = googleplay.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    second = googleplay.poll(fetch, credentials, target, first.cursor, NOW)
    assert server.requests[-1].param("token") == first.cursor["page"]
    found = {m.external_id: m for m in second.mentions if not m.by_brand}
    assert set(found) == {FAN, AYSE}  # Jonas (3 days) ends the sweep
    assert {m.external_id for m in second.mentions if m.by_brand} == {googleplay.reply_id(FAN)}
    assert found[FAN].action is Action.EDIT and found[FAN].text == "Quick delivery, love the new tracking screen"
    assert found[AYSE].lang == "tr" and found[AYSE].event == "reviews.list:stars=1"
    assert not second.more and second.cursor["mark"] == format_time(NOW - timedelta(minutes=5))
    assert {m.external_id for m in first.mentions + second.mentions} == fake.initial_ids()
    assert JONAS not in fake.initial_ids() and PRIYA not in fake.initial_ids()


def test_unchanged_app_gives_nothing_and_the_same_cursor_then_new_and_edited_reviews(
    api: tuple[FakeApiServer, Fake],
) -> None:
    server, fake = api
    credentials, target = _login(server, fake), _target(server)
    _, done = _sweep(target, credentials, seed(NOW, DAY))
    again = googleplay.poll(fetch, credentials, target, done.cursor, NOW + timedelta(minutes=30))
    assert again.mentions == () and again.cursor == done.cursor and not again.more
    new_id = fake.publish(NOW + timedelta(minutes=31))
    fake.edit(FAN, NOW + timedelta(minutes=32), "\tDelivery was quick but the app logged me out twice today", 3)
    found, later = _sweep(target, credentials, done.cursor, NOW + timedelta(minutes=33))
    assert {m.external_id for m in found} == {new_id, FAN}
    edited = next(m for m in found if m.external_id == FAN)
    # Our reply is older than the user's new text: we can tell it is an edit.
    assert edited.action is Action.EDIT and edited.event == "reviews.list:stars=3"
    assert edited.text == "Delivery was quick but the app logged me out twice today"
    assert later.cursor["mark_ids"] == [FAN]


def test_a_review_rewritten_without_any_reply_is_an_edit_with_its_new_text(api: tuple[FakeApiServer, Fake]) -> None:
    """Issue 15: only a review rewritten after our reply was an edit; Marco's (no reply) came back as
    NEW, and ingest kept his first text."""
    server, fake = api
    credentials, target = _login(server, fake), _target(server)
    _, done = _sweep(target, credentials, seed(NOW, DAY))
    fake.edit(MARCO, NOW + timedelta(minutes=40), "Fixed in 4.2.2, thanks. Checkout works again", 4)
    found, _ = _sweep(target, credentials, done.cursor, NOW + timedelta(minutes=41))
    (marco,) = found
    assert marco.external_id == MARCO and marco.action is Action.EDIT
    assert marco.text == "Fixed in 4.2.2, thanks. Checkout works again" and marco.metrics.rating == 4


def test_a_null_in_reviews_is_skipped_and_counted_and_the_rest_is_kept(api: tuple[FakeApiServer, Fake]) -> None:
    """Issue 15: a `null` inside `reviews[]` (seen in real answers) failed the whole page."""
    server, fake = api
    credentials, target = _login(server, fake), _target(server)
    page = googleplay.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    newest = fake.reviews[0]
    server.queued.append(Answer(200, {"reviews": [None, newest, None], "pageInfo": {"totalResults": 3}}))
    again = googleplay.poll(fetch, credentials, target, seed(NOW, DAY), NOW)
    assert again.skipped == 2 and [m.external_id for m in again.mentions] == [MARCO] == [newest["reviewId"]]
    assert page.skipped == 0


def test_an_app_without_reviews_this_week_answers_an_empty_object(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server, EMPTY_PACKAGE)
    cursor = seed(NOW, DAY)
    page = googleplay.poll(fetch, _login(server, fake, target), target, cursor, NOW)
    assert page.mentions == () and not page.more and page.cursor == cursor


def test_backfill_window_skips_newer_changes_and_completes(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    end = NOW - timedelta(hours=1)
    found, last = _sweep(_target(server), _login(server, fake), seed(NOW, timedelta(0), NOW - timedelta(days=7), end))
    # Within the week the API keeps: all but the two changed in the last hour; Priya counts by her
    # own text (5 days old), not by our reply.
    assert {m.external_id for m in found if not m.by_brand} == {FAN, AYSE, JONAS, PRIYA}
    # Our replies count by their own time: the one of the last hour (to Priya) is outside the window.
    ours = {m.external_id: m.created_at for m in found if m.by_brand}
    assert set(ours) == {googleplay.reply_id(ANNA), googleplay.reply_id(FAN)} and max(ours.values()) < end
    assert last.cursor["done"] is True


@pytest.mark.parametrize(
    ("answer", "error", "wait"),
    [
        (
            Answer(429, google_error(429, "Quota exceeded", "RESOURCE_EXHAUSTED").body, {"Retry-After": "30"}),
            RateLimitedError,
            30.0,
        ),
        (Answer(429, google_error(429, "Quota exceeded", "RESOURCE_EXHAUSTED").body), RateLimitedError, 3600.0),
        (
            Answer(403, {"error": {"code": 403, "message": "Rate limit", "errors": [{"reason": "rateLimitExceeded"}]}}),
            RateLimitedError,
            3600.0,
        ),
        (Answer(502, "<html>Bad Gateway</html>"), SourceUnavailableError, None),
        (Answer(200, b'{"reviews": [', {"Content-Type": "application/json"}), MalformedPayloadError, None),
        (Answer(200, {"reviews": {"reviewId": "x"}}), MalformedPayloadError, None),
        (Answer(200, {"reviews": [{"reviewId": "x", "comments": []}]}), MalformedPayloadError, None),
        (
            Answer(200, {"reviews": [{"reviewId": "x", "comments": [{"userComment": {"text": "hi"}}]}]}),
            MalformedPayloadError,
            None,
        ),
        (
            google_error(403, "The current user has insufficient permissions.", "PERMISSION_DENIED"),
            TokenInvalidError,
            None,
        ),
        (google_error(400, "Invalid pagination token.", "INVALID_ARGUMENT"), PollError, None),
    ],
)
def test_errors(api: tuple[FakeApiServer, Fake], answer: Answer, error: type[Exception], wait: float | None) -> None:
    server, fake = api
    credentials = _login(server, fake)
    server.queued.append(answer)
    with pytest.raises(error) as raised:
        googleplay.poll(fetch, credentials, _target(server), seed(NOW, DAY), NOW)
    assert type(raised.value) is error
    if isinstance(raised.value, SourceUnavailableError):
        assert raised.value.retry_after == wait


def test_an_expired_or_missing_bearer_is_refused(api: tuple[FakeApiServer, Fake]) -> None:
    server, _ = api
    stale = Credentials(headers={"Authorization": "Bearer ya29.expired"})
    with pytest.raises(TokenInvalidError, match="401"):
        googleplay.poll(fetch, stale, _target(server), seed(NOW, DAY), NOW)
    with pytest.raises(TokenInvalidError):
        googleplay.poll(fetch, Credentials(), _target(server), seed(NOW, DAY), NOW)


def test_an_unknown_package_is_a_poll_error(api: tuple[FakeApiServer, Fake]) -> None:
    server, fake = api
    target = _target(server, "com.acme.nosuchapp")
    with pytest.raises(PollError, match="404") as raised:
        googleplay.poll(fetch, _login(server, fake, target), target, seed(NOW, DAY), NOW)
    assert not isinstance(raised.value, TokenInvalidError)


# --------------------------------------------------------------------------------------------- targets


def test_targets_one_per_app_without_query_recheck() -> None:
    found = googleplay.targets("acme", {"packages": [PACKAGE, EMPTY_PACKAGE]}, parse("acme"))
    assert [t.key for t in found] == [f"package:{PACKAGE}", f"package:{EMPTY_PACKAGE}"]
    assert not any(t.match for t in found)
    assert found[0].params == {"api": googleplay.API, "token_url": googleplay.OAUTH_URL, "package": PACKAGE}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, r"settings\.packages must be a non-empty list"),
        ({"packages": []}, r"settings\.packages must be a non-empty list"),
        ({"packages": "com.acme.shop"}, r"settings\.packages must be a non-empty list"),
        ({"packages": ["https://play.google.com/store/apps/details?id=com.acme.shop"]}, "not a package name"),
        ({"packages": ["acme"]}, "not a package name"),
        ({"packages": [PACKAGE, PACKAGE]}, "twice"),
        ({"packages": [PACKAGE], "token_url": ""}, r"settings\.token_url"),
    ],
)
def test_bad_settings_fail_at_load(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        googleplay.targets("acme", settings, parse("acme"))
