"""The report's HTML page: every plot with a caption saying what it shows, the period,
the receiver's position, and notes on what was left out. One self-contained file beside
the PNGs, nothing fetched from the internet."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from adsbwatch import __version__

PAGE_NAME = "index.html"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1050px;
       padding: 0 1em; color: #1d2630; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.facts { color: #44515e; margin-top: 0; }
figure { margin: 2em 0; }
figure img { max-width: 100%; border: 1px solid #dde3e8; }
figcaption { color: #33404c; margin-top: 0.4em; }
.profiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr));
            gap: 1em; }
.profiles figure { margin: 0; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.2em 0.8em 0.2em 0; border-bottom: 1px solid #dde3e8; }
.note { background: #fff7e0; border-left: 4px solid #f2a541; padding: 0.5em 0.8em; }
"""


@dataclass(frozen=True)
class Plot:
    file: str  # beside the page
    title: str
    caption: str


@dataclass(frozen=True)
class Table:
    title: str
    caption: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass
class Page:
    title: str
    facts: list[str]  # period, receiver, totals: one line each
    plots: list[Plot] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)  # after the plots
    profiles: list[Plot] = field(default_factory=list)  # the altitude profiles, a grid
    profiles_caption: str = ""
    notes: list[str] = field(default_factory=list)  # what is missing, and why


def _figure(plot: Plot, heading: str = "h2") -> str:
    name = escape(plot.file, quote=True)
    return (f"<figure>\n<{heading}>{escape(plot.title)}</{heading}>\n"
            f'<a href="{name}"><img src="{name}" alt="{escape(plot.title, quote=True)}">'
            f"</a>\n<figcaption>{escape(plot.caption)}</figcaption>\n</figure>\n")


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>\n"
                   for row in table.rows)
    return (f"<h2>{escape(table.title)}</h2>\n<p>{escape(table.caption)}</p>\n"
            f"<table>\n<tr>{head}</tr>\n{body}</table>\n")


def render(page: Page) -> str:
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<title>{escape(page.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        f"<h1>{escape(page.title)}</h1>\n",
        "".join(f'<p class="facts">{escape(line)}</p>\n' for line in page.facts),
        "".join(f'<p class="note">{escape(note)}</p>\n' for note in page.notes),
        "".join(_figure(plot) for plot in page.plots),
        "".join(_table(table) for table in page.tables),
    ]
    if page.profiles or page.profiles_caption:
        parts.append("<h2>Altitude profiles of watched visits</h2>\n"
                     f"<p>{escape(page.profiles_caption)}</p>\n<div class=\"profiles\">\n")
        parts.extend(_figure(plot, "h3") for plot in page.profiles)
        parts.append("</div>\n")
    parts.append(f"<p class=\"facts\">Made by adsbwatch {escape(__version__)}.</p>\n"
                 "</body>\n</html>\n")
    return "".join(parts)


def write(page: Page, folder: Path) -> Path:
    """The page, written whole (a temp file renamed), so a browser never shows half."""
    path = folder / PAGE_NAME
    temp = folder / f".{PAGE_NAME}.tmp"
    temp.write_text(render(page), encoding="utf-8")
    temp.replace(path)
    return path
