"""Operator commands: `python -m functions.cli <command>` with the stage's AWS environment.

    replay FILE --url URL --network N [--brand B]     post a fixture or captured delivery, signed
                                                      with the brand's secrets, to a deployment
    dlq [--peek N]                                    depth of every queue and DLQ, a few dead letters
    redrive tickets|mentions [--limit N]              move dead letters back to their queue
    rescore [--brand B]                               re-score stored mentions after a scorer change
    erase-author --network N --author ID [--brand B]  remove an author's personal data (GDPR/152-FZ)
    poll SOURCE [--brand B]                           run one scheduled poll of a source now
    backfill SOURCE --brand B --since D [--until D]   fill a date range from a poll source; resumable,
             [--again] [--max-wait S]                 safe to re-run (mentions dedupe by identity)

Long commands print progress on stderr; results go to stdout. Exit status 2 on bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import requests

from functions import connectors
from functions.core.brands import Brand
from functions.core.mention import Mention, parse_time
from functions.core.scoring import score
from functions.jobs import polls
from functions.runtime import aws, secrets
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import admin, mentions, queues

T = TypeVar("T")


class UsageError(Exception):
    """Bad input to a command: said in one line, exit status 2."""


def progress(items: Iterable[T], label: str, every: int = 100) -> Iterator[T]:
    """Yield items, printing a running count on stderr (a plain counter: no dependency, no tty needed)."""
    count = 0
    for count, item in enumerate(items, start=1):
        if count % every == 0:
            print(f"\r{label}: {count}", end="", file=sys.stderr, flush=True)
        yield item
    print(f"\r{label}: {count} done", file=sys.stderr, flush=True)


def _queues() -> dict[str, str]:
    return {"tickets": settings().tickets_queue, "mentions": settings().mentions_queue}


def redrive(which: str, limit: int) -> int:
    """Move up to `limit` messages from `<queue>-dlq` back to `<queue>`; prints and returns the count."""
    queue = _queues()[which]
    moved = queues.move(f"{queue}-dlq", queue, limit)
    print(f"redrive: moved {moved} message(s) from {queue}-dlq to {queue}")
    return moved


def _parked_because(message: Any) -> str | None:
    error = dict(message.get("MessageAttributes") or {}).get("error") or {}
    reason = error.get("StringValue")
    return str(reason) if reason is not None else None


def dlq(peek: int) -> dict[str, Any]:
    """Depth of each queue and its DLQ, with up to `peek` dead letters shown (left in place)."""
    report: dict[str, Any] = {}
    for name, queue in _queues().items():
        entry: dict[str, Any] = {"depth": queues.depth(queue), "dead_letters": queues.depth(f"{queue}-dlq")}
        if peek and entry["dead_letters"]:
            found = (
                aws.sqs()
                .receive_message(
                    QueueUrl=queues.queue_url(f"{queue}-dlq"),
                    MaxNumberOfMessages=min(peek, 10),
                    VisibilityTimeout=0,
                    MessageAttributeNames=["error"],
                )
                .get("Messages", [])
            )
            entry["peek"] = [m["Body"][:500] for m in found]
            # Why each was parked: workers set `error` on permanent failures; None = retries ran out.
            entry["why"] = [_parked_because(m) for m in found]
        report[name] = entry
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return report


def replay(path: Path, url: str, network: str, brand: str | None) -> int:
    """Sign a delivery as its network would, with the brand's real secrets, and post it."""
    connector = connectors.load(network)
    if connector is None:
        raise UsageError(f"unknown network {network!r}; known: {', '.join(connectors.push_networks())}")
    slug = brand or next((b.slug for b in brands().all() if network in b.networks), None)
    config = brands().get(slug) if slug else None
    if config is None or network not in config.networks:
        raise UsageError(f"no brand with a {network} channel{f' named {brand!r}' if brand else ''}")
    signed = connector.sign(path.read_bytes(), secrets.resolve(config.networks[network].secrets), datetime.now(UTC))
    target = f"{url.rstrip('/')}/webhooks/{network}/{config.slug}"
    response = requests.post(
        target, data=signed.body, headers=dict(signed.headers), params=dict(signed.query), timeout=30
    )
    print(f"replay: {target} → {response.status_code} {response.text[:200]}")
    return response.status_code


def rescore(brand: str | None) -> int:
    """Score every stored mention again with the current scorer and brand rules; returns how many changed."""
    changed = 0
    for item in progress(admin.mentions(brand), "rescore"):
        config = brands().get(item["brand"])
        if config is None or item.get("erased"):
            continue
        fresh = score(Mention.from_dict(item), config.scoring)
        if fresh.to_dict() != item.get("score"):
            mentions.set_score(item["id"], fresh)
            changed += 1
    print(f"rescore: {changed} mention(s) changed")
    return changed


def erase_author(network: str, author: str, brand: str | None) -> int:
    """Erase one author's texts and profile from stored mentions and builtin tickets."""
    pseudonym = "erased-" + hashlib.sha256(f"{network}#{author}".encode()).hexdigest()[:16]
    erased = 0
    for item in progress(admin.mentions(brand), "erase"):
        if item["network"] == network and item["author"].get("id") == author:
            mentions.erase_author(item["id"], pseudonym)
            erased += 1
    tickets = admin.erase_requester(network, author, pseudonym)
    print(
        f"erase-author: {erased} mention(s) and {tickets} builtin ticket(s) erased; other helpdesks keep "
        "their own copies (erase the requester there)"
    )
    return erased


def _brand_list(slug: str | None) -> list[Brand]:
    if slug is None:
        return list(brands().all())
    found = brands().get(slug)
    if found is None:
        raise UsageError(f"unknown brand {slug!r}; known: {', '.join(b.slug for b in brands().all())}")
    return [found]


def _source(name: str) -> str:
    if name not in connectors.poll_sources():
        raise UsageError(f"unknown poll source {name!r}; known: {', '.join(connectors.poll_sources())}")
    return name


def poll_now(source: str, brand: str | None) -> polls.Report:
    """One pass of the source's schedule, now; prints the run's report."""
    report = polls.run(polls.plan(_source(source), _brand_list(brand)), datetime.now(UTC))
    print(json.dumps({"source": source, **report.as_dict()}, indent=2))
    return report


def _moment(text: str) -> datetime:
    try:
        return parse_time(text)
    except ValueError as error:
        raise UsageError(f"not a date or ISO time: {text!r}") from error


def _show(label: str) -> Any:
    def show(report: polls.Report) -> None:
        print(f"\r{label}: {report.pages} page(s), {report.sent} mention(s)", end="", file=sys.stderr, flush=True)

    return show


def backfill(source: str, brand: str, since: str, until: str | None, *, again: bool, max_wait: float) -> bool:
    """Poll `source` for `brand` over [since, until) until every target is done; True when complete.

    Progress is kept in per-window cursors, so an interrupted backfill resumes where it stopped and a
    finished one is not fetched again (unless `again`). Rate limits are waited out up to `max_wait`.
    """
    window = (_moment(since), _moment(until) if until else datetime.now(UTC))
    if window[0] >= window[1]:
        raise UsageError("--since must be before --until")
    jobs = polls.plan(_source(source), _brand_list(brand), window)
    if again:
        for job in jobs:
            job.state = replace(job.state, cursor=None, failures=0, not_before=None, error=None)
    label, total = f"backfill {source}/{brand}", polls.Report()
    waited = 0.0
    while True:
        pending = [j for j in jobs if not (j.state.cursor or {}).get("done")]
        if not pending:
            break
        now = datetime.now(UTC)
        blocked = [j.state.not_before for j in pending if j.state.not_before and j.state.not_before > now]
        if len(blocked) == len(pending):
            pause = (min(b for b in blocked if b) - now).total_seconds()
            if waited + pause > max_wait:
                break
            print(f"\n{label}: rate-limited or failing, waiting {pause:.0f} s", file=sys.stderr, flush=True)
            time.sleep(pause)
            waited += pause
            continue
        for job in pending:
            job.finished = False
        report = polls.run(pending, now, window=window, on_page=_show(label))
        total.pages, total.sent, total.errors = total.pages + report.pages, total.sent + report.sent, report.errors
    done = all((j.state.cursor or {}).get("done") for j in jobs)
    print(f"\r{label}: {total.pages} page(s), {total.sent} mention(s), {'complete' if done else 'INCOMPLETE'}")
    for key, error in total.errors.items():
        print(f"  {key}: {error}", file=sys.stderr)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m functions.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("replay", help="post a signed delivery to a deployment")
    send.add_argument("file", type=Path)
    send.add_argument("--url", required=True)
    send.add_argument("--network", required=True)
    send.add_argument("--brand")
    letters = commands.add_parser("dlq", help="queue and dead-letter depths")
    letters.add_argument("--peek", type=int, default=0)
    back = commands.add_parser("redrive", help="move dead letters back to their queue")
    back.add_argument("queue", choices=["tickets", "mentions"])
    back.add_argument("--limit", type=int, default=10_000)
    again = commands.add_parser("rescore", help="re-score stored mentions")
    again.add_argument("--brand")
    forget = commands.add_parser("erase-author", help="erase an author's personal data")
    forget.add_argument("--network", required=True)
    forget.add_argument("--author", required=True)
    forget.add_argument("--brand")
    once = commands.add_parser("poll", help="run one poll of a source now")
    once.add_argument("source")
    once.add_argument("--brand")
    fill = commands.add_parser("backfill", help="fill a date range from a poll source")
    fill.add_argument("source")
    fill.add_argument("--brand", required=True)
    fill.add_argument("--since", required=True, help="ISO date or time, UTC unless an offset is given")
    fill.add_argument("--until", help="ISO date or time (default: now)")
    fill.add_argument("--again", action="store_true", help="fetch a finished range again")
    fill.add_argument("--max-wait", type=float, default=900.0, help="seconds to wait out rate limits in total")
    args = parser.parse_args(argv)
    try:
        if args.command == "replay":
            if not args.file.is_file():
                raise UsageError(f"no such file: {args.file}")
            status = replay(args.file, args.url, args.network, args.brand)
            return 0 if status < 300 else 1
        if args.command == "dlq":
            dlq(args.peek)
        elif args.command == "redrive":
            redrive(args.queue, args.limit)
        elif args.command == "rescore":
            rescore(args.brand)
        elif args.command == "poll":
            return 1 if poll_now(args.source, args.brand).errors else 0
        elif args.command == "backfill":
            complete = backfill(
                args.source, args.brand, args.since, args.until, again=args.again, max_wait=args.max_wait
            )
            return 0 if complete else 1
        else:
            erase_author(args.network, args.author, args.brand)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
