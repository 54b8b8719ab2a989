"""The brands' complaint models in the stage's artifacts bucket, and the ingest worker's cache of them.

    models/<brand>/<version>.bin     one artifact per promoted model (functions.core.model), kept
    models/<brand>/champion.json     {"version", "figure", "rules", "verdicts", "at"}: the live one

`live(brand)` is what the ingest worker scores with: the champion pointer is read at most once per
`MODEL_CACHE_SECONDS` per warm Lambda, an artifact once per version. A brand with no champion is
scored by the rules; an S3 failure keeps the model already loaded (or the rules), logged, so a
bucket outage never stops tickets.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from functions.core.model import Model
from functions.runtime import aws
from functions.runtime.log import log
from functions.runtime.settings import settings

PREFIX = "models"


def artifact_key(brand: str, version: str) -> str:
    return f"{PREFIX}/{brand}/{version}.bin"


def champion_key(brand: str) -> str:
    return f"{PREFIX}/{brand}/champion.json"


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


def _get(key: str) -> bytes | None:
    try:
        body: Any = aws.s3().get_object(Bucket=settings().artifacts_bucket, Key=key)["Body"]
    except ClientError as error:
        if _missing(error):
            return None
        raise
    data: bytes = body.read()
    return data


def _put(key: str, body: bytes, content_type: str) -> None:
    aws.s3().put_object(Bucket=settings().artifacts_bucket, Key=key, Body=body, ContentType=content_type)


def champion(brand: str) -> dict[str, Any] | None:
    """The live model's record, None while the brand is on the rules."""
    raw = _get(champion_key(brand))
    return dict(json.loads(raw)) if raw else None


def load(brand: str, version: str) -> Model | None:
    raw = _get(artifact_key(brand, version))
    return Model.from_bytes(raw) if raw else None


def promote(brand: str, model: Model, blob: bytes, record: dict[str, Any]) -> None:
    """Store the artifact, then point the champion at it (a reader never sees a pointer without one)."""
    _put(artifact_key(brand, model.version), blob, "application/octet-stream")
    _put(champion_key(brand), json.dumps({**record, "version": model.version}).encode(), "application/json")


@dataclass
class _Cached:
    checked: float  # monotonic time of the last pointer read
    version: str | None
    model: Model | None


_CACHE: dict[str, _Cached] = {}


def forget() -> None:
    """Drop every cached model (tests; a new stage)."""
    _CACHE.clear()


def live(brand: str) -> Model | None:
    """The brand's champion, cached; None: score with the rules."""
    now = time.monotonic()
    cached = _CACHE.get(brand)
    if cached is not None and now - cached.checked < settings().model_cache_seconds:
        return cached.model
    try:
        record = champion(brand)
        version = str(record["version"]) if record else None
        if cached is not None and version == cached.version:
            model = cached.model
        else:
            model = load(brand, version) if version else None
    except (BotoCoreError, ClientError, ValueError, KeyError) as error:
        log("model.load_failed", level="warning", brand=brand, error=f"{error.__class__.__name__}: {error}")
        model = cached.model if cached else None
        version = cached.version if cached else None
    _CACHE[brand] = _Cached(now, version, model)
    return model
