"""Progress of long work: a self-updating line on a terminal, plain lines in a log.

No library: a line of text rewritten in place (``\\r``) costs nothing at import, so ``newsmon
--help`` stays fast. On a terminal the line is rewritten at most every ``refresh`` seconds; in
a log (stderr not a terminal) a plain line is written at most every ``log_every`` seconds, and
only when NEWSMON_PROGRESS is ``always`` (``auto`` keeps pipes and cron quiet).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

_BAR_WIDTH = 24


def format_duration(seconds: float) -> str:
    """``4.2 s``, ``3m 05s``, ``2h 10m``, ``3d 4h``: a duration a person reads at a glance."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def bar(done: int, total: int, width: int = _BAR_WIDTH) -> str:
    """``[#######.........]  41%``; an unknown or zero total shows no bar."""
    if total <= 0:
        return ""
    share = min(max(done / total, 0.0), 1.0)
    filled = int(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:4.0%}"


def progress_mode(stream: TextIO, setting: str | None = None) -> str:
    """``terminal`` (rewrite a line), ``log`` (plain lines) or ``off``, from NEWSMON_PROGRESS
    (``auto``: a terminal only; ``always``: plain lines when not a terminal; ``never``)."""
    mode = (setting if setting is not None else os.environ.get("NEWSMON_PROGRESS")) or "auto"
    if mode == "never":
        return "off"
    tty = hasattr(stream, "isatty") and stream.isatty()
    if tty:
        return "terminal"
    return "log" if mode == "always" else "off"


class ProgressLine:
    """One line of progress, rewritten in place on a terminal, written as plain lines in a log.

    Args:
        stream: where to write (stderr).
        mode: ``terminal``, ``log`` or ``off`` (see :func:`progress_mode`).
        refresh: seconds between rewrites on a terminal.
        log_every: seconds between plain lines in a log.
        clock: a monotonic clock (tests give their own).
    """

    def __init__(self, stream: TextIO = sys.stderr, mode: str = "off", *, refresh: float = 0.5,
                 log_every: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.mode = mode
        self.refresh = refresh
        self.log_every = log_every
        self.clock = clock
        self.started = clock()
        self._last: float | None = None
        self._width = 0

    @property
    def elapsed(self) -> float:
        """Seconds since the line was made."""
        return self.clock() - self.started

    def show(self, text: str, *, force: bool = False) -> bool:
        """Show ``text`` if it is time to (or ``force``); whether it was written."""
        if self.mode == "off":
            return False
        now = self.clock()
        every = self.refresh if self.mode == "terminal" else self.log_every
        if not force and self._last is not None and now - self._last < every:
            return False
        self._last = now
        if self.mode == "terminal":
            pad = " " * max(0, self._width - len(text))
            self._width = len(text)
            self.stream.write(f"\r{text}{pad}")
        else:
            self.stream.write(f"{text}\n")
        self.stream.flush()
        return True

    def close(self) -> None:
        """End the line on a terminal (the next output starts on a line of its own)."""
        if self.mode == "terminal" and self._last is not None:
            self.stream.write("\n")
            self.stream.flush()
