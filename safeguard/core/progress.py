"""A progress line for long commands (generating a council, importing a return): done of total,
the rate per second and the time left, redrawn in place on a terminal at most five times a
second. Where the output is not a terminal (CI, a log file, a pipe) it writes nothing, so logs
hold results rather than thousands of redrawn lines."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int, *, unit: str = "rows", out: TextIO | None = None,
                 shown: bool | None = None) -> None:
        """`shown`: None to show it only on a terminal; True or False to say."""
        self.label, self.total, self.unit = label, total, unit
        self.out = out or sys.stderr
        self.shown = shown if shown is not None else bool(getattr(self.out, "isatty", lambda: False)())
        self.done = 0
        self.started = self._drawn = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if self.shown and (now - self._drawn >= 0.2 or self.done >= self.total):
            self._drawn = now
            self.out.write(f"\r{self.line(now)}")
            self.out.flush()

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.perf_counter()) - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        pct = 100 * self.done / self.total if self.total else 100.0
        left = ""
        if rate > 0 and self.done < self.total:
            left = f", about {(self.total - self.done) / rate:,.0f} s left"
        return (f"{self.label}: {self.done:,}/{self.total:,} {self.unit} ({pct:5.1f}%), "
                f"{rate:,.0f} {self.unit}/s{left}   ")

    def close(self) -> None:
        """End the line (on a terminal), whether or not all was done."""
        if self.shown:
            self.out.write(f"\r{self.line()}\n")
            self.out.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
