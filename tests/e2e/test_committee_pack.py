"""Issue 21, items 6 and 8, in a real browser: an analyst opens the council's scorecards, views one,
writes the purpose and recommendations of the Q2 committee pack, and downloads it as PDF and as Word;
the test opens both (the PDF's first pages rendered to images with charts on them, the Word document's
headings, tables and pictures). Every page passes axe-core with no serious or critical violation."""

from __future__ import annotations

import datetime as dt
import io

import pypdfium2 as pdfium
from docx import Document
from playwright.sync_api import expect

from safeguard.governance.demo import load_demo_sets
from safeguard.governance.models import CommitteePack
from safeguard.timescales.services import calendar_seed
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import shot


def _checked(page, name):
    assert axe_violations(page) == [], name
    shot(page, f"pack-{name}")


def test_the_q2_committee_pack_as_pdf_and_word(world, sign_in, site, tmp_path):
    page = sign_in("analyst")  # before the calendar: the analyst's landing page would build the scorecard
    calendar_seed(first_year=2015, last_year=2030)  # a transactional test empties the migration's calendar
    load_demo_sets(world.analyst, dt.date(2026, 11, 1))
    page.goto(f"{site}/governance/sets/")
    expect(page.get_by_role("heading", name="Scorecards")).to_be_visible()
    _checked(page, "sets")
    page.get_by_role("link", name="Corporate parenting").click()
    expect(page.get_by_role("heading", name="Corporate parenting", exact=True)).to_be_visible()
    page.get_by_label("Reporting year (by its ending)").fill("2027")
    page.get_by_label("Quarter").select_option("2")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".sg-scorecard")).to_contain_text("LAC-05")
    _checked(page, "set")

    page.goto(f"{site}/governance/pack/?year=2027&quarter=2")
    expect(page.get_by_role("heading", name="Committee pack, 2026-27 Q2")).to_be_visible()
    page.get_by_label("Purpose of the report").fill("")
    page.get_by_role("button", name="Save the pack's words").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Purpose of the report")
    _checked(page, "error")
    page.get_by_label("Purpose of the report").fill("To report the quarter's performance to the committee.")
    page.get_by_label("Recommendations").fill(
        "That the committee notes the report.\n\nThat the committee asks for a report on initial conferences."
    )
    page.get_by_role("button", name="Save the pack's words").click()
    expect(page.get_by_text("The pack's words are saved")).to_be_visible()
    _checked(page, "saved")
    assert CommitteePack.objects.get(year=2027, quarter=2).purpose.startswith("To report the quarter")

    with page.expect_download(timeout=120_000) as got:
        page.get_by_role("link", name="The pack as PDF (public version)").click()
    pdf_path = tmp_path / got.value.suggested_filename
    got.value.save_as(pdf_path)
    pdf = pdfium.PdfDocument(str(pdf_path))
    assert len(pdf) >= 4
    assert "To report the quarter's performance" in pdf[0].get_textpage().get_text_range()
    blue = 0
    for i in range(4):
        image = pdf[i].render(scale=1).to_pil().convert("RGB")
        blue += sum(1 for r, g, b in image.get_flattened_data() if b > 150 and r < 80 and b - r > 90)
    assert blue > 200, "the PDF's first pages carry no chart"

    with page.expect_download(timeout=120_000) as got:
        page.get_by_role("link", name="The pack as a Word document (public version)").click()
    docx_path = tmp_path / got.value.suggested_filename
    got.value.save_as(docx_path)
    doc = Document(io.BytesIO(docx_path.read_bytes()))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "2. Recommendations" in headings and "4. Supporting information" in headings
    assert any("That the committee notes the report." == p.text for p in doc.paragraphs)
    assert doc.tables and doc.inline_shapes
