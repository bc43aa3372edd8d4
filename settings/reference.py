"""Print the Markdown table of newsmon's ``NEWSMON_*`` settings (the README's "Settings").

python -m settings.reference
"""

from __future__ import annotations

from settings import declared
from settings.spec import Setting

START = "<!-- settings-reference -->"
END = "<!-- /settings-reference -->"


def _default(setting: Setting) -> str:
    value = setting.default
    if value is None or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


def markdown_table() -> str:
    """One row per setting: the environment variable, its type, default and what it does."""
    rows = ["| setting | type | default | what it does |", "|---|---|---|---|"]
    for s in declared:
        kind = "\\|".join(s.choices) if s.kind == "choice" else s.kind
        doc = s.doc.replace("|", "\\|")
        name = f"`{s.variable}`" if s.env is None else f"`{s.variable}` (`-s {s.name}`)"
        rows.append(f"| {name} | {kind} | `{_default(s)}` | {doc} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    """Print the table between its README markers."""
    print(f"{START}\n\n{markdown_table()}\n{END}")


if __name__ == "__main__":
    main()
