"""An outlet's first articles, held in the crawl until its boilerplate is learned from them.

The learning itself is :class:`crawler.extract.boilerplate.BoilerplateLearner`'s (plain data, no
event loop); this is the crawl's coordination of concurrent pages around it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable

__all__ = ["FIRST_ARTICLES_MAX_WAIT", "FirstArticles"]

# An outlet's first articles wait at most this long (seconds) for its boilerplate to be learned.
FIRST_ARTICLES_MAX_WAIT = 30.0


class FirstArticles:
    """Hold an outlet's first articles until its boilerplate is learned from them.

    A crawl extracts an outlet's first pages concurrently, all before the learner has seen any of
    them, so a footer would stay in every one. An article whose outlet is still unlearned waits
    (at most :data:`FIRST_ARTICLES_MAX_WAIT` seconds) until the learner knows the outlet or none
    of the outlet's pages is still being extracted and observed; then it is cleaned with
    :func:`crawler.extract.boilerplate.restrip`.

    Example::

        async with first.extracting(outlet):  # extraction and observation
            result = await pool.extract(page, learner.boilerplate(outlet))
            learner.observe(outlet, result.paragraph_keys)
        await first.settle(outlet, lambda: learner.boilerplate(outlet) is not None)
    """

    def __init__(self, max_wait: float = FIRST_ARTICLES_MAX_WAIT) -> None:
        self.max_wait = max_wait
        self._in_flight: Counter[str] = Counter()
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def extracting(self, outlet: str) -> AsyncIterator[None]:
        """Count one of the outlet's pages as in extraction (until observed) during the block."""
        self._in_flight[outlet] += 1
        try:
            yield
        finally:
            self._in_flight[outlet] -= 1
            await self._notify()

    async def settle(self, outlet: str, learned: Callable[[], bool]) -> None:
        """Wait until ``learned()`` or no page of the outlet is in extraction (or the timeout)."""
        await self._notify()  # the caller has just taught the learner: waiters re-check
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: learned() or not self._in_flight[outlet]),
                    self.max_wait,
                )

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
