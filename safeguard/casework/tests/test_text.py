"""Rendering a practitioner's words (casework.text): pure, no database."""

from django.utils.safestring import SafeString

from safeguard.casework.text import excerpt, render


def test_paragraphs_and_line_breaks():
    """Issue 16: notes keep their paragraphs (a blank line) and line breaks (a single one)."""
    html = render("First line\nsecond line\n\nNew paragraph")
    assert isinstance(html, SafeString)
    assert html == ('<p class="govuk-body">First line<br>second line</p>\n'
                    '<p class="govuk-body">New paragraph</p>')


def test_windows_line_breaks_are_the_same():
    """Issue 16: whatever the browser posts as a line break (CRLF), the note reads the same."""
    assert render("a\r\nb\r\n\r\nc") == render("a\nb\n\nc")


def test_bulleted_and_numbered_lists_and_headings():
    """Issue 16: lists and headings in GOV.UK styles (govuk-list--bullet / --number, govuk-heading-s)."""
    html = render("## Home conditions\n- kitchen clean\n* food in the fridge\n\n"
                  "1. Visit again\n2. Call school")
    assert '<h3 class="govuk-heading-s">Home conditions</h3>' in html
    assert ('<ul class="govuk-list govuk-list--bullet"><li>kitchen clean</li>'
            '<li>food in the fridge</li></ul>') in html
    assert '<ol class="govuk-list govuk-list--number"><li>Visit again</li><li>Call school</li></ol>' in html


def test_numbered_list_keeps_its_first_number():
    """Issue 16: a list that continues from 3 says so (the words are shown as written)."""
    assert '<ol class="govuk-list govuk-list--number" start="3">' in render("3. third\n4. fourth")


def test_list_ends_at_a_plain_line():
    """Issue 16: a plain line after a list is a paragraph again, not a list item."""
    assert render("- one\nafter") == ('<ul class="govuk-list govuk-list--bullet"><li>one</li></ul>\n'
                                      '<p class="govuk-body">after</p>')


def test_script_and_html_are_escaped():
    """OWASP XSS prevention: typed or pasted HTML is shown as text, never run, in every place the
    markup can put it (paragraph, list item, heading)."""
    attacks = [
        '<script>alert("x")</script>',
        '<img src=x onerror=alert(1)>',
        '"><svg onload=alert(1)>',
        "<a href='javascript:alert(1)'>click</a>",
    ]
    for attack in attacks:
        for text in (attack, f"- {attack}", f"1. {attack}", f"## {attack}", f"line\n{attack}"):
            html = render(text)
            assert "<script" not in html and "<img" not in html and "<svg" not in html
            assert "<a " not in html
            assert "&lt;" in html


def test_ampersands_and_quotes_escaped_once():
    """OWASP XSS prevention: characters HTML gives meaning to are escaped, exactly once."""
    assert render("Tom & Jerry's \"house\"") == \
        '<p class="govuk-body">Tom &amp; Jerry&#x27;s &quot;house&quot;</p>'


def test_empty_text_renders_nothing():
    """Issue 16: an empty or blank note renders to nothing rather than an empty paragraph."""
    assert render("") == "" and render("  \n\n  ") == ""


def test_excerpt_is_one_plain_line():
    """Issue 16: lists and search results show a plain one-line excerpt, markup removed."""
    assert excerpt("## Visit\n- seen\n- bedroom seen\n\nAll well.") == "Visit seen bedroom seen All well."


def test_excerpt_cuts_at_a_word():
    """Issue 16: an excerpt is at most n characters, cut at a word, marked with an ellipsis."""
    text = "word " * 100
    short = excerpt(text, n=50)
    assert len(short) <= 50 and short.endswith("…") and not short.endswith(" …")
    assert short[:-1].split(" ") == ["word"] * len(short[:-1].split(" "))


def test_excerpt_is_not_marked_safe():
    """OWASP XSS prevention: an excerpt is plain text for the template to escape."""
    assert not isinstance(excerpt("<b>bold</b>"), SafeString)
    assert excerpt("<b>bold</b>") == "<b>bold</b>"
