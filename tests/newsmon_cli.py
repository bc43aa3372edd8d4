"""Running ``newsmon`` as a user does: a child process, its exit status, stdout and stderr."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import pytest

from crawler.cli import main

NEWSMON = [sys.executable, "-m", "crawler"]

# Politeness off for the local sample sites: no delay, no AutoThrottle, no retries, every
# sitemap entry whatever its age (the sample articles have fixed dates), one extraction worker.
FAST = [
    "-s",
    "AUTOTHROTTLE_ENABLED=false",
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "RETRY_TIMES=0",
    "-s",
    "NEWSMON_SITEMAP_MAX_AGE_DAYS=0",
    "-s",
    "NEWSMON_EXTRACT_WORKERS=1",
]

TIMEOUT_S = 240
WAIT_S = 60.0

# Where a child's stdout or stderr goes: subprocess.PIPE / DEVNULL, or an open file.
_Stream = int | IO[str] | None


def run_newsmon(
    *args: str,
    check: bool = True,
    timeout: float = TIMEOUT_S,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``newsmon ARGS...``; with ``check``, fail the test unless it exits 0.

    ``env`` is the child's whole environment (default: this process's); ``stdin`` its input.
    """
    done = subprocess.run(
        [*NEWSMON, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env=env,
        input=stdin,
    )
    if check:
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-4000:]}"
    return done


def start_newsmon(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdout: _Stream = subprocess.PIPE,
    stderr: _Stream = subprocess.PIPE,
) -> subprocess.Popen[str]:
    """Start ``newsmon ARGS...`` in the background (text mode, output piped by default).

    ``env`` is the child's whole environment (default: this process's).
    """
    return subprocess.Popen([*NEWSMON, *args], stdout=stdout, stderr=stderr, text=True, env=env)


def finish_newsmon(child: subprocess.Popen[str], timeout: float = WAIT_S) -> tuple[str, str]:
    """Wait for a started ``newsmon``: its (stdout, stderr); killed, and the test failed with
    the tail of its stderr, if it is not done within ``timeout`` seconds."""
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # its children too: `schedule` runs each crawl in a session of its own, and an orphaned
        # crawl would keep the pipes open, so that communicate() never returned
        for pid in [*_descendants(child.pid), child.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        out, err = child.communicate()
        raise AssertionError(
            f"newsmon still running after {timeout:.0f} s; stderr:\n{(err or '')[-4000:]}"
        ) from None
    return out or "", err or ""


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (Linux /proc; none where it cannot be read)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        with contextlib.suppress(OSError, ValueError):
            for child in map(int, (task / "children").read_text().split()):
                found += [child, *_descendants(child)]
    return found


def run_main(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``newsmon ARGS`` in this process: (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def wait_for(predicate: Callable[[], object], what: str, timeout: float = WAIT_S) -> None:
    """Poll ``predicate`` until it is true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
