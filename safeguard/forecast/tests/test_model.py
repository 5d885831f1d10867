"""The stock-and-flow model on small hand-made populations whose future is known exactly.

Sources: SSDA903 guidance (episodes, DECOM/DEC, PLACE rule 146, PLACE_PROVIDER rule 178;
STANDARDS.md); DfE "Children looked after in England" age bands; issue 8 (the forecast's rules).
"""

import datetime as dt
import math

import numpy as np
import pytest

from safeguard.forecast import model, report
from safeguard.forecast.model import CATEGORIES, N_CATS
from safeguard.forecast.ssda903 import ReadError, read_folder, write_folder

D = dt.date
day = model.day_number
RES, IN_HOUSE, IFA, KIN = model.RESIDENTIAL, model.IN_HOUSE, model.INDEPENDENT, model.KINSHIP
NO_COST = [{"category": c, "weekly_cost": 0, "effective_from": None, "source": ""} for c in CATEGORIES]


def episodes(rows):
    """rows: (child, dob, start, end or None, category)."""
    child, dob, start, end, cat = zip(*rows, strict=True)
    return model.prepare(
        child, [day(d) for d in dob], [day(s) for s in start], [day(e) if e else -1 for e in end], cat
    )


@pytest.mark.parametrize(
    "place,provider,category",
    [
        ("U1", "PR1", "kinship"),
        ("U3", "", "kinship"),
        ("U4", "PR1", "in_house_fostering"),
        ("U6", "PR2", "in_house_fostering"),
        ("U6", "PR4", "independent_fostering"),
        ("U5", "PR5", "independent_fostering"),
        ("K2", "PR4", "residential"),
        ("K1", "PR1", "residential"),
        ("R1", "PR4", "residential"),
        ("K3", "PR4", "supported_accommodation"),
        ("H5", "PR4", "supported_accommodation"),
        ("P1", "PR0", "other"),
        ("A5", "PR1", "other"),
        ("T1", "", "other"),
        ("Z12", "", "other"),
    ],
)
def test_placement_categories(place, provider, category):
    """PLACE (903 rule 146) and PLACE_PROVIDER (rule 178) to the issue's cost categories."""
    assert CATEGORIES[model.category_of(place, provider)] == category
    assert CATEGORIES[model.categorise([place], [provider])[0]] == category


def test_no_entries_and_a_fixed_exit_rate_decay_geometrically():
    """1,000 children in care all through a 100-day window, 10 leave on days 10, 20, …, 100: the exit
    rate is 10 / child-days and, with no entries, the expected number left decays as N·exp(−r·t)
    (one-day survival exp(−r): geometric in days) with binomial variance."""
    first = D(2025, 1, 1)
    rows = []
    for c in range(1000):
        leaves = first + dt.timedelta(days=10 * (c + 1)) if c < 10 else None
        rows.append((c, D(2014, 6, 1), D(2024, 1, 1), leaves, IN_HOUSE))
    ep = episodes(rows)
    last = first + dt.timedelta(days=100)
    rates = model.fit(ep, day(first), day(last))
    exposure = sum(10 * (c + 1) for c in range(10)) + 990 * 100
    state = 3 * N_CATS + IN_HOUSE  # 10 to 15, in-house fostering
    assert rates.exposure[state] == exposure
    assert rates.exit_count[state] == 10
    assert rates.entries.sum() == 0
    r = 10 / exposure
    initial = model.daily_states(ep, day(last), day(last))[0]
    assert initial.sum() == 990
    proj = model.project(initial, rates, 365, model.category_weights())
    for t in (1, 30, 365):
        assert proj.mean[t].sum() == pytest.approx(990 * math.exp(-r * t), rel=1e-9)
        p = math.exp(-r * t)
        assert proj.variance[t, N_CATS] == pytest.approx(990 * p * (1 - p), rel=1e-9)
    assert proj.mean[365].sum() / proj.mean[364].sum() == pytest.approx(math.exp(-r), rel=1e-12)


def test_entries_and_exits_approach_their_balance():
    """Poisson entries λ a day and exit rate r: expected stock λ/r·(1 − e^(−rt)) from empty, and its
    variance equals its mean (Poisson)."""
    lam, r = 0.5, 0.01
    entry = np.zeros(model.N_STATES)
    entry[4 * N_CATS + RES] = lam * 100
    exits = np.zeros(model.N_STATES)
    exits[4 * N_CATS + RES] = r * 1000
    exposure = np.full(model.N_STATES, 1000.0)
    rates = model.rates_from_counts(entry, np.zeros((30, 30)), exits, exposure, 100)
    proj = model.project(np.zeros(30), rates, 400, model.category_weights())
    for t in (10, 400):
        expected = lam / r * (1 - math.exp(-r * t))
        assert proj.mean[t].sum() == pytest.approx(expected, rel=1e-9)
        assert proj.variance[t, N_CATS] == pytest.approx(expected, rel=1e-9)


def test_daily_states_move_a_child_between_age_bands_on_the_birthday():
    """DfE age bands under 1 / 1 to 4 / …: counted by age on the day; the first birthday moves the
    child from 'under 1' to '1 to 4' (and a 29 February birthday falls on 1 March)."""
    ep = episodes([(1, D(2024, 2, 29), D(2024, 6, 1), None, KIN)])
    states = model.daily_states(ep, day(D(2025, 2, 27)), day(D(2025, 3, 2)))
    under1, one_to_4 = KIN, N_CATS + KIN
    assert [int(s[under1]) for s in states] == [1, 1, 0, 0]  # 27, 28 Feb; 1, 2 Mar
    assert [int(s[one_to_4]) for s in states] == [0, 0, 1, 1]


def test_ageing_between_bands_is_estimated_and_projected():
    """Children aged 15 move into '16 and over' on their 16th birthday: 10 birthdays in the window
    give the ageing rate (10 over the child-days aged 15), and the projection moves children
    between bands at that rate while the total stays (no exits, no entries)."""
    first, last = D(2025, 1, 1), D(2025, 12, 31)
    rows = [(c, D(2009, 1, 16) + dt.timedelta(days=30 * c), D(2020, 1, 1), None, RES) for c in range(10)]
    rows += [(100 + c, D(2012, 1, 1), D(2020, 1, 1), None, RES) for c in range(10)]  # 13: no birthday band
    ep = episodes(rows)
    rates = model.fit(ep, day(first), day(last))
    b15, b16 = 3 * N_CATS + RES, 4 * N_CATS + RES
    assert rates.move_count[b15, b16] == 10
    days_at_15 = sum((D(2025, 1, 16) + dt.timedelta(days=30 * c) - first).days for c in range(10)) + 10 * 364
    assert rates.exposure[b15] == days_at_15
    assert rates.exits.sum() == 0
    proj = model.project(
        np.array([10.0 if s == b15 else 0.0 for s in range(30)]), rates, 200, model.category_weights()
    )
    a = 10 / days_at_15
    assert proj.mean[200, b15] == pytest.approx(10 * math.exp(-a * 200), rel=1e-9)
    assert proj.mean[200].sum() == pytest.approx(10, rel=1e-12)


def test_transitions_between_placement_types():
    """A change of placement (DEC of one episode = DECOM of the next, 903 RNE P) moves the child to
    the new category; an exit is an episode with no successor."""
    first, last = D(2025, 1, 1), D(2025, 12, 31)
    ep = episodes(
        [
            (1, D(2012, 1, 1), D(2024, 1, 1), D(2025, 3, 1), RES),
            (1, D(2012, 1, 1), D(2025, 3, 1), None, IFA),
            (2, D(2012, 1, 1), D(2024, 1, 1), D(2025, 3, 1), RES),
            (2, D(2012, 1, 1), D(2025, 3, 1), None, RES),  # same category: not a transition
            (3, D(2012, 1, 1), D(2025, 6, 1), D(2025, 9, 1), RES),  # entry then exit
        ]
    )
    rates = model.fit(ep, day(first), day(last))
    res, ifa = 3 * N_CATS + RES, 3 * N_CATS + IFA
    assert rates.move_count[res, ifa] == 1
    assert rates.move_count.sum() == 1
    assert rates.exit_count[res] == 1
    assert rates.entry_count[res] == 1
    assert rates.entries[res] == pytest.approx(1 / 364)


def test_repeated_and_overlapping_episodes_are_cleaned():
    """An open episode reported in one 903 year and closed in the next is one episode; an episode
    overlapping the next is ended when the next starts."""
    ep = episodes(
        [
            (1, D(2012, 1, 1), D(2024, 1, 1), None, RES),
            (1, D(2012, 1, 1), D(2024, 1, 1), D(2024, 6, 1), RES),
            (1, D(2012, 1, 1), D(2024, 5, 1), None, IN_HOUSE),
        ]
    )
    assert len(ep) == 2
    assert model.date_of(ep.end[0]) == D(2024, 5, 1)
    assert bool(ep.continues_to[0]) and bool(ep.continues_from[1])


def stable(n_res=10, n_in_house=0):
    """Children in care since 2020 with no events at all: the projection must stay flat."""
    rows = [(c, D(2014, 6, 1), D(2020, 1, 1), None, RES) for c in range(n_res)]
    rows += [(100 + c, D(2014, 6, 1), D(2020, 1, 1), None, IN_HOUSE) for c in range(n_in_house)]
    return episodes(rows)


def test_cost_is_children_times_weekly_cost():
    """Cost = children in each category × the council's weekly cost for it (issue 8), per day
    (weekly / 7) summed over the month: 10 in residential at £7,000 a week and 4 in-house at £700
    for April (30 days) = 10×1000×30 + 4×100×30; a new rate from 1 May applies from May."""
    costs = [{"category": c, "weekly_cost": 0, "effective_from": None, "source": ""} for c in CATEGORIES]
    costs[RES]["weekly_cost"] = 7000
    costs[IN_HOUSE]["weekly_cost"] = 700
    costs.append(
        {"category": "residential", "weekly_cost": 14000, "effective_from": D(2026, 5, 1), "source": "uplift"}
    )
    result = report.build_forecast(
        stable(10, 4), as_at=D(2026, 3, 31), reference_months=12, horizon_months=3, cost_rows=costs, draws=0
    )
    april, may = result["baseline"][0], result["baseline"][1]
    assert april["date"] == "2026-04-30"
    assert april["total"]["mean"] == pytest.approx(14)
    assert april["cost"]["mean"] == 10 * 1000 * 30 + 4 * 100 * 30
    assert may["cost"]["mean"] == 10 * 2000 * 31 + 4 * 100 * 31
    assert april["total"]["low"] == pytest.approx(14) == april["total"]["high"]  # nothing can change


def test_scenario_multipliers_scale_the_rates_they_name():
    """'10% fewer residential entries' (issue 8): a scenario multiplies only the named rates, and
    from an empty start the residential projection is exactly 0.9 of the baseline (linear in λ)."""
    entry = np.zeros(30)
    entry[4 * N_CATS + RES] = 50
    entry[4 * N_CATS + IN_HOUSE] = 50
    exits = np.full(30, 5.0)
    rates = model.rates_from_counts(entry, np.zeros((30, 30)), exits, np.full(30, 1000.0), 100)
    scen = model.adjusted(rates, [model.parse_adjustment("entries:residential=0.9")])
    assert scen.entries[4 * N_CATS + RES] == pytest.approx(0.45)
    assert scen.entries[4 * N_CATS + IN_HOUSE] == pytest.approx(0.5)
    w = model.category_weights()
    base = model.project(np.zeros(30), rates, 100, w).mean
    new = model.project(np.zeros(30), scen, 100, w).mean
    assert model.by_category(new[100])[RES] == pytest.approx(0.9 * model.by_category(base[100])[RES])
    assert model.by_category(new[100])[IN_HOUSE] == pytest.approx(model.by_category(base[100])[IN_HOUSE])
    assert model.adjusted(rates, [model.parse_adjustment("exits:*=2")]).exits[0] == pytest.approx(0.01)


@pytest.mark.parametrize(
    "text", ["entries:residential", "entries:castle=0.9", "arrivals:*=1", "exits:residential=-1"]
)
def test_bad_adjustments_are_refused_with_the_rule(text):
    with pytest.raises(ValueError, match="adjustment|category"):
        model.parse_adjustment(text)


def test_scenario_output_compares_with_baseline():
    """The forecast with an adjustment reports scenario − baseline for each month."""
    rows = [(c, D(2012, 1, 1), D(2025, 1, 1) + dt.timedelta(days=3 * c), None, RES) for c in range(100)]
    result = report.build_forecast(
        episodes(rows),
        as_at=D(2026, 3, 31),
        reference_months=12,
        horizon_months=6,
        cost_rows=NO_COST,
        adjustments=["entries:residential=0.5"],
        draws=20,
    )
    diffs = [d["by_category"]["residential"] for d in result["scenario_minus_baseline"]]
    assert all(d < 0 for d in diffs) and diffs == sorted(diffs, reverse=True)
    assert result["scenario"][0]["total"]["mean"] < result["baseline"][0]["total"]["mean"]


def test_backtest_on_a_constructed_history():
    """Two children enter in-house fostering every week for two years and stay: fitted before the
    origin, the projection follows what happened (error under one child); when entries stop at the
    origin the backtest reports the error it should (the growth that did not happen)."""
    start = D(2023, 4, 1)
    rows, c = [], 0
    for w in range(52 * 3):
        for _ in range(2):
            rows.append((c, D(2015, 1, 1), start + dt.timedelta(days=7 * w), None, IN_HOUSE))
            c += 1
    ep = episodes(rows)
    result = report.build_backtest(
        ep, origin=D(2025, 3, 31), reference_months=24, horizon_months=12, actual_until=D(2026, 3, 31)
    )
    assert result["errors"]["total"]["points"] == 12
    assert result["errors"]["total"]["mae"] < 1.5
    assert result["errors"]["total"]["mape"] < 1
    stopped = episodes([r for r in rows if r[2] <= D(2025, 3, 31)])
    result = report.build_backtest(
        stopped, origin=D(2025, 3, 31), reference_months=24, horizon_months=12, actual_until=D(2026, 3, 31)
    )
    proj = [m["projected"]["in_house_fostering"] for m in result["months"]]
    actual = [m["actual"]["in_house_fostering"] for m in result["months"]]
    assert len(set(actual)) == 1
    assert result["errors"]["in_house_fostering"]["mae"] == pytest.approx(
        np.mean(np.abs(np.array(proj) - actual)), abs=1e-3
    )
    assert result["errors"]["in_house_fostering"]["mae"] > 40  # about two a week for half a year on average


def test_ssda903_folder_reads_and_refuses_bad_dates(tmp_path):
    """903 Header and Episodes CSVs (DD/MM/YYYY), one folder per year; the same episode repeated in
    both years is counted once; a bad date names file, line and column; an episode whose child is
    not in the Header is refused (903 INT03)."""
    write_folder(
        tmp_path / "2025",
        ["A", "B"],
        [D(2012, 1, 1), D(2010, 5, 5)],
        [("A", D(2024, 5, 1), None, "U4", "PR4"), ("B", D(2024, 6, 1), D(2025, 1, 1), "K2", "PR4")],
    )
    write_folder(
        tmp_path / "2026",
        ["A"],
        [D(2012, 1, 1)],
        [("A", D(2024, 5, 1), D(2025, 6, 1), "U4", "PR4"), ("A", D(2025, 6, 1), None, "U1", "")],
    )
    ep = read_folder(tmp_path)
    assert len(ep) == 3
    assert sorted(CATEGORIES[c] for c in ep.category) == ["independent_fostering", "kinship", "residential"]
    bad = tmp_path / "2026" / "episodes.csv"
    bad.write_text(bad.read_text().replace("01/06/2025", "31/06/2025", 1))
    with pytest.raises(ReadError, match=r"episodes.csv:2:DECOM|episodes.csv:2:DEC"):
        read_folder(tmp_path)
    write_folder(tmp_path / "2026", ["A"], [D(2012, 1, 1)], [("Z", D(2024, 5, 1), None, "U4", "PR4")])
    with pytest.raises(ReadError, match="INT03"):
        read_folder(tmp_path)


def test_standalone_command_on_903_files(tmp_path, capsys):
    """`python -m safeguard.forecast --ssda903 DIR` forecasts from the Header and Episodes tables alone
    with the default weekly costs, and names the folder when it cannot read it."""
    from safeguard.forecast.__main__ import main

    write_folder(tmp_path / "2026", ["A", "B"], [D(2012, 1, 1), D(2010, 5, 5)],
                 [("A", D(2023, 5, 1), None, "U4", "PR4"), ("B", D(2023, 6, 1), None, "K2", "PR4")])
    out = tmp_path / "f.json"
    assert main(["--ssda903", str(tmp_path), "--as-at", "2026-03-31", "--horizon-months", "3",
                 "--out", str(out)]) == 0
    import json

    data = json.loads(out.read_text())
    assert data["in_care_at_as_at"]["total"] == 2
    assert data["baseline"][0]["cost"]["mean"] == round((1000 + 5500) / 7 * 30)  # no events: flat
    assert main(["--ssda903", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
