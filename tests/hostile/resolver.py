"""A DNS resolver for crawls of the hostile server: a hosts file in a setting, nothing else.

``-s DNS_RESOLVER=tests.hostile.resolver.HostsResolver -s HOSTILE_HOSTS='{"name": "127.0.0.9"}'``
makes Scrapy resolve the listed names (IDNA form) to loopback addresses, pass IP addresses
through, and fail every other name as a DNS error, so a test crawl never asks a real DNS server.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer


@implementer(IResolverSimple)
class HostsResolver:
    """Resolve names from a fixed table (the ``HOSTILE_HOSTS`` setting)."""

    def __init__(self, reactor: Any, hosts: dict[str, str]) -> None:
        self.reactor = reactor
        self.hosts = {name.lower(): address for name, address in hosts.items()}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> HostsResolver:
        return cls(reactor, crawler.settings.getdict("HOSTILE_HOSTS"))

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        """The table's address of ``name``; an IP address as it is; a DNS error otherwise."""
        try:
            return defer.succeed(str(ipaddress.ip_address(name)))
        except ValueError:
            pass
        address = self.hosts.get(name.lower().rstrip("."))
        if address is None:
            return defer.fail(DNSLookupError(f"{name} is not a host of the hostile server"))
        return defer.succeed(address)
