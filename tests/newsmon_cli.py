"""Running ``newsmon`` as a user does: a child process, its exit status, stdout and stderr."""

from __future__ import annotations

import subprocess
import sys

NEWSMON = [sys.executable, "-m", "crawler"]

# Politeness off for the local sample sites: no delay, no AutoThrottle, no retries, every
# sitemap entry whatever its age (the sample articles have fixed dates), one extraction worker.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=false", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0",
        "-s", "NEWSMON_SITEMAP_MAX_AGE_DAYS=0", "-s", "NEWSMON_EXTRACT_WORKERS=1"]

TIMEOUT_S = 240


def run_newsmon(*args: str, check: bool = True, timeout: float = TIMEOUT_S,
                cwd: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``newsmon ARGS...``; with ``check``, fail the test unless it exits 0."""
    done = subprocess.run([*NEWSMON, *args], capture_output=True, text=True, timeout=timeout,
                          check=False, cwd=cwd)
    if check:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    return done
