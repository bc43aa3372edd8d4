"""Progress of long work: a self-updating line on a terminal, plain lines in a log.

No library: a line of text rewritten in place (``\\r``) costs nothing at import, so ``newsmon
--help`` stays fast. On a terminal the line is rewritten at most every ``refresh`` seconds.
Elsewhere (a pipe, cron, a systemd journal) progress goes to the log as a plain INFO line at
most every ``log_every`` seconds (shown with ``-v``), so a quiet run stays quiet.
NEWSMON_PROGRESS: ``auto`` (that), ``always`` (the live line even when not a terminal),
``never``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

_BAR_WIDTH = 24

logger = logging.getLogger(__name__)


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


def short_duration(seconds: float) -> str:
    """``45s``, ``12m``, ``2h05m``, ``3d4h``: a wait, rounded to what matters."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    if seconds < 172800:
        return f"{seconds // 3600:.0f}h{seconds % 3600 // 60:02.0f}m"
    return f"{seconds // 86400:.0f}d{seconds % 86400 // 3600:.0f}h"


def bar(done: int, total: int, width: int = _BAR_WIDTH) -> str:
    """``[#######.........]  41%``; an unknown or zero total shows no bar."""
    if total <= 0:
        return ""
    share = min(max(done / total, 0.0), 1.0)
    filled = int(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:4.0%}"


def progress_mode(stream: TextIO, setting: str | None = None) -> str:
    """``terminal`` (rewrite a line), ``log`` (plain INFO log lines) or ``off``, from
    NEWSMON_PROGRESS (``auto``: the line on a terminal, else the log; ``always``: the line;
    ``never``)."""
    mode = (setting if setting is not None else os.environ.get("NEWSMON_PROGRESS")) or "auto"
    if mode == "never":
        return "off"
    if mode == "always" or (hasattr(stream, "isatty") and stream.isatty()):
        return "terminal"
    return "log"


class ProgressLine:
    """One line of progress, rewritten in place on a terminal, plain INFO lines in a log.

    Args:
        stream: where the terminal line goes (stderr).
        mode: ``terminal``, ``log`` or ``off`` (see :func:`progress_mode`).
        refresh: seconds between rewrites on a terminal.
        log_every: seconds between log lines.
        clock: a monotonic clock (tests give their own).
    """

    def __init__(
        self,
        stream: TextIO = sys.stderr,
        mode: str = "off",
        *,
        refresh: float = 0.5,
        log_every: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.mode = mode
        self.refresh = refresh
        self.log_every = log_every
        self.clock = clock
        self.started = clock()
        self._last: float | None = None
        self._width = 0

    def restart(self) -> None:
        """Count the elapsed time from now (the work starts after its set-up)."""
        self.started = self.clock()

    @property
    def elapsed(self) -> float:
        """Seconds since the line was made."""
        return self.clock() - self.started

    def due(self) -> bool:
        """Whether a line given now would be shown (build costly text only then)."""
        if self.mode == "off":
            return False
        every = self.refresh if self.mode == "terminal" else self.log_every
        return self._last is None or self.clock() - self._last >= every

    def show(self, text: str, *, force: bool = False) -> bool:
        """Show ``text`` if it is time to (or ``force``); whether it was written."""
        if self.mode == "off" or not (force or self.due()):
            return False
        self._last = self.clock()
        if self.mode == "terminal":
            pad = " " * max(0, self._width - len(text))
            self._width = len(text)
            self.stream.write(f"\r{text}{pad}")
            self.stream.flush()
        else:
            logger.info("%s", text)
        return True

    def say(self, text: str) -> None:
        """A line that stays (what is being done now); the progress line goes on below it."""
        if self.mode == "terminal":
            pad = " " * max(0, self._width - len(text))
            self.stream.write(f"\r{text}{pad}\n")
            self.stream.flush()
            self._width, self._last = 0, None
        elif self.mode == "log":
            logger.info("%s", text)

    def close(self) -> None:
        """End the line on a terminal (the next output starts on a line of its own)."""
        if self.mode == "terminal" and self._last is not None:
            self.stream.write("\n")
            self.stream.flush()
