"""Template filters for the case record."""

from django import template

from safeguard.casework import text

register = template.Library()


@register.filter
def note_html(value: str):
    """A note's words as typed, escaped, with paragraphs, lists and headings (casework.text)."""
    return text.render(value or "")
