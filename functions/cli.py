"""Operator commands: `python -m functions.cli [--local] <command>`.

Against a deployment: run with the stage's AWS environment (AWS_PROFILE, or AWS_DEFAULT_REGION
and credentials; MENTIONDESK_STAGE=<stage>). Against `make run`'s local stack: add `--local`
(it reads the endpoints the stack wrote to .local/stack.json, or $MENTIONDESK_LOCAL_STATE).

    replay FILE --network N [--brand B] [--url URL] [--fresh]
                                                      post a fixture or captured delivery, signed
                                                      with the brand's secrets, to a deployment
                                                      (--fresh: its timestamps moved to now)
    dlq [--peek N]                                    depth of every queue and DLQ, a few dead letters
    redrive tickets|mentions|replies [--limit N]      move dead letters back to their queue
    rescore [--brand B]                               re-score stored mentions after a scorer change
    erase-author --network N --author ID [--brand B]  remove an author's personal data (GDPR/152-FZ)
    poll SOURCE [--brand B]                           run one scheduled poll of a source now
    backfill SOURCE --brand B --since D [--until D]   fill a date range from a poll source; resumable,
             [--again] [--max-wait S]                 safe to re-run (mentions dedupe by identity)
    channels snapshot --brand B                       take the brand's own-channel snapshots now
                                                      (replaces today's; exit 1 if a channel failed)
    migrate-identity [--dry-run]                      rewrite stored mentions and ticket links to
                                                      brand-scoped keys; idempotent, resumable
    verdicts import FILE --brand B                    bootstrap a brand's verdicts from a CSV with a
                                                      header: label (yes/no, 1/0, complaint/
                                                      not_complaint) and id (network#external_id)
                                                      or text; an agent's verdict is never overwritten
    train --brand B                                   train the brand's complaint model now; it goes
                                                      live only if it beats the current one and the
                                                      rules on held-back verdicts (exit 1 if refused)

Long commands print progress on stderr; results go to stdout. Every error is one line on
stderr and exit status 2 (bad input, no AWS settings, AWS refusing or unreachable).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import boto3
import requests
from botocore.exceptions import BotoCoreError, ClientError

from functions import connectors
from functions.core import migration
from functions.core import verdicts as verdict_rows
from functions.core.brands import Brand, BrandConfigError
from functions.core.lang import detect_language
from functions.core.mention import Mention, format_time, parse_time
from functions.core.restamp import restamp
from functions.core.scoring import score
from functions.jobs import polls, snapshots, training
from functions.runtime import aws, secrets
from functions.runtime.brands import brands
from functions.runtime.settings import settings
from functions.stores import admin, mentions, queues
from functions.stores import verdicts as verdict_store

T = TypeVar("T")


class UsageError(Exception):
    """Bad input to a command: said in one line, exit status 2."""


LOCAL_STATE = Path(__file__).resolve().parents[1] / ".local" / "stack.json"
NO_AWS = (
    "no AWS {missing}: run with the stage's AWS environment (AWS_PROFILE, or AWS_DEFAULT_REGION and "
    "credentials), or add --local to use `make run`'s stack"
)


@dataclass(frozen=True)
class LocalStack:
    """What `python -m infra.local` (make run) wrote about itself: its HTTP URL and AWS environment."""

    url: str
    environment: Mapping[str, str]


def local_state_file() -> Path:
    return Path(os.environ.get("MENTIONDESK_LOCAL_STATE") or LOCAL_STATE)


def read_local_stack(path: Path) -> LocalStack:
    """The running local stack described in `path`; a UsageError when there is none that answers."""
    try:
        state = json.loads(path.read_text())
        stack = LocalStack(str(state["url"]), {str(k): str(v) for k, v in state["environment"].items()})
    except FileNotFoundError:
        raise UsageError(f"--local: no local stack ({path} not found); start one with `make run`") from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(f"--local: {path} is not a local stack's state file ({error})") from None
    try:
        requests.get(f"{stack.url}/health", timeout=3).raise_for_status()
    except requests.RequestException:
        raise UsageError(f"--local: the local stack at {stack.url} does not answer; start it with `make run`") from None
    return stack


def use_environment(environment: Mapping[str, str]) -> None:
    """Point settings, AWS clients and caches at `environment` (before any command runs)."""
    os.environ.update(environment)
    settings.cache_clear()
    brands.cache_clear()
    aws.reset()
    secrets.clear()
    queues.queue_url.cache_clear()


def check_aws_settings() -> None:
    """A region and credentials must be there before any AWS call: said in one line, not a traceback."""
    session = boto3.session.Session()
    if session.region_name is None:
        raise UsageError(NO_AWS.format(missing="region"))
    if session.get_credentials() is None:
        raise UsageError(NO_AWS.format(missing="credentials"))


def progress(items: Iterable[T], label: str, every: int = 100) -> Iterator[T]:
    """Yield items, printing a running count on stderr (a plain counter: no dependency, no tty needed)."""
    count = 0
    for count, item in enumerate(items, start=1):
        if count % every == 0:
            print(f"\r{label}: {count}", end="", file=sys.stderr, flush=True)
        yield item
    print(f"\r{label}: {count} done", file=sys.stderr, flush=True)


def _queues() -> dict[str, str]:
    return {
        "tickets": settings().tickets_queue,
        "mentions": settings().mentions_queue,
        "replies": settings().replies_queue,
    }


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


def _delivery(path: Path, fresh: bool, now: datetime) -> bytes:
    """The file's bytes, or with `fresh` its timestamps moved so the newest is now (JSON only)."""
    body = path.read_bytes()
    if not fresh:
        return body
    try:
        return json.dumps(restamp(json.loads(body), now), ensure_ascii=False).encode()
    except ValueError as error:
        raise UsageError(f"--fresh: {path} is not JSON ({error})") from None


def replay(path: Path, url: str, network: str, brand: str | None, *, fresh: bool = False) -> int:
    """Sign a delivery as its network would, with the brand's real secrets, and post it."""
    connector = connectors.load(network)
    if connector is None:
        raise UsageError(f"unknown network {network!r}; known: {', '.join(connectors.push_networks())}")
    slug = brand or next((b.slug for b in brands().all() if network in b.networks), None)
    config = brands().get(slug) if slug else None
    if config is None or network not in config.networks:
        raise UsageError(f"no brand with a {network} channel{f' named {brand!r}' if brand else ''}")
    now = datetime.now(UTC)
    refs = config.networks[network].secrets
    values = secrets.resolve(refs)
    try:
        signed = connector.sign(_delivery(path, fresh, now), values, now)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        unread = sorted(set(refs) - set(values))
        why = f"the brand's secrets {', '.join(unread)} are not readable" if unread else "is it one?"
        raise UsageError(
            f"cannot sign {path} as a {network} delivery ({error.__class__.__name__}: {error}); {why}"
        ) from None
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


@dataclass
class ImportReport:
    written: int = 0
    kept: int = 0  # a stronger verdict (an agent's) was there already
    bad: list[str] = field(default_factory=list)


def import_verdicts(path: Path, brand: str) -> ImportReport:
    """Label a brand's mentions (by id) or texts from a CSV; idempotent, so safe to re-run."""
    _brand_list(brand)
    report = ImportReport()
    now = format_time(datetime.now(UTC))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            rows = list(verdict_rows.read_import(handle))
        except (ValueError, UnicodeDecodeError) as error:
            raise UsageError(f"{path}: {error}") from None
    for row in progress(rows, "verdicts import"):
        if isinstance(row, verdict_rows.BadRow):
            report.bad.append(f"line {row.line}: {row.reason}")
            continue
        verdict = _imported(row, brand, now)
        if verdict is None:
            report.bad.append(f"line {row.line}: no mention {row.mention_id} of brand {brand}")
        elif verdict_store.record(verdict):
            report.written += 1
        else:
            report.kept += 1
    print(
        f"verdicts import: {report.written} written, {report.kept} kept (an agent's verdict stands), "
        f"{len(report.bad)} refused"
    )
    for line in report.bad[:10]:
        print(f"  {line}", file=sys.stderr)
    return report


def _imported(row: verdict_rows.ImportRow, brand: str, now: str) -> verdict_rows.Verdict | None:
    source = verdict_rows.Source.IMPORT
    if row.mention_id is not None:
        identity = row.mention_id if row.mention_id.startswith(f"{brand}#") else f"{brand}#{row.mention_id}"
        stored = mentions.get(identity)
        if stored is not None and stored.mention.brand == brand:
            return verdict_rows.Verdict(
                identity, brand, row.complaint, source, now, stored.mention.text, stored.score.lang, row.sentiment
            )
        if row.text is None:
            return None
    text = row.text or ""
    return verdict_rows.Verdict(
        verdict_rows.text_key(brand, text),
        brand,
        row.complaint,
        source,
        now,
        text,
        detect_language(text),
        row.sentiment,
    )


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


def _polling(source: str, slug: str | None) -> list[Brand]:
    """The brands (all, or the one named) that poll `source`; a UsageError when none does."""
    chosen = _brand_list(slug)
    polling = [b for b in chosen if _source(source) in b.networks]
    if not polling:
        others = [b.slug for b in brands().all() if source in b.networks]
        said = f"brand {slug!r} has no {source} source" if slug else f"no brand has a {source} source"
        known = f"; brands that do: {', '.join(others)}" if others else ""
        raise UsageError(f"{said} (networks.{source} in the brand file){known}")
    return polling


def poll_now(source: str, brand: str | None) -> polls.Report:
    """One pass of the source's schedule, now; prints the run's report."""
    report = polls.run(polls.plan(source, _polling(source, brand)), datetime.now(UTC))
    print(json.dumps({"source": source, **report.as_dict()}, indent=2))
    return report


def snapshot_now(brand: str) -> snapshots.Report:
    """Take the brand's own-channel snapshots now (today's, replacing an earlier one); prints the report."""
    chosen = _brand_list(brand)
    targets = snapshots.plan(chosen)
    if not targets:
        raise UsageError(
            f"brand {brand!r} has no own channel configured for statistics (a network that reads them: "
            f"{', '.join(connectors.channel_sources())}, with its STATS_SECRETS in the brand file)"
        )
    report = snapshots.run(targets, datetime.now(UTC))
    print(json.dumps({"brand": brand, **report.as_dict()}, indent=2))
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
    jobs = polls.plan(source, _polling(source, brand), window)
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


@dataclass
class MigrationReport:
    dry_run: bool
    mentions_moved: int = 0  # copied to the brand-scoped key, old key now a redirect
    mentions_merged: int = 0  # the new key already held the post: one item, bookkeeping of both
    mentions_current: int = 0  # brand-scoped already, or a redirect left by an earlier run
    links_rewritten: int = 0
    links_current: int = 0
    changed_under_us: list[str] = field(default_factory=list)  # keys to retry: run the command again


def migrate_identity(dry_run: bool) -> MigrationReport:
    """Move every mention stored under `network#external_id` to `brand#network#external_id` and
    rewrite the ticket links' mention ids the same way (`functions.core.migration` says how).

    Mentions first, so the old → new map is complete before the links; each item is decided from
    what it holds, so an interrupted run is resumed by running it again, and a finished one changes
    nothing. `dry_run` reads everything and writes nothing."""
    report = MigrationReport(dry_run)
    moved = _migrate_mentions(report, format_time(datetime.now(UTC)))
    _migrate_links(report, moved)
    print(json.dumps({"migrate-identity": asdict(report)}, indent=2))
    return report


def _migrate_mentions(report: MigrationReport, now: str) -> dict[str, str]:
    """Move the mentions; returns every old key → new key (this run's and earlier runs' redirects)."""
    moved: dict[str, str] = {}
    for item in progress(admin.scan_raw("mentions"), "mentions"):
        if migration.is_redirect(item):
            moved[str(item["id"])] = str(item["moved_to"])
        move = migration.mention_move(item)
        if move is None:
            report.mentions_current += 1
            continue
        moved[move.old] = move.new
        existing = admin.get_mention_raw(move.new)
        if existing is None:
            report.mentions_moved += 1
        else:
            report.mentions_merged += 1
        if report.dry_run:
            continue
        if existing is None and not admin.put_mention_if_absent(migration.moved_item(item, move)):
            existing = admin.get_mention_raw(move.new)  # written since we looked: merge with it
        if existing is not None:
            admin.put_mention(migration.merged(item, existing))
        if not admin.replace_with_redirect(item, migration.redirect(move, now)):
            report.changed_under_us.append(move.old)
    return moved


def _migrate_links(report: MigrationReport, moved: dict[str, str]) -> None:
    for link in progress(admin.scan_raw("tickets"), "ticket links"):
        update = migration.link_update(link, moved)
        if update is None:
            report.links_current += 1
        elif report.dry_run or admin.rewrite_link_ids(link, update):
            report.links_rewritten += 1
        else:
            report.changed_under_us.append(str(link["key"]))


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in one line like every other error of the CLI."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m functions.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--local", action="store_true", help="use `make run`'s local stack (endpoints from its state file)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("replay", help="post a signed delivery to a deployment")
    send.add_argument("file", type=Path)
    send.add_argument("--url", help="the API's base URL (default with --local: the local stack)")
    send.add_argument("--network", required=True)
    send.add_argument("--brand")
    send.add_argument("--fresh", action="store_true", help="move the delivery's timestamps so the newest is now")
    letters = commands.add_parser("dlq", help="queue and dead-letter depths")
    letters.add_argument("--peek", type=int, default=0)
    back = commands.add_parser("redrive", help="move dead letters back to their queue")
    back.add_argument("queue", choices=["tickets", "mentions", "replies"])
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
    own = commands.add_parser("channels", help="the brands' own channels")
    own_commands = own.add_subparsers(dest="action", required=True)
    take = own_commands.add_parser("snapshot", help="take a brand's channel snapshots now")
    take.add_argument("--brand", required=True)
    migrate = commands.add_parser("migrate-identity", help="rewrite stored keys to brand-scoped identities")
    migrate.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")
    labels = commands.add_parser("verdicts", help="a brand's complaint verdicts")
    labels_commands = labels.add_subparsers(dest="verdicts_command", required=True)
    load = labels_commands.add_parser("import", help="import verdicts from a CSV (label, id or text)")
    load.add_argument("file", type=Path)
    load.add_argument("--brand", required=True)
    learn = commands.add_parser("train", help="train a brand's complaint model now (champion/challenger)")
    learn.add_argument("--brand", required=True)
    return parser


def _run(args: argparse.Namespace, local: LocalStack | None) -> int:
    if args.command == "replay":
        if not args.file.is_file():
            raise UsageError(f"no such file: {args.file}")
        url = args.url or (local.url if local else None)
        if url is None:
            raise UsageError("replay needs --url (the API's base URL), or --local for `make run`'s stack")
        status = replay(args.file, url, args.network, args.brand, fresh=args.fresh)
        return 0 if status < 300 else 1
    if args.command == "dlq":
        dlq(args.peek)
    elif args.command == "redrive":
        redrive(args.queue, args.limit)
    elif args.command == "rescore":
        rescore(args.brand)
    elif args.command == "poll":
        return 1 if poll_now(args.source, args.brand).errors else 0
    elif args.command == "channels":
        report = snapshot_now(args.brand)
        return 1 if report.errors or report.crashed else 0
    elif args.command == "migrate-identity":
        return 1 if migrate_identity(args.dry_run).changed_under_us else 0
    elif args.command in ("verdicts", "train"):
        return _run_learning(args)
    elif args.command == "backfill":
        complete = backfill(args.source, args.brand, args.since, args.until, again=args.again, max_wait=args.max_wait)
        return 0 if complete else 1
    else:
        erase_author(args.network, args.author, args.brand)
    return 0


def _run_learning(args: argparse.Namespace) -> int:
    if args.command == "verdicts":
        if not args.file.is_file():
            raise UsageError(f"no such file: {args.file}")
        return 1 if import_verdicts(args.file, args.brand).bad else 0
    _brand_list(args.brand)
    outcome = training.train_brand(args.brand, datetime.now(UTC))
    figures = f"challenger {outcome.challenger}, champion {outcome.champion}, rules {outcome.rules}"
    print(f"train {args.brand}: {outcome.reason} ({outcome.verdicts} verdicts; macro-F1 held back: {figures})")
    return 0 if outcome.promoted else 1


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or error.__class__.__name__


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        local = read_local_stack(local_state_file()) if args.local else None
        if local is not None:
            use_environment(local.environment)
        else:
            check_aws_settings()
        return _run(args, local)
    except UsageError as error:
        message = f"error: {error}"
    except BrandConfigError as error:
        message = f"error: the brand file ({settings().brands_file}): {_one_line(error)}"
    except (BotoCoreError, ClientError, secrets.SecretUnavailableError, queues.QueueError) as error:
        message = f"error: AWS: {_one_line(error)}"
    print(message, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
