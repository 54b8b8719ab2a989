"""Operator commands: `python -m functions.cli <command>` (with the stage's AWS environment).

redrive tickets|mentions [--limit N]   move dead letters back to their queue to be retried
"""

from __future__ import annotations

import argparse
import sys

from functions.runtime.settings import settings
from functions.stores import queues


def redrive(which: str, limit: int) -> int:
    """Move up to `limit` messages from `<queue>-dlq` back to `<queue>`; prints and returns the count."""
    queue = {"tickets": settings().tickets_queue, "mentions": settings().mentions_queue}[which]
    moved = queues.move(f"{queue}-dlq", queue, limit)
    print(f"redrive: moved {moved} message(s) from {queue}-dlq to {queue}")
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m functions.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    replay = commands.add_parser("redrive", help="move dead letters back to their queue")
    replay.add_argument("queue", choices=["tickets", "mentions"])
    replay.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args(argv)
    redrive(args.queue, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
