"""The brand configuration of this deployment, read once per container from `BRANDS_FILE`."""

from __future__ import annotations

from functools import cache

from functions import connectors
from functions.core.brands import BrandConfigError, Brands, load_brands
from functions.runtime.settings import settings


def check_poll_settings(loaded: Brands) -> Brands:
    """Every poll source's settings are validated with the file, so a typo fails the load (and the
    deploy's config check), not a schedule at 3 a.m."""
    for brand in loaded.all():
        for network, config in brand.networks.items():
            source = connectors.load_source(network)
            if source is None:
                continue
            missing = [] if network in connectors.push_networks() else sorted(set(source.SECRETS) - set(config.secrets))
            if missing:
                raise BrandConfigError(f"brand {brand.slug}.networks.{network}.secrets: missing {', '.join(missing)}")
            try:
                source.targets(brand.slug, config.settings, brand.query_for(network))
            except ValueError as error:
                raise BrandConfigError(f"brand {brand.slug}.networks.{network}: {error}") from error
    return loaded


@cache
def brands() -> Brands:
    return check_poll_settings(load_brands(settings().brands_file.read_text(encoding="utf-8")))
