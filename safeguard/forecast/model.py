"""The stock-and-flow (Markov) model of children in care: pure functions over numpy arrays.

A child in care is in one *state*: an age band × a placement cost category (5 × 6 = 30 states).
From a reference window of episodes we estimate, per state,

* entry rate: children starting to be looked after per day (a Poisson stream into each state),
* transition rates: moves to another placement category per child-day in care,
* ageing rates: crossings into the next age band per child-day (estimated from the data, not assumed
  uniform within the band, so the 16+ band's exits at 18 and its skewed ages are captured),
* exit rate: leaving care per child-day.

These are the constant hazards of a continuous-time Markov chain with immigration. The projection
steps day by day with the exact one-day transition matrix exp(G) (G the generator), so a population
with no entries and exit rate r decays exactly as N0·exp(−r·t).

Uncertainty band (95 %): analytic, not Monte Carlo, plus a parametric bootstrap of the rates.
Children move independently, so at day t the children present at the start are multinomially spread
over states and the entrants form independent Poisson counts; the variance of any weighted sum of
states (a category, the total, the cost) is therefore exact and cheap to compute. On top of this
process noise we add the uncertainty of the estimated rates: event counts are redrawn as Poisson
(the rates are counts over exposure) 200 times and the spread of the projected means is added (law of
total variance). A normal approximation gives the band. Simulating individual children would give
the same answer with sampling error and at far greater cost.

Placement categories from the DfE PLACE codes (SSDA903 guidance, rule 146; STANDARDS.md) and, for
foster care, PLACE_PROVIDER (rule 178):

======================== ====================================================================
category                 PLACE codes
======================== ====================================================================
kinship                  U1, U2, U3 — foster care with a relative or friend (connected person)
in_house_fostering       U4, U5, U6 with provider PR1 (own council), PR2 (other council),
                         PR3 (other public) or no provider recorded
independent_fostering    U4, U5, U6 with provider PR4 (private) or PR5 (voluntary): agency (IFA)
residential              K1 secure children's home, K2 children's home, R1 residential care home
                         (pre-2025 code), S1 residential school
supported_accommodation  K3 registered supported accommodation, H5 semi-independent living and
                         P2 independent living (codes withdrawn in 2025-26, kept for history)
other                    A3–A6 placed for adoption, P1 placed with parents, P3 residential
                         employment, R2 NHS/health, R3 family centre or mother and baby unit,
                         R5 young offender institution, T0–T4 temporary moves, Z1 and Z11–Z14
======================== ====================================================================

Age bands as the DfE publishes children looked after by age (and Social Finance's demand model
uses): under 1, 1 to 4, 5 to 9, 10 to 15, 16 and over. Birthdays are computed in calendar years;
a child born on 29 February reaches an age on 1 March in a common year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

CATEGORIES = (
    "in_house_fostering",
    "independent_fostering",
    "residential",
    "supported_accommodation",
    "kinship",
    "other",
)
CATEGORY_LABELS = {
    "in_house_fostering": "In-house fostering",
    "independent_fostering": "Independent fostering (agency)",
    "residential": "Residential",
    "supported_accommodation": "Supported accommodation",
    "kinship": "Kinship (connected-person fostering)",
    "other": "Other",
}
IN_HOUSE, INDEPENDENT, RESIDENTIAL, SUPPORTED, KINSHIP, OTHER = range(6)
N_CATS = len(CATEGORIES)

#: (label, first age in the band); the last band has no upper age.
AGE_BANDS = (("under 1", 0), ("1 to 4", 1), ("5 to 9", 5), ("10 to 15", 10), ("16 and over", 16))
BAND_BOUNDARIES = (1, 5, 10, 16)
N_BANDS = len(AGE_BANDS)
N_STATES = N_BANDS * N_CATS
OPEN = np.int64(2**40)  # the end day of an open episode

_KINSHIP = {"U1", "U2", "U3"}
_FOSTER_OTHER = {"U4", "U5", "U6"}
_AGENCY_PROVIDERS = {"PR4", "PR5"}
_RESIDENTIAL = {"K1", "K2", "R1", "S1"}
_SUPPORTED = {"K3", "H5", "P2"}

EPOCH = dt.date(1970, 1, 1)


def category_of(place: str, provider: str = "") -> int:
    """The cost category of one 903 episode (table in the module docstring)."""
    place = (place or "").strip().upper()
    if place in _KINSHIP:
        return KINSHIP
    if place in _FOSTER_OTHER:
        return INDEPENDENT if (provider or "").strip().upper() in _AGENCY_PROVIDERS else IN_HOUSE
    if place in _RESIDENTIAL:
        return RESIDENTIAL
    if place in _SUPPORTED:
        return SUPPORTED
    return OTHER


def categorise(places, providers) -> np.ndarray:
    """`category_of` over arrays, looking each distinct (PLACE, PLACE_PROVIDER) pair up once."""
    places, providers = np.asarray(places), np.asarray(providers)
    if places.size == 0:
        return np.zeros(0, dtype=np.int8)

    def raw(a):  # bytes, so a national file is not decoded row by row
        return a if a.dtype.kind == "S" else np.array([str(v).encode() for v in a], dtype="S")

    keys = np.strings.add(np.strings.add(raw(places), b"|"), raw(providers))
    uniq, inverse = np.unique(keys, return_inverse=True)
    cats = np.array([category_of(*k.decode("utf-8", "replace").split("|", 1)) for k in uniq], dtype=np.int8)
    return cats[inverse.ravel()]


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def date_of(day_no: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day_no))


def civil_from_days(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of day numbers, in integer arithmetic (H. Hinnant's civil calendar)."""
    z = np.asarray(z, dtype=np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (m <= 2), m, d


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Day numbers of (year, month, day); 29 February of a common year comes out as 1 March."""
    y = np.asarray(y, dtype=np.int64) - (np.asarray(m) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = np.where(m > 2, m - 3, m + 9)
    doy = (153 * mp + 2) // 5 + np.asarray(d) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def band_boundaries(dob: np.ndarray) -> np.ndarray:
    """(n, 4) day numbers on which each child enters bands 1..4."""
    y, m, d = civil_from_days(dob)
    return np.stack([days_from_civil(y + a, m, d) for a in BAND_BOUNDARIES], axis=1)


def band_on(bounds: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Age band of each child on `day` (per-child day numbers)."""
    return (bounds <= np.asarray(day)[:, None]).sum(axis=1)


@dataclass
class Episodes:
    """Cleaned episodes as day numbers, sorted by child then start. `end` is the first day out of
    the episode (903 DEC), OPEN when it has not ceased."""

    child: np.ndarray  # int64 codes
    dob: np.ndarray  # int64 day numbers
    start: np.ndarray  # int64 day numbers (DECOM)
    end: np.ndarray  # int64 day numbers (DEC) or OPEN
    category: np.ndarray  # int8
    continues_from: np.ndarray = field(default=None)  # previous episode of the child ends on our start
    continues_to: np.ndarray = field(default=None)  # next episode starts on our end
    bounds: np.ndarray = field(default=None)  # (n, 4) band birthdays, see band_boundaries

    def __len__(self) -> int:
        return len(self.start)


def prepare(child, dob, start, end, category) -> Episodes:
    """Sort, remove repeats of an episode (the same child and start, as when consecutive 903 years
    both report it: keep the one that has ceased), and shorten an episode that overlaps the next.

    All inputs are arrays; `dob`, `start`, `end` day numbers (end OPEN or negative for open)."""
    child = np.asarray(child, dtype=np.int64)
    dob = np.asarray(dob, dtype=np.int64)
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64).copy()
    end[end < 0] = OPEN
    category = np.asarray(category, dtype=np.int8)
    # sort by child, start, and closed episodes after open ones so "last" keeps the closed one
    if len(child) and child.min() >= 0 and child.max() < 2**31 and np.ptp(start) < 2**30:
        # one 63-bit key sorts far faster than lexsort over three
        key = ((child << 31) | (start - start.min())) << 1 | (end != OPEN)
        order = np.argsort(key)
    else:
        order = np.lexsort((-(end == OPEN).astype(np.int8), start, child))
    child, dob, start, end, category = child[order], dob[order], start[order], end[order], category[order]
    if len(child):
        last_of_key = np.ones(len(child), dtype=bool)
        last_of_key[:-1] = (child[1:] != child[:-1]) | (start[1:] != start[:-1])
        child, dob, start, end, category = (a[last_of_key] for a in (child, dob, start, end, category))
    same_next = np.zeros(len(child), dtype=bool)
    same_next[:-1] = child[1:] == child[:-1]
    next_start = np.full(len(child), OPEN, dtype=np.int64)
    next_start[:-1] = start[1:]
    overlap = same_next & (end > next_start)
    end[overlap] = next_start[overlap]
    continues_to = same_next & (end == next_start)
    continues_from = np.zeros(len(child), dtype=bool)
    continues_from[1:] = continues_to[:-1]
    return Episodes(child, dob, start, end, category, continues_from, continues_to, band_boundaries(dob))


def truncate(ep: Episodes, last_day: int) -> Episodes:
    """The episodes as they were known at the end of `last_day`: later starts dropped, later ends open."""
    keep = ep.start <= last_day
    end = ep.end[keep].copy()
    end[end > last_day] = OPEN
    cont_to = ep.continues_to[keep] & (end != OPEN)
    return Episodes(
        ep.child[keep],
        ep.dob[keep],
        ep.start[keep],
        end,
        ep.category[keep],
        ep.continues_from[keep],
        cont_to,
        ep.bounds[keep],
    )


def segments(ep: Episodes) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split episodes at age-band birthdays: (state, first day, end day, entered by ageing)."""
    bounds = ep.bounds
    states, firsts, ends, aged = [], [], [], []
    for band in range(N_BANDS):
        lo = bounds[:, band - 1] if band else np.full(len(ep), -OPEN)
        hi = bounds[:, band] if band < N_BANDS - 1 else np.full(len(ep), OPEN)
        s = np.maximum(ep.start, lo)
        e = np.minimum(ep.end, hi)
        ok = s < e
        states.append(band * N_CATS + ep.category[ok].astype(np.int64))
        firsts.append(s[ok])
        ends.append(e[ok])
        aged.append((s[ok] > ep.start[ok]) if band else np.zeros(int(ok.sum()), dtype=bool))
    return np.concatenate(states), np.concatenate(firsts), np.concatenate(ends), np.concatenate(aged)


def daily_states(ep: Episodes, first_day: int, last_day: int) -> np.ndarray:
    """Children in care at the end of each day from `first_day` to `last_day` by state: (days, 30)."""
    n_days = last_day - first_day + 1
    state, s, e, _ = segments(ep)
    keep = (e > first_day) & (s <= last_day)
    state, s, e = state[keep], s[keep], e[keep]
    s = np.maximum(s, first_day) - first_day
    e = np.minimum(e, last_day + 1) - first_day
    diff = np.bincount(s * N_STATES + state, minlength=(n_days + 1) * N_STATES)
    diff = diff - np.bincount(e * N_STATES + state, minlength=(n_days + 1) * N_STATES)
    return np.cumsum(diff.reshape(n_days + 1, N_STATES)[:n_days], axis=0)


@dataclass
class Rates:
    """Estimated rates, all per day. `entries[j]`: children per day entering care into state j;
    `moves[i, j]`: transitions and ageing per child-day from state i to j; `exits[i]` per child-day.
    The counts and exposure they came from are kept for the bootstrap and for reporting."""

    entries: np.ndarray
    moves: np.ndarray
    exits: np.ndarray
    entry_count: np.ndarray
    move_count: np.ndarray
    exit_count: np.ndarray
    exposure: np.ndarray
    window_days: int

    def generator(self) -> np.ndarray:
        g = self.moves.copy()
        np.fill_diagonal(g, 0.0)
        g[np.diag_indices(N_STATES)] = -(g.sum(axis=1) + self.exits)
        return g


def fit(ep: Episodes, first_day: int, last_day: int) -> Rates:
    """Estimate rates from the reference window `first_day`..`last_day`: a change seen between day
    t − 1 and day t (t the first day in the new state, first_day < t <= last_day) over the child-days
    that had a following day in the window (first_day..last_day − 1)."""
    ep = truncate(ep, last_day)
    window = last_day - first_day
    if window < 1:
        raise ValueError("the reference window needs at least two days")
    state, s, e, aged = segments(ep)
    exposure = np.bincount(
        state,
        weights=np.clip(np.minimum(e, last_day) - np.maximum(s, first_day), 0, None),
        minlength=N_STATES,
    ).astype(float)

    def in_window(t):
        return (t > first_day) & (t <= last_day)

    bounds = ep.bounds
    # entries: starts not continuing an earlier episode
    new = ~ep.continues_from & in_window(ep.start)
    entry_state = band_on(bounds[new], ep.start[new]) * N_CATS + ep.category[new]
    entry_count = np.bincount(entry_state, minlength=N_STATES).astype(float)
    # exits and transitions happen on the episode's end day, from the state held the day before
    ended = (ep.end != OPEN) & in_window(ep.end)
    from_band = band_on(bounds[ended], ep.end[ended] - 1)
    from_state = from_band * N_CATS + ep.category[ended]
    cont = ep.continues_to[ended]
    exit_count = np.bincount(from_state[~cont], minlength=N_STATES).astype(float)
    nxt = np.flatnonzero(ended)[cont] + 1
    to_state = from_band[cont] * N_CATS + ep.category[nxt]
    moved = to_state != from_state[cont]
    move_count = np.zeros((N_STATES, N_STATES))
    np.add.at(move_count, (from_state[cont][moved], to_state[moved]), 1.0)
    # ageing: a segment that began on a band birthday within an episode
    ag = aged & in_window(s)
    np.add.at(move_count, (state[ag] - N_CATS, state[ag]), 1.0)
    return rates_from_counts(entry_count, move_count, exit_count, exposure, window)


def rates_from_counts(entry_count, move_count, exit_count, exposure, window_days) -> Rates:
    with np.errstate(divide="ignore", invalid="ignore"):
        per_day = np.where(exposure > 0, 1.0 / np.where(exposure > 0, exposure, 1.0), 0.0)
    return Rates(
        entries=entry_count / window_days,
        moves=move_count * per_day[:, None],
        exits=exit_count * per_day,
        entry_count=entry_count,
        move_count=move_count,
        exit_count=exit_count,
        exposure=exposure,
        window_days=window_days,
    )


# --- scenarios -------------------------------------------------------------------------------


def _cats(name: str) -> list[int]:
    if name in ("*", "all", ""):
        return list(range(N_CATS))
    if name not in CATEGORIES:
        raise ValueError(f"unknown placement category {name!r}: one of {', '.join(CATEGORIES)} or *")
    return [CATEGORIES.index(name)]


def parse_adjustment(text: str) -> tuple[str, str, str, float]:
    """`entries:residential=0.9`, `exits:*=1.1`, `transitions:residential>in_house_fostering=1.2`."""
    try:
        lhs, factor = text.rsplit("=", 1)
        kind, target = lhs.split(":", 1)
        value = float(factor)
    except ValueError as exc:
        raise ValueError(
            f"adjustment {text!r}: write KIND:CATEGORY=FACTOR, e.g. entries:residential=0.9"
        ) from exc
    kind = kind.strip()
    if kind not in ("entries", "exits", "transitions"):
        raise ValueError(f"adjustment {text!r}: kind must be entries, exits or transitions")
    if value < 0:
        raise ValueError(f"adjustment {text!r}: the factor must not be negative")
    source, _, dest = target.strip().partition(">")
    if kind == "transitions" and not dest:
        dest = "*"
    _cats(source.strip())
    if dest:
        _cats(dest.strip())
    return kind, source.strip(), dest.strip(), value


def adjusted(rates: Rates, adjustments: list[tuple[str, str, str, float]]) -> Rates:
    """Rates with scenario multipliers applied (counts scaled too, so the bootstrap follows)."""
    entry, move, exit_ = rates.entry_count.copy(), rates.move_count.copy(), rates.exit_count.copy()
    cat_of_state = np.arange(N_STATES) % N_CATS
    band_of_state = np.arange(N_STATES) // N_CATS
    for kind, source, dest, factor in adjustments:
        src = np.isin(cat_of_state, _cats(source))
        if kind == "entries":
            entry[src] *= factor
        elif kind == "exits":
            exit_[src] *= factor
        else:
            dst = np.isin(cat_of_state, _cats(dest))
            same_band = band_of_state[:, None] == band_of_state[None, :]
            other_cat = cat_of_state[:, None] != cat_of_state[None, :]
            mask = src[:, None] & dst[None, :] & same_band & other_cat  # not ageing
            move[mask] *= factor
    return rates_from_counts(entry, move, exit_, rates.exposure, rates.window_days)


# --- projection ------------------------------------------------------------------------------


def expm(a: np.ndarray) -> np.ndarray:
    """Matrix exponential of a (stack of) square matrices: scaling and squaring with an 18-term
    Taylor series; ample for generators whose daily rates are far below 1."""
    norm = np.abs(a).sum(axis=-1).max()
    squarings = max(0, int(np.ceil(np.log2(norm))) + 1) if norm > 0 else 0
    x = a / (2.0**squarings)
    eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    term = eye.copy()
    result = eye.copy()
    for k in range(1, 19):
        term = term @ x / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result


def one_day(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(exp(G), ∫₀¹ exp(Gs) ds) for a (stack of) generator(s): the day's moves of children present at
    its start, and where a unit-rate stream of entrants during the day ends up."""
    n = g.shape[-1]
    aug = np.zeros(g.shape[:-2] + (2 * n, 2 * n))
    aug[..., :n, :n] = g
    aug[..., :n, n:] = np.eye(n)
    e = expm(aug)
    return e[..., :n, :n], e[..., :n, n:]


@dataclass
class Projection:
    mean: np.ndarray  # (days + 1, 30) expected children by state, day 0 = as-at
    variance: np.ndarray  # (days + 1, k) variance of each weighted sum in `weights`


def project(initial: np.ndarray, rates: Rates, days: int, weights: np.ndarray) -> Projection:
    """Expected children by state for days 0..days from `initial` (children by state at day 0), and
    the process variance of the weighted sums `weights` (k, 30) or per day (days + 1, k, 30)."""
    initial = np.asarray(initial, dtype=float)
    step, inflow = one_day(rates.generator())
    entrants_per_day = rates.entries @ inflow
    w = np.broadcast_to(weights, (days + 1,) + np.shape(weights)[-2:])
    mean = np.zeros((days + 1, N_STATES))
    var = np.zeros((days + 1, w.shape[1]))
    reach = np.eye(N_STATES)  # P(t): where a child present at day 0 is at day t
    from_entrants = np.zeros(N_STATES)  # Λ(t): expected entrants (Poisson) by state
    for t in range(days + 1):
        if t:
            reach = reach @ step
            from_entrants = from_entrants @ step + entrants_per_day
        mean[t] = initial @ reach + from_entrants
        wt = w[t]
        pw = reach @ wt.T  # (30, k)
        pw2 = reach @ (wt.T**2)
        var[t] = initial @ (pw2 - pw**2) + from_entrants @ (wt.T**2)
    return Projection(mean, var)


def bootstrap_means(
    initial, rates: Rates, days: int, weights: np.ndarray, draws: int = 200, seed: int = 903
) -> np.ndarray:
    """(days + 1, k) variance across Poisson redraws of the event counts of the projected weighted
    sums: the part of the uncertainty that comes from estimating the rates."""
    rng = np.random.default_rng(seed)
    e = rng.poisson(rates.entry_count, size=(draws, N_STATES)).astype(float)
    m = rng.poisson(rates.move_count, size=(draws, N_STATES, N_STATES)).astype(float)
    x = rng.poisson(rates.exit_count, size=(draws, N_STATES)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_day = np.where(rates.exposure > 0, 1.0 / np.where(rates.exposure > 0, rates.exposure, 1), 0)
    moves = m * per_day[None, :, None]
    idx = np.arange(N_STATES)
    moves[:, idx, idx] = 0.0
    g = moves.copy()
    g[:, idx, idx] = -(moves.sum(axis=2) + x * per_day[None, :])
    step, inflow = one_day(g)
    entrants_per_day = np.einsum("bi,bij->bj", e / rates.window_days, inflow)
    w = np.broadcast_to(weights, (days + 1,) + np.shape(weights)[-2:])
    pop = np.broadcast_to(np.asarray(initial, dtype=float), (draws, N_STATES)).copy()
    out = np.zeros((days + 1, w.shape[1]))
    for t in range(days + 1):
        if t:
            pop = np.matmul(pop[:, None, :], step)[:, 0, :] + entrants_per_day
        out[t] = (pop @ w[t].T).var(axis=0)
    return out


# --- summaries -------------------------------------------------------------------------------


def category_weights() -> np.ndarray:
    """(7, 30): one row per category, then the total."""
    w = np.zeros((N_CATS + 1, N_STATES))
    for s in range(N_STATES):
        w[s % N_CATS, s] = 1.0
    w[N_CATS] = 1.0
    return w


def by_category(states: np.ndarray) -> np.ndarray:
    """(..., 30) children by state → (..., 6) by category."""
    return states.reshape(states.shape[:-1] + (N_BANDS, N_CATS)).sum(axis=-2)


def by_band(states: np.ndarray) -> np.ndarray:
    return states.reshape(states.shape[:-1] + (N_BANDS, N_CATS)).sum(axis=-1)


def errors(forecast: np.ndarray, actual: np.ndarray) -> dict:
    """Mean absolute error and mean absolute percentage error (points where actual > 0)."""
    forecast = np.asarray(forecast, dtype=float)
    actual = np.asarray(actual, dtype=float)
    if actual.size == 0:
        return {"mae": None, "mape": None, "points": 0}
    abs_err = np.abs(forecast - actual)
    pos = actual > 0
    return {
        "mae": round(float(abs_err.mean()), 3),
        "mape": round(float((abs_err[pos] / actual[pos]).mean() * 100), 3) if pos.any() else None,
        "points": int(actual.size),
    }
