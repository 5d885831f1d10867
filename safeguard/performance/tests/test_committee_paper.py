"""The committee's scorecard (issue 21 item 7): words where the catalogue has codes, comparators and
targets shown with their source, an A4 landscape PDF whose trend charts are drawn (not cut off), and
comparators shipped as data and refreshed from a file whole or not at all.

Sources of the rules checked: INDICATORS.md Part C (C1 row schema, C2 polarity, C3 comparators: the
England row of the DfE's published data set with its year and source; C4 targets; C5 RAG), and §0.3
rule 5 (suppression in public outputs)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid
from safeguard.performance import comparators
from safeguard.performance.models import Comparator, MeasureSetting
from safeguard.performance.render import render_html, render_pdf, section_summary
from safeguard.performance.scorecard import build_scorecard

D = dt.date
ONLY = ["FD-03", "FD-05", "AS-02", "CP-09", "LAC-01"]


@pytest.fixture
def referrals(la, front, make_child):
    """Referrals in every quarter of 2025-26 and a re-referral, so FD-05 has a trend."""
    for month in (4, 5, 7, 8, 10, 11):
        for n in range(3):
            child = make_child()
            r = front.refer(child, D(2025, month, 2 + n))
            if n == 0:
                front.close(r, D(2025, month, 20))
                front.refer(child, D(2025, month + 1, 25))
    return la


@pytest.mark.django_db
def test_shipped_england_averages_and_default_targets_are_loaded_by_default(la):
    """C3: England averages come with the product, each with its publication, year and address;
    C4: a default target applies where the council set none, so the measure is rated."""
    national = {(c.indicator_id, c.kind): c for c in Comparator.objects.filter(local_authority=None)}
    england = national[("FD-05", "england")]
    assert england.value == 22.6 and england.year == "2024-25"
    assert "Children in need" in england.publication and england.url.startswith("https://")
    assert national[("CP-09", "target")].operator == "band"
    card = build_scorecard(la, 2026, 2, indicator_ids=["FD-05", "CP-09"])
    rows = {r.id: r for r in card.rows}
    assert rows["FD-05"].england_average == 22.6 and rows["FD-05"].comparator_year == "2024-25"
    assert str(rows["FD-05"].target) == "<=22.6" and rows["FD-05"].target_type == "DEFAULT"
    assert (rows["CP-09"].target.value, rows["CP-09"].target.high) == (10, 15)


@pytest.mark.django_db
def test_the_councils_own_figures_win_and_a_council_may_refuse_the_default_target(la):
    """C3/C4: the council's own comparator and target replace the shipped ones; a council that wants
    a measure unrated sets use_default_target off."""
    MeasureSetting.objects.create(local_authority=la, indicator_id="FD-05", england_average=21.0,
                                  target_operator="<", target=18)
    MeasureSetting.objects.create(local_authority=la, indicator_id="AS-02", use_default_target=False)
    rows = {r.id: r for r in build_scorecard(la, 2026, 2, indicator_ids=["FD-05", "AS-02"]).rows}
    assert rows["FD-05"].england_average == 21.0 and str(rows["FD-05"].target) == "<18"
    assert rows["AS-02"].england_average == 85.7 and str(rows["AS-02"].target) == ""


@pytest.mark.django_db
def test_paper_uses_words_not_codes_and_shows_comparator_and_target(referrals, la):
    """C1/C2: polarity, period basis, status and RAG in words a committee reads; the England
    comparator with its year, and the target, beside the figure."""
    html = render_html(build_scorecard(la, 2026, 2, indicator_ids=ONLY), public=True)
    for code in ("LOW_GOOD", "HIGH_GOOD", ">NONE<", "IN_PERIOD", " · held", "&middot; held"):
        assert code not in html, code
    assert "Lower is better" in html and "No target: context only" in html
    assert "Counted in the period; from the record" in html
    assert "at most 22.6% (default)" in html and "10.0% to 15.0% (default)" in html
    assert "22.6%<br><span class='small'>2024-25</span>" in html
    assert "Children in need, reporting year 2025" in html  # the source, cited at the end
    assert "Not rated" in html and ("Green" in html or "Red" in html or "Amber" in html)
    assert "<svg" in html  # trends drawn by the charting library


@pytest.mark.django_db
def test_summary_counts_rag_by_section(referrals, la):
    """C1: the RAG tally a committee report carries, here per section."""
    card = build_scorecard(la, 2026, 2, indicator_ids=ONLY)
    summary = {s["section"]: s for s in section_summary(card)}
    assert sum(s["measures"] for s in summary.values()) == len(card.rows)
    fd05 = next(r for r in card.rows if r.id == "FD-05")
    assert fd05.rag in ("G", "A", "R")
    assert summary[fd05.section][fd05.rag] >= 1


@pytest.mark.django_db
def test_pdf_is_landscape_a4_with_page_numbers_and_drawn_charts(referrals, la, tmp_path):
    """The committee paper prints on A4 landscape (297 x 210 mm), nothing cut: the trend column is
    inside the page and its charts have drawn (non-white) pixels."""
    pdfium = pytest.importorskip("pypdfium2")
    path = tmp_path / "card.pdf"
    render_pdf(build_scorecard(la, 2026, 2, indicator_ids=ONLY), path, public=True)
    pdf = pdfium.PdfDocument(str(path))
    assert len(pdf) >= 1
    for page in pdf:
        width, height = page.get_size()  # points: 1 mm = 72 / 25.4
        assert abs(width - 841.9) < 2 and abs(height - 595.3) < 2
    text = pdf[0].get_textpage().get_text_range()
    assert f"Page 1 of {len(pdf)}" in text and "2025-26 Q2" in text
    image = pdf[0].render(scale=1).to_pil().convert("RGB")
    # The trend column is the rightmost 12% of the table: blue (#1d70b8) line pixels drawn there.
    right = image.crop((int(image.width * 0.84), 0, image.width - 20, image.height))
    blue = sum(1 for r, g, b in right.get_flattened_data() if b > 150 and r < 80 and 80 < g < 150)
    assert blue > 20


HEADER = "measure_id,kind,operator,value,value_high,neighbours,year,publication,url,note\n"


def _write(tmp_path, text, name="figures.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_a_bad_file_names_the_line_and_rule_and_loads_nothing(la, tmp_path):
    """All or nothing: one bad line refuses the whole file and the shipped figures stay."""
    before = list(Comparator.objects.values_list("indicator_id", "kind", "value"))
    path = _write(tmp_path, HEADER +
                  "FD-05,england,,21.0,,,2025-26,DfE CIN 2026,https://example.org,\n"
                  "AS-02,england,,185,,,2025-26,DfE CIN 2026,,\n"
                  "XX-99,england,,5,,,2025-26,DfE,,\n"
                  "CP-04,england,,80,,,2025,DfE,,\n"
                  "CP-09,target,band,15,10,,2025-26,local,,\n")
    with pytest.raises(RecordInvalid) as exc:
        comparators.load(path)
    found = {(v.field, v.rule) for v in exc.value.violations}
    assert ("figures.csv:3:value", "PERF-COMPARATOR-RANGE") in found  # 185% is not a percentage
    assert ("figures.csv:4:measure_id", "PERF-COMPARATOR-MEASURE") in found
    assert ("figures.csv:5:year", "PERF-COMPARATOR-YEAR") in found
    assert ("figures.csv:6:value_high", "PERF-COMPARATOR-TARGET") in found
    assert "185 is a percentage, so must be 0 to 100" in " ".join(v.message for v in exc.value.violations)
    assert list(Comparator.objects.values_list("indicator_id", "kind", "value")) == before


@pytest.mark.django_db
def test_command_refreshes_national_figures_and_loads_a_councils_lait_neighbours(la, tmp_path):
    """`safeguard scorecard comparators [FILE]`: the national file replaces the national figures
    (audited); with a council, a LAIT-style file gives that council's statistical neighbours (C3)."""
    national = _write(tmp_path, HEADER +
                      "FD-05,england,,21.9,,,2025-26,DfE Children in need 2026,https://example.org/c1,\n")
    out = io.StringIO()
    call_command("scorecard", "comparators", str(national), stdout=out)
    assert "1 figures" in out.getvalue()
    assert list(Comparator.objects.filter(local_authority=None).values_list("indicator_id", "value")) == [
        ("FD-05", 21.9)]
    lait = _write(tmp_path, "measure_id,year,statistical_neighbour_average,neighbours,publication\n"
                  "FD-05,2024-25,20.4,10,LAIT statistical neighbours 2025\n", "lait.csv")
    call_command("scorecard", "comparators", str(lait), "--la-code", la.code, stdout=io.StringIO())
    row = build_scorecard(la, 2026, 2, indicator_ids=["FD-05"]).rows[0]
    assert (row.statistical_neighbour_average, row.statistical_neighbour_n) == (20.4, 10)
    assert row.england_average == 21.9
    assert AuditEvent.objects.filter(object_type="performance.Comparator", action="import").count() == 2
    call_command("scorecard", "comparators", stdout=io.StringIO())  # back to the shipped file
    assert Comparator.objects.filter(local_authority=None, indicator_id="FD-05", kind="england").get().value \
        == 22.6
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("scorecard", "comparators", str(national), "--la-code", la.code, stderr=io.StringIO())
