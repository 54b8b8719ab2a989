#!/usr/bin/env bash
# Install headless Chromium and its WebDriver from the Debian 12 packages, non-interactively.
# Idempotent: exits at once when both are there. Used by tests/integration/test_health_page.py.
set -euo pipefail

if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

pkgs=(chromium chromium-driver)
install() {
    $SUDO apt-get install -y -q --no-install-recommends "${pkgs[@]}"
}
# Fresh machine (empty/stale package lists): update once, then retry.
if ! apt-cache show chromium-driver >/dev/null 2>&1 || ! install; then
    $SUDO apt-get update -qq
    install
fi
