#!/usr/bin/env bash
# Installs Stoplight Prism (pinned in package.json / package-lock.json) into
# tests/servers/prism/node_modules for the Jira contract tests. Idempotent: does nothing when the
# installed tree already matches the lock file. Needs Node 18+ and npm; takes ~20 s from the registry.
set -euo pipefail
cd "$(dirname "$0")"
export SCARF_ANALYTICS=false  # @scarf/scarf (a Prism dependency) phones home from a postinstall script
if [ -x node_modules/.bin/prism ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "prism $(node_modules/.bin/prism --version) already installed"
  exit 0
fi
npm ci --ignore-scripts --no-audit --no-fund
echo "prism $(node_modules/.bin/prism --version) installed"
