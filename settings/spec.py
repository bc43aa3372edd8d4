"""How a ``NEWSMON_*`` setting is declared and read from the environment.

Each setting is declared once (``settings.SETTINGS``): its name, type, default and a one-line
doc. :func:`parse` turns a text value (environment, ``-s NAME=VALUE``) into the typed value, or
raises :class:`SettingError` naming the setting. An empty value means the default, for every
setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The largest whole number (a signed 64-bit integer: Redis, SQLite) and other number a setting
# takes unless it says otherwise (seconds past 1e9 overflow timers).
MAX_INT = 2**63 - 1
MAX_FLOAT = 1e9
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the setting and says why."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``NEWSMON_*`` setting.

    ``kind`` is ``int``, ``float``, ``bool``, ``str``, ``list`` (comma-separated) or
    ``choice`` (one of ``choices``); ``env`` is the environment variable when it differs from
    ``name``; ``minimum`` the smallest number allowed, ``maximum`` the largest (by default what
    Redis and SQLite hold for a whole number, ``MAX_FLOAT`` for another).
    """

    name: str
    kind: str
    default: Any
    doc: str
    env: str | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = 0
    maximum: float | None = None

    @property
    def variable(self) -> str:
        """The environment variable that sets it."""
        return self.env or self.name


def parse(setting: Setting, raw: Any) -> Any:
    """``raw`` (text, or an already typed value) as ``setting``'s type; empty means default.

    Raises:
        SettingError: the value is not of the setting's type, or out of range.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return setting.default
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if setting.kind in ("int", "float"):
        return _number(setting, text)
    if setting.kind == "bool":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise SettingError(f"{setting.variable}={raw!r} is not true or false")
    if setting.kind == "choice":
        if text not in setting.choices:
            raise SettingError(
                f"{setting.variable}={raw!r} is not one of {', '.join(setting.choices)}"
            )
        return text
    if setting.kind == "list":
        return [s.strip() for s in text.split(",") if s.strip()]
    return text


def _number(setting: Setting, text: str) -> int | float:
    kind = "a whole number" if setting.kind == "int" else "a number"
    try:
        value: int | float = int(text) if setting.kind == "int" else float(text)
    except ValueError:
        raise SettingError(f"{setting.variable}={text!r} is not {kind}") from None
    if value != value or value in (float("inf"), float("-inf")):  # nan, inf
        raise SettingError(f"{setting.variable}={text!r} is not {kind}")
    if setting.minimum is not None and value < setting.minimum:
        raise SettingError(f"{setting.variable}={text!r} is below {setting.minimum:g}")
    # past these, dates, timers and Redis fail once the run is under way
    highest = setting.maximum
    if highest is None:
        highest = MAX_INT if setting.kind == "int" else MAX_FLOAT
    if value > highest:
        shown = f"{highest:g}" if setting.kind == "float" else str(int(highest))
        raise SettingError(f"{setting.variable}={text!r} is above {shown}")
    return value


def from_environment(
    table: tuple[Setting, ...], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Every setting of ``table``, read from ``environ`` (default: ``os.environ``).

    Raises:
        SettingError: the first bad value, naming its variable.
    """
    env = os.environ if environ is None else environ
    return {s.name: parse(s, env.get(s.variable)) for s in table}
