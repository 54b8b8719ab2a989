#!/usr/bin/env bash
# Installs Stoplight Prism (pinned in package.json / package-lock.json) into
# tests/servers/prism/node_modules for the Jira contract tests. Idempotent: does nothing when the
# installed tree already matches the lock file. Needs npm and Node 20.16+ (package.json "engines":
# the highest floor of any package in the lock; Debian 13's nodejs 20.19 qualifies, Debian 12's 18.19
# does not); takes ~20 s from the registry. Prism 5.15+ declares Node 24.14+, hence the 5.14.2 pin.
set -euo pipefail
cd "$(dirname "$0")"
export SCARF_ANALYTICS=false  # @scarf/scarf (a Prism dependency) phones home from a postinstall script
need=$(node -p 'require("./package.json").engines.node.replace(/^>=\s*/, "")')
if ! node -e '
  const have = process.versions.node.split(".").map(Number), need = process.argv[1].split(".").map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) process.exit(have[i] > need[i] ? 0 : 1);' "$need"; then
  echo "prism: Node $(node --version) is too old, the pinned Prism needs Node $need or newer" >&2
  exit 1
fi
if [ -x node_modules/.bin/prism ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "prism $(node_modules/.bin/prism --version) already installed (Node $(node --version))"
  exit 0
fi
npm ci --ignore-scripts --no-audit --no-fund
echo "prism $(node_modules/.bin/prism --version) installed (Node $(node --version))"
