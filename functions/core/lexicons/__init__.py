"""Cue lists and polarity lexicons the scorer reads, one module per language (all written by the team);
`abuse.py` holds the auto-moderation rule's words (functions.core.moderation), not the scorer's.

Each language module defines plain data (strings and numbers, compiled by the scorer on first use):

- `CUES`: `(reason, category, weight, pattern, negatable)` — complaint cues. `reason` is what an agent
  reads (`problem:not_arrived`), `category` the ticket category it points to ("" for none), `weight`
  the evidence it adds (in log-odds, hand-set), `negatable` whether a nearby negation cancels it
  ("not broken"). Patterns are case-insensitive regular expressions.
- `GATES` (optional): reason → substrings, one of which every match of that cue contains (in the
  language's spelling; folded like the patterns): the cue's pattern is run only when one is present.
- `SEVERITY`: `(kind, pattern)` — health, safety, data, legal, fraud.
- `CATEGORY_WORDS`: `(category, pattern)` — the fallback when no categorised cue fired.
- `POLARITY`: stem → polarity in -1..1 (longest stem prefix wins; a key starting with "=" must match the
  whole word), `INTENSIFIERS`: word → multiplier, `NEGATORS`: words that flip the next sentiment word.

Licences: see LICENSES.md next to this file.
"""

from __future__ import annotations

Cue = tuple[str, str, float, str, bool]
