"""An outlet's first articles, held in the crawl until its boilerplate is learned from them.

The learning itself is :class:`crawler.extract.boilerplate.BoilerplateLearner`'s (plain data, no
event loop); this is the crawl's coordination of concurrent pages around it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable

__all__ = ["FIRST_ARTICLES_MAX_WAIT", "FirstArticles", "article_lost"]

# An outlet's first articles wait at most this long (seconds) for its boilerplate to be learned.
FIRST_ARTICLES_MAX_WAIT = 30.0
# ... and look this often (seconds) whether the crawl is closing early
STOPPING_POLL = 0.5

# Signal the spider sends (``outlet=``) for an article request that will bring no page to the
# pipelines: it failed, or its page was refused.
article_lost = object()


class FirstArticles:
    """Hold an outlet's first articles until its boilerplate is learned from them.

    A crawl extracts an outlet's first pages before the learner has seen enough of them, so a
    footer would stay in every one: all at once when they arrive together, one after another
    when a polite crawl fetches them one at a time. An article whose outlet is still unlearned
    waits (at most :data:`FIRST_ARTICLES_MAX_WAIT` seconds) until the learner knows the outlet or
    none of the outlet's pages is on its way (:meth:`expect`: requested, not yet extracted) or
    in extraction; then it is cleaned with :func:`crawler.extract.boilerplate.restrip`.

    Example::

        first.expect(outlet)                  # the spider asked for one of its pages
        async with first.extracting(outlet):  # extraction and observation
            result = await pool.extract(page, learner.boilerplate(outlet))
            learner.observe(outlet, result.paragraph_keys)
        await first.settle(outlet, lambda: learner.boilerplate(outlet) is not None)
    """

    def __init__(
        self,
        max_wait: float = FIRST_ARTICLES_MAX_WAIT,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        """``stopping()`` says that the crawl is closing early (SIGTERM, Ctrl-C): the pages it
        has not fetched will not come, so a waiting article waits only for those in
        extraction."""
        self.max_wait = max_wait
        self.stopping = stopping
        self._coming: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._change = asyncio.Event()

    def expect(self, outlet: str) -> None:
        """Count one more of the outlet's pages as on its way to extraction."""
        self._coming[outlet] += 1

    def lost(self, outlet: str) -> None:
        """One of the outlet's expected pages will not come (failed or refused)."""
        if self._coming[outlet] > 0:
            self._coming[outlet] -= 1
        self._changed()

    @contextlib.asynccontextmanager
    async def extracting(self, outlet: str) -> AsyncIterator[None]:
        """Count one of the outlet's pages as in extraction (until observed) during the block."""
        if self._coming[outlet] > 0:  # an expected page has arrived
            self._coming[outlet] -= 1
        self._in_flight[outlet] += 1
        try:
            yield
        finally:
            self._in_flight[outlet] -= 1
            self._changed()

    async def settle(self, outlet: str, learned: Callable[[], bool]) -> None:
        """Wait until ``learned()`` or no page of the outlet is on its way or in extraction (or
        the timeout; or, when the crawl is stopping, none is in extraction)."""
        self._changed()  # the caller has just taught the learner: waiters re-check
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while not learned() and (
            self._in_flight[outlet] or (self._coming[outlet] and not self.stopping())
        ):
            change = self._change
            # a closing crawl sends no event for the pages it drops: look again now and then
            wait = min(deadline - loop.time(), STOPPING_POLL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(change.wait(), wait)
            if loop.time() >= deadline:
                return

    def _changed(self) -> None:
        # one event per change: every waiter wakes, re-checks, and waits on the next one
        self._change.set()
        self._change = asyncio.Event()
