"""``newsmon outlets``: look after the outlet registry (``outlets check`` probes every source)."""

from __future__ import annotations

import json

import click

from crawler.commands.options import outlets_file_option


@click.group("outlets")
def command() -> None:
    """Check the outlet registry against the live sites.

    \b
    Example:
      newsmon outlets check
      newsmon outlets check --outlets my-outlets.toml --outlet cabar --format json
    """


@command.command("check")
@outlets_file_option
@click.option(
    "--outlet", "outlet_ids", multiple=True, metavar="ID", help="Only these outlets (repeatable)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Per-request timeout (default 15).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def check(
    outlets_file: str | None, outlet_ids: tuple[str, ...], timeout: float | None, fmt: str
) -> int:
    """Fetch every feed, sitemap and section page once and say, per outlet, whether it reads.

    Statuses, best to worst: ok (parsed, article links found), empty (parsed, no articles),
    invalid (HTML instead of XML, parse error, 404), blocked (401/403/429, bot challenge),
    unreachable (DNS, refused, timeout, 5xx). An outlet gets the worst of its sources.
    Exit status 0 when every outlet is ok, 1 otherwise (a summary goes to stderr).

    \b
    Example:
      newsmon outlets check --outlet 24kg
      newsmon outlets check --outlets my-outlets.toml --format json
    """
    from crawler import escape
    from crawler.fetch.probe import PROBE_TIMEOUT_S, check_outlets
    from settings.registry import load_registry, outlet_by_id

    outlets = load_registry(outlets_file)
    if outlet_ids:
        outlets = [outlet_by_id(outlets, oid) for oid in dict.fromkeys(outlet_ids)]
    checks = check_outlets(outlets, timeout=timeout or PROBE_TIMEOUT_S)
    if fmt == "json":
        click.echo(
            escape.json_text(
                json.dumps([c.to_record() for c in checks], ensure_ascii=False, indent=2)
            )
        )
    else:
        for c in checks:
            click.echo(f"{c.outlet}  {c.status}")
            for s in c.sources:
                click.echo(
                    escape.terminal(
                        f"  {s.kind:8} {s.status:12} {s.url}  {s.detail}", keep_newlines=False
                    )
                )
    failed = [c for c in checks if c.status != "ok"]
    if failed:
        names = ", ".join(f"{c.outlet} ({c.status})" for c in failed)
        click.echo(f"{len(failed)} of {len(checks)} outlets not ok: {names}", err=True)
        return 1
    return 0
