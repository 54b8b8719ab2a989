"""Settings from environment variables, which `.chalice/config.json` and `infra/` set per stage.

Defaults are the local embedded stack's names, so `make run` and the tests need no extra setup.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    stage: str
    mentions_table: str
    tickets_table: str
    desk_table: str
    counters_table: str
    cursors_table: str
    snapshots_table: str
    verdicts_table: str
    replies_table: str
    artifacts_bucket: str
    model_cache_seconds: float
    mentions_queue: str
    tickets_queue: str
    replies_queue: str
    brands_file: Path
    max_body_bytes: int
    secrets_ttl_seconds: int
    ticket_claim_seconds: int
    reply_lease_seconds: int  # a worker's hold on one reply part: longer than one network call
    retry_base_seconds: float
    retry_max_seconds: float
    channel_record_seconds: float


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@cache
def settings() -> Settings:
    stage = _env("MENTIONDESK_STAGE", "local")
    prefix = f"mentiondesk-{stage}"
    brands = Path(_env("BRANDS_FILE", "config/brands.json"))
    return Settings(
        stage=stage,
        mentions_table=_env("MENTIONS_TABLE", f"{prefix}-mentions"),
        tickets_table=_env("TICKETS_TABLE", f"{prefix}-tickets"),
        desk_table=_env("DESK_TABLE", f"{prefix}-desk"),
        counters_table=_env("COUNTERS_TABLE", f"{prefix}-counters"),
        cursors_table=_env("CURSORS_TABLE", f"{prefix}-cursors"),
        snapshots_table=_env("SNAPSHOTS_TABLE", f"{prefix}-snapshots"),
        verdicts_table=_env("VERDICTS_TABLE", f"{prefix}-verdicts"),
        replies_table=_env("REPLIES_TABLE", f"{prefix}-replies"),
        artifacts_bucket=_env("ARTIFACTS_BUCKET", f"{prefix}-artifacts"),
        model_cache_seconds=float(_env("MODEL_CACHE_SECONDS", "300")),
        mentions_queue=_env("MENTIONS_QUEUE", f"{prefix}-mentions"),
        tickets_queue=_env("TICKETS_QUEUE", f"{prefix}-tickets"),
        replies_queue=_env("REPLIES_QUEUE", f"{prefix}-replies"),
        brands_file=brands if brands.is_absolute() else PACKAGE_ROOT / brands,
        max_body_bytes=int(_env("MAX_BODY_BYTES", str(512 * 1024))),
        secrets_ttl_seconds=int(_env("SECRETS_TTL_SECONDS", "300")),
        ticket_claim_seconds=int(_env("TICKET_CLAIM_SECONDS", "120")),
        reply_lease_seconds=int(_env("REPLY_LEASE_SECONDS", "60")),
        retry_base_seconds=float(_env("RETRY_BASE_SECONDS", "15")),
        retry_max_seconds=float(_env("RETRY_MAX_SECONDS", "900")),
        channel_record_seconds=float(_env("CHANNEL_RECORD_SECONDS", "60")),
    )
