"""RAG against target (INDICATORS.md C5), direction of travel (C6), YTD pro-rating of annual
count targets (C4) and small-number suppression (§0.3 rule 5, C8). Every threshold is a setting
(`MeasureSetting`) with the document's defaults; none is hard-coded per measure."""

from __future__ import annotations

from dataclasses import dataclass

from . import catalogue as cat

SUPPRESSED = "c"
N_MIN_DEFAULT = 10


@dataclass(frozen=True)
class Target:
    operator: str  # ">=", "<=", "<", ">", "band", ""
    value: float | None = None
    high: float | None = None

    def __str__(self) -> str:
        if not self.operator or self.value is None:
            return ""
        if self.operator == "band":
            return f"{_fmt(self.value)}-{_fmt(self.high)}"
        return f"{self.operator}{_fmt(self.value)}"


def _fmt(x) -> str:
    return "" if x is None else (f"{x:g}" if isinstance(x, float) else str(x))


def parse_target(text: str) -> Target:
    """'85%', '>=85', '<15%', '35-40', '10-15%', '0%', '30' (C4 target forms)."""
    t = (text or "").strip().replace("%", "").replace(" ", "")
    if not t:
        return Target("")
    for op in (">=", "<=", "<", ">"):
        if t.startswith(op):
            return Target(op, float(t[len(op) :]))
    if "-" in t[1:]:
        lo, hi = t[0] + t[1:].split("-", 1)[0], t[1:].split("-", 1)[1]
        return Target("band", float(lo), float(hi))
    return Target("=", float(t))


def default_tolerance(unit: str, target: float) -> float:
    """C5: 5 percentage points for percentages (2 for a zero target), 5% of target otherwise."""
    if unit == cat.PERCENT:
        return 2.0 if target == 0 else 5.0
    return abs(target) * 0.05


def rag(
    value,
    *,
    polarity: str,
    target: Target,
    unit: str,
    denominator=None,
    tolerance: float | None = None,
    minimum_denominator: int = N_MIN_DEFAULT,
    indicative: bool = False,
) -> str:
    """Red/amber/green against target (C5). 'n/a' for context measures, missing values, no
    target, indicative in-year annual measures and small denominators."""
    if polarity == cat.NONE or value is None or not target.operator or target.value is None or indicative:
        return "n/a"
    if denominator is not None and unit == cat.PERCENT and denominator < minimum_denominator:
        return "n/a (small numbers)"
    t = target.value
    tau = tolerance if tolerance is not None else default_tolerance(unit, t)
    if target.operator == "band":
        lo, hi = t, target.high
        if lo <= value <= hi:
            return "G"
        return "A" if (lo - tau <= value < lo) or (hi < value <= hi + tau) else "R"
    if target.operator == "<":
        return "G" if value < t else ("A" if value <= t + tau else "R")
    if target.operator == ">":
        return "G" if value > t else ("A" if value >= t - tau else "R")
    high_good = target.operator == ">=" or (target.operator == "=" and polarity == cat.HIGH_GOOD)
    if target.operator == "=" and polarity == cat.RANGE:
        high_good = True
    if high_good:
        return "G" if value >= t else ("A" if value >= t - tau else "R")
    return "G" if value <= t else ("A" if value <= t + tau else "R")


def default_epsilon(unit: str, basis_value: float) -> float:
    """C6: 1 point for percentages; 2% relative for rates; 5% relative (min 1) for counts;
    5% relative for days and ratios."""
    if unit == cat.PERCENT:
        return 1.0
    if unit == cat.RATE:
        return abs(basis_value) * 0.02
    if unit == cat.COUNT:
        return max(1.0, abs(basis_value) * 0.05)
    return abs(basis_value) * 0.05


def direction(
    now, basis, *, polarity: str, unit: str, target: Target | None = None, epsilon: float | None = None
) -> tuple[str, str]:
    """(arrow, colour) of the movement from `basis` to `now` (C6). The arrow is the movement of
    the value; the colour says whether that movement is good."""
    if now is None or basis is None:
        return "n/a", "n/a"
    eps = epsilon if epsilon is not None else default_epsilon(unit, basis)
    delta = now - basis
    arrow = "up" if delta > eps else ("down" if delta < -eps else "same")
    if polarity == cat.HIGH_GOOD:
        colour = {"up": "G", "down": "R", "same": "A"}[arrow]
    elif polarity == cat.LOW_GOOD:
        colour = {"up": "R", "down": "G", "same": "A"}[arrow]
    elif polarity == cat.RANGE and target is not None and target.operator == "band":

        def distance(v):
            return max(target.value - v, 0, v - target.high)

        d_now, d_basis = distance(now), distance(basis)
        colour = "G" if d_now < d_basis - eps else ("R" if d_now > d_basis + eps else "A")
    else:
        colour = "n/a"
    return arrow, colour


def pro_rated(target: Target, months_elapsed: int) -> Target:
    """C4: an annual count target compared with a YTD count at month m expects target * m / 12."""
    if not target.operator or target.value is None:
        return target
    scale = months_elapsed / 12
    return Target(target.operator, target.value * scale, None if target.high is None else target.high * scale)


def suppress(value, numerator, denominator, unit: str):
    """§0.3 rule 5: in public outputs a count of 1-5, or a percentage whose numerator or
    denominator is 1-5, is shown as 'c'. Figures are computed unrounded; this is presentation."""

    def small(n):
        return n is not None and 1 <= n <= 5

    if unit == cat.COUNT and small(value):
        return SUPPRESSED
    if unit in (cat.PERCENT, cat.DAYS, cat.MEAN) and (small(numerator) or small(denominator)):
        return SUPPRESSED
    if unit == cat.RATE and small(numerator):
        return SUPPRESSED
    return value
