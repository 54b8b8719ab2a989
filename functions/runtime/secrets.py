"""Secret values by reference (`ssm:<name>` or `secretsmanager:<id>`), cached with a TTL.

The brand file names secrets, never holds them. Values are cached per container for
`SECRETS_TTL_SECONDS` so a webhook burst does not call SSM per request, and a rotated secret is
picked up within the TTL. Values are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from botocore.exceptions import BotoCoreError, ClientError

from functions.runtime import aws
from functions.runtime.settings import settings


class SecretUnavailableError(Exception):
    """The reference could not be read (missing parameter, no permission, AWS down)."""


class SecretStoreDownError(SecretUnavailableError):
    """The store failed (throttling, timeout, 5xx): not the config's fault, so retry later."""


_ABSENT = {"ParameterNotFound", "ResourceNotFoundException", "AccessDeniedException", "ParameterVersionNotFound"}


_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


def _fetch(ref: str) -> str:
    store, _, name = ref.partition(":")
    try:
        if store == "ssm":
            return aws.ssm().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        if store == "secretsmanager":
            return aws.secretsmanager().get_secret_value(SecretId=name)["SecretString"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        if code in _ABSENT:
            raise SecretUnavailableError(f"{ref}: {code}") from error
        raise SecretStoreDownError(f"{ref}: {code}") from error
    except BotoCoreError as error:  # endpoint unreachable, timeouts
        raise SecretStoreDownError(f"{ref}: {error.__class__.__name__}") from error
    raise SecretUnavailableError(f"{ref}: unknown secret store {store!r}")


def secret(ref: str) -> str:
    now = time.monotonic()
    with _lock:
        hit = _cache.get(ref)
    if hit and hit[0] > now:
        return hit[1]
    value = _fetch(ref)
    with _lock:
        _cache[ref] = (now + settings().secrets_ttl_seconds, value)
    return value


def resolve(refs: Mapping[str, str]) -> dict[str, str]:
    """Resolve a brand's `{name: reference}`; a missing one is left out, so verify fails closed.

    Raises `SecretStoreDownError` when the store itself fails: the caller answers "retry later"
    instead of rejecting a genuine delivery as unauthenticated.
    """
    values: dict[str, str] = {}
    for name, ref in refs.items():
        try:
            values[name] = secret(ref)
        except SecretStoreDownError:
            raise
        except SecretUnavailableError:
            continue
    return values


def clear() -> None:
    with _lock:
        _cache.clear()
