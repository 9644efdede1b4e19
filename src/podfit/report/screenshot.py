"""PNG pictures of the rendered page, taken with a headless Chromium driven by Playwright.

Uses the system's Chromium (Debian's ``chromium`` package) and never downloads a browser. The
``playwright`` package is an optional dependency (``pip install 'podfit[browser]'``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from podfit.errors import BrowserUnavailable
from podfit.extras import require

__all__ = ["CHROMIUM_ARGS", "BrowserUnavailable", "find_chromium", "launch_chromium", "screenshot_html"]

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The Chromium executable: ``$PODFIT_CHROMIUM``, else the first on ``PATH``."""
    explicit = os.environ.get("PODFIT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright ``Browser``), closed on exit."""
    require("browser", "playwright.sync_api", feature="PNG output")
    executable = find_chromium()
    if executable is None:
        raise BrowserUnavailable(
            "PNG output needs a Chromium executable: apt-get install chromium (or set PODFIT_CHROMIUM)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))
        except Exception as exc:  # Playwright's Error: the browser did not start
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise BrowserUnavailable(f"Chromium ({executable}) did not start: {first}") from None
        try:
            yield browser
        finally:
            browser.close()


def screenshot_html(html: str, out: Path, *, width: int = 1600, height: int = 900) -> None:
    """Open ``html`` (a self-contained page) and save a full-page PNG to ``out``."""
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=1)
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(out), full_page=True)
