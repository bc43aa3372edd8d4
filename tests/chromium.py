"""Headless Chromium (Debian's package) for the tests that look at what a browser draws.

Where it is missing the test is skipped on a developer's machine and fails under CI
(``CI=true``), which installs it (``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_S = 90


def chromium() -> str:
    """The browser's path; fails the test under CI when there is none, else skips it."""
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium); CI fails instead")


def run_chromium(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    """Open ``url`` in headless Chromium with a profile of the test's own, ``extra`` options
    first (``--dump-dom``, ``--screenshot=...``), and its log on stderr."""
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *extra,
            url,
        ],
        capture_output=True,
        timeout=TIMEOUT_S,
        check=True,
    )
