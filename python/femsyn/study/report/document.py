"""The report as one list of blocks (headings, paragraphs, tables, images), rendered to Markdown
and to a self-contained HTML page (every image embedded as a base64 data URI)."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

__all__ = ["render_html", "render_md"]


def _md_cell(s: Any) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_md(blocks: list[tuple]) -> str:
    """The blocks as Markdown."""
    out: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind == "h1":
            out.append(f"# {b[1]}\n")
        elif kind == "h2":
            out.append(f"## {b[1]}\n")
        elif kind == "p":
            out.append(f"{b[1]}\n")
        elif kind == "table":
            headers, rows = b[1], b[2]
            out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            out.append("|" + "|".join("---" for _ in headers) + "|")
            for r in rows:
                out.append("| " + " | ".join(_md_cell(c) for c in r) + " |")
            out.append("")
        elif kind == "img":
            out.append(f"![{b[2]}]({b[1]})\n")
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em}
h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right;vertical-align:top}
th{background:#f3f5f8}td:first-child,th:first-child{text-align:left}
tr:nth-child(even) td{background:#fafbfc}
img{max-width:100%;border:1px solid #eee;margin:.4em 0}
p.note{color:#555;font-size:.9em}
"""


def render_html(blocks: list[tuple], out_dir: Path, title: str) -> str:
    """The blocks as one HTML page, images embedded (read from ``out_dir``)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
    ]
    for b in blocks:
        kind = b[0]
        if kind in ("h1", "h2"):
            parts.append(f"<{kind}>{html.escape(b[1])}</{kind}>")
        elif kind == "p":
            text = html.escape(b[1])
            # minimal Markdown: **bold** and `code`
            text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
            text = re.sub(r"`(.+?)`", r"<code>\1</code>", text)
            parts.append(f'<p class="{b[2] if len(b) > 2 else ""}">{text}</p>')
        elif kind == "table":
            headers, rows = b[1], b[2]
            parts.append(
                "<table><thead><tr>"
                + "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
                + "</tr></thead><tbody>"
            )
            for r in rows:
                parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>")
            parts.append("</tbody></table>")
        elif kind == "img":
            data = base64.b64encode((out_dir / b[1]).read_bytes()).decode("ascii")
            parts.append(
                f'<figure><img alt="{html.escape(b[2])}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(b[2])}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
