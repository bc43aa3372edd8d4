"""Redis URLs: accepted schemes, redaction everywhere, one-line CLI errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.errors import ConfigError
from crawler.store.queue import check_redis_url, connect, redact_url, scrub
from tests.redis_server import free_port

NEWSMON = str(Path(sys.executable).with_name("newsmon"))


@pytest.mark.parametrize(("url", "redacted"), [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("redis://:s3cret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
    ("rediss://default:s3cret@cache.example:6380/2", "rediss://default:***@cache.example:6380/2"),
    ("redis://cache.example/0?password=s3cret&db=1", "redis://cache.example/0?password=***&db=1"),
    ("unix:///run/redis.sock?password=s3cret", "unix:///run/redis.sock?password=***"),
    ("redis://u:p@ss/w0rd@host:1/0", "redis://u:***@host:1/0"),
    ("redis://:s3cret?x@host:1/0", "redis://:***@host:1/0"),
    ("redis://:s3cret#x@host:1/0", "redis://:***@host:1/0"),
    ("redis://u:p?s3cret#@x@[::1]:6379/0", "redis://u:***@[::1]:6379/0"),
    ("redis://:s3cret@host:notaport/0", "redis://:***@host:notaport/0"),
    ("redis://host/0?password=s3cret#x&db=1", "redis://host/0?password=***&db=1"),
    ("redis://host/0?db=1&Password=s3cret?x@y", "redis://host/0?db=1&Password=***"),
    ("unix://:s3cret@/run/redis.sock", "unix://:***@/run/redis.sock"),
    ("redis://user@host/0", "redis://user@host/0"),
])  # fmt: skip
def test_redact_url_hides_the_password(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted
    assert "s3cret" not in redact_url(url) and "ss/w0rd" not in redact_url(url)


def test_scrub_hides_a_password_quoted_in_an_error_message() -> None:
    url = "redis://:s3cret%3Fx@host:1/0"
    assert scrub(f"auth failed for {url} with password s3cret?x", url) == (
        "auth failed for redis://:***@host:1/0 with password ***"
    )


def test_rediss_url_gets_a_tls_connection() -> None:
    client = connect("rediss://:s3cret@cache.example:6380/0?ssl_cert_reqs=none")
    kwargs = client.connection_pool.connection_kwargs
    assert client.connection_pool.connection_class.__name__ == "SSLConnection"
    assert kwargs["password"] == "s3cret" and kwargs["port"] == 6380


@pytest.mark.parametrize(
    "url", ["http://:s3cret@host:6379", "localhost:6379", "redis://:s3cret@host:notaport/0"]
)
def test_unusable_url_is_a_config_error_without_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_redis_url(url)
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://host:6379/abc",  # would connect to database 0 without a word
        "redis://:se@cr/et@127.0.0.1:1/0",  # a password with an unencoded "/": host "cr"
    ],
)
def test_a_path_that_is_no_database_number_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="database number") as caught:
        check_redis_url(url)
    assert "et@" not in str(caught.value) and "se@" not in str(caught.value)
    assert check_redis_url("redis://host:6379/2") == "redis://host:6379/2"
    assert check_redis_url("redis://host:6379/") == "redis://host:6379/"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSMON, *args], capture_output=True, text=True, timeout=60)


def test_ingest_with_a_bad_scheme_exits_2(tmp_path: Path) -> None:
    result = run(
        "ingest", "--redis-url", "http://:s3cret@127.0.0.1:6379/0", "--db", str(tmp_path / "a.db")
    )
    assert result.returncode == 2
    assert result.stderr == (
        "error: unsupported Redis URL 'http://:***@127.0.0.1:6379/0': "
        "expected redis://, rediss:// (TLS) or unix://\n"
    )


def test_ingest_with_unreachable_redis_exits_1_in_one_line(tmp_path: Path) -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    result = run("ingest", "--redis-url", url, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"error: cannot reach Redis at redis://:***@127.0.0.1:"
        f"{url.rsplit(':', 1)[1].split('/')[0]}/0: ConnectionError"
    )
    assert "s3cret" not in result.stderr


def test_a_timeout_says_what_it_may_mean() -> None:
    # rediss:// against a plain server logged "failed: TimeoutError: " and nothing more
    from crawler.store.queue import describe

    assert describe(TimeoutError(), "rediss://:s3cret@cache.example/0") == (
        "TimeoutError: no answer in time (rediss:// needs a server that speaks TLS)"
    )
    assert describe(TimeoutError(), "redis://cache.example/0") == "TimeoutError: no answer in time"
