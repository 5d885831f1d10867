"""The progress line of long commands (issue 19: a progress bar with rows per second on a terminal,
quiet in CI)."""

import io

from safeguard.core.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_it_shows_done_total_and_rate():
    out = Terminal()
    with Progress("SSDA903 2026", 200, unit="rows", out=out) as bar:
        bar.advance(50)
        bar.advance(150)
    last = out.getvalue().rstrip("\n").split("\r")[-1]
    assert last.startswith("SSDA903 2026: 200/200 rows (100.0%), ") and "rows/s" in last
    assert out.getvalue().endswith("\n")


def test_elsewhere_it_writes_nothing():
    """CI and log files hold results, not redrawn lines."""
    out = io.StringIO()
    with Progress("CIN census", 10, unit="children", out=out) as bar:
        bar.advance(10)
    assert out.getvalue() == ""


def test_it_can_be_silenced_on_a_terminal():
    out = Terminal()
    with Progress("generate", 3, out=out, shown=False) as bar:
        bar.advance(3)
    assert out.getvalue() == ""
