"""Scoring time against text length (not a test): is `score` linear in the length of the text?

    .venv/bin/python bench/long_text.py [--sizes 50,200,500] [--shapes word,words,complaint,ru,tr]

Each shape is built to the size in KB (UTF-8 bytes, roughly) and scored whole (the scorer itself:
a stored mention's text is cut at 128 KiB first, see `MAX_TEXT_BYTES`); the figure is the lowest
CPU time (`time.process_time`) of `--runs` runs. Shapes:
- word: one unbroken 'a…' word (the worst case of a longest-prefix stem lookup);
- words: English prose, many short words;
- complaint: an English complaint repeated (every cue and TextBlob fire);
- ru / tr: a Russian / Turkish complaint repeated, plus one long word (the stem lexicons).
A linear scorer takes about 2.5× as long for 500 KB as for 200 KB.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from functions.core.mention import Author, Kind, Mention  # noqa: E402
from functions.core.score import ScoringRules  # noqa: E402
from functions.core.scoring import score  # noqa: E402


def _repeat(unit: str, size: int) -> str:
    count = max(1, size // len(unit.encode()))
    return (unit * count)[: max(1, size)]


SHAPES: dict[str, Callable[[int], str]] = {
    "word": lambda size: "a" * size,
    "words": lambda size: _repeat("the pizza was fine and the driver was nice to us today ", size),
    "complaint": lambda size: _repeat("My order never arrived, I want a refund! Charged twice. ", size),
    "ru": lambda size: _repeat("Заказ так и не пришёл, верните деньги. ", size // 2) + "ж" * (size // 4),
    "tr": lambda size: _repeat("Siparişim gelmedi, paramı iade edin. ", size // 2) + "ş" * (size // 4),
}


def _mention(text: str) -> Mention:
    mention = Mention(
        network="generic",
        external_id="bench:1",
        kind=Kind.POST,
        brand="bench",
        author=Author(id="u1"),
        text="",
        url=None,
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    object.__setattr__(mention, "text", text)  # the whole text, past the cut a Mention makes: the scorer's own cost
    return mention


def _seconds(text: str, runs: int = 1) -> float:
    best = float("inf")
    for _ in range(runs):
        mention = _mention(text)
        start = time.process_time()
        score(mention, ScoringRules())
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,200,500", help="sizes in KB, comma-separated")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, of: " + ", ".join(SHAPES))
    parser.add_argument("--runs", type=int, default=1, help="runs per figure, lowest shown (repeats hit a cache)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    _seconds("warm up: load TextBlob and every language pack once. Заказ. Sipariş.")
    for lang_text in ("Заказ не пришёл", "Siparişim gelmedi"):
        _seconds(lang_text)
    print(f"{'shape':<10}" + "".join(f"{str(s) + ' KB':>12}" for s in sizes))
    for shape in args.shapes.split(","):
        row = [_seconds(SHAPES[shape](size * 1000), args.runs) for size in sizes]
        print(f"{shape:<10}" + "".join(f"{t:>11.2f}s" for t in row), flush=True)


if __name__ == "__main__":
    main()
