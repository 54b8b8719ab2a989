"""The brand configuration of this deployment, read once per container from `BRANDS_FILE`."""

from __future__ import annotations

from functools import cache

from functions.core.brands import Brands, load_brands
from functions.runtime.settings import settings


@cache
def brands() -> Brands:
    return load_brands(settings().brands_file.read_text(encoding="utf-8"))
