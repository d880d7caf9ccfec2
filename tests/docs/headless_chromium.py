"""Debian's Chromium driven by Playwright, with every request leaving loopback blocked and recorded.

The browser test skips with a clear reason when Chromium is missing, except in CI (CI=true), where it fails:
CI must prove the docs render. Playwright's own browsers are never downloaded; ``scripts/install-chromium.sh``
installs Debian's package.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = Path(os.environ.get("JAFFLE_CHROMIUM", "/usr/bin/chromium"))
# As root Chromium needs --no-sandbox; the rest keeps it from calling home (this machine may be offline).
ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_SCHEMES = ("data", "blob", "about", "file")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def unavailable_reason() -> str | None:
    """None when Chromium and Playwright are there, else why not."""
    if not CHROMIUM.exists():
        return f"Chromium is not installed ({CHROMIUM})"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed"
    return None


def require_chromium() -> None:
    """Skip without Chromium; fail when CI=true, where the browser test must run."""
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}: CI=true requires the docs browser test to run", pytrace=False)
    pytest.skip(f"{reason}; install it with `scripts/install-chromium.sh` (as root) to run the browser test")


def is_local(url: str) -> bool:
    """True for loopback, file and in-page URLs: the only ones the docs may request."""
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or parsed.hostname in LOOPBACK_HOSTS


@dataclass
class Traffic:
    """Every request the pages made, and those blocked for leaving loopback."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        """Let local requests through; abort and record anything else."""
        url = route.request.url
        self.requested.append(url)
        if is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")


@contextmanager
def offline_context() -> Iterator[tuple[Any, Traffic]]:
    """A headless browser context whose every non-loopback request is aborted and recorded."""
    from playwright.sync_api import sync_playwright

    traffic = Traffic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
            context.route("**/*", traffic.route)
            yield context, traffic
        finally:
            browser.close()
