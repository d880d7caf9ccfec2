#!/usr/bin/env bash
# Install Debian's Chromium for the docs browser test (tests/docs), which Playwright drives; idempotent.
# Playwright's own browser download is never used: it needs the internet, Debian's package does not.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    echo "Chromium is installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Chromium is missing and installing it needs root: run \`sudo apt-get install -y chromium\`" \
        "(or this script as root). Without it the docs browser test skips locally and fails with CI=true." >&2
    exit 1
fi
echo "installing Chromium from Debian's packages"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "Chromium is installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
