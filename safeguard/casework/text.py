"""How a practitioner's words are shown. Notes are stored exactly as typed (no HTML is accepted, so
nothing a worker or a pasted email holds can run in another user's browser); rendering escapes
every character first and only then turns a tiny markup into GOV.UK-styled HTML:

- a blank line starts a new paragraph; a single line break inside a paragraph is kept (<br>);
- lines starting "- " or "* " make a bulleted list, lines starting "1. " (any number) a numbered one;
- a line starting "## " is a small heading.

Pure functions: no database, no settings, so the same words render the same everywhere (the child's
page, the court chronology, a subject access export).
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BULLET = re.compile(r"^[-*] +(.*)$")
_NUMBER = re.compile(r"^(\d{1,6})\. +(.*)$")
_HEADING = re.compile(r"^## +(.*)$")
_SPACE = re.compile(r"\s+")


def _lines(text: str) -> list[str]:
    """The text's lines, whatever the browser sent as a line break (CRLF, CR or LF)."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def render(text: str) -> SafeString:
    """The note as safe HTML: everything escaped, then paragraphs, lists and headings."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_kind = ""  # "ul" or "ol" while a list is open
    list_start = 1

    def close_paragraph() -> None:
        if paragraph:
            out.append('<p class="govuk-body">' + "<br>".join(paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_kind
        if items:
            if list_kind == "ul":
                out.append('<ul class="govuk-list govuk-list--bullet">'
                           + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            else:
                start = f' start="{list_start}"' if list_start != 1 else ""
                out.append(f'<ol class="govuk-list govuk-list--number"{start}>'
                           + "".join(f"<li>{i}</li>" for i in items) + "</ol>")
            items.clear()
        list_kind = ""

    for raw in _lines(text):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            close_paragraph()
            close_list()
            continue
        heading = _HEADING.match(stripped)
        bullet = _BULLET.match(stripped)
        number = _NUMBER.match(stripped)
        if heading:
            close_paragraph()
            close_list()
            out.append(f'<h3 class="govuk-heading-s">{escape(heading.group(1).strip())}</h3>')
        elif bullet or number:
            close_paragraph()
            kind = "ul" if bullet else "ol"
            if kind != list_kind:
                close_list()
                list_kind = kind
                list_start = int(number.group(1)) if number else 1
            items.append(escape((bullet or number).groups()[-1].strip()))
        else:
            close_list()
            paragraph.append(escape(stripped))
    close_paragraph()
    close_list()
    return mark_safe("\n".join(out))  # noqa: S308 - every piece of the user's text was escaped above


def excerpt(text: str, n: int = 200) -> str:
    """A plain one-line excerpt (for lists and search results): markup markers dropped, white space
    collapsed, cut at a word before `n` characters. Plain text: the template escapes it."""
    words = []
    for raw in _lines(text):
        line = raw.strip()
        for pattern in (_HEADING, _BULLET, _NUMBER):
            found = pattern.match(line)
            if found:
                line = found.groups()[-1]
                break
        if line:
            words.append(line)
    flat = _SPACE.sub(" ", " ".join(words)).strip()
    if len(flat) <= n:
        return flat
    cut = flat[: max(n - 1, 0)]
    if " " in cut[n // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-") + "…"
