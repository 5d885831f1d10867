"""The committee pack (issue 21, item 8): every section of a council committee report present,
public versions suppress small numbers by the scorecard's one rule (INDICATORS.md §0.3 rule 5), the
PDF's pages carry charts, the Word document has headings, tables and pictures."""

import datetime as dt
import io

import pytest

from safeguard.governance import demo, pack, services
from safeguard.performance.rules import SUPPRESSED

HEADINGS = ["1. Purpose of the report", "2. Recommendations", "3. Implications", "4. Supporting information"]


@pytest.fixture
def sets(council):
    return demo.load_demo_sets(council.analyst, dt.date(2026, 11, 1))


def test_every_section_of_a_committee_report_is_present(council, sets):
    built = pack.build(council.admin, 2027, 2, public=True)
    titles = [s.title for s in built.sections]
    assert titles[:4] == HEADINGS
    implications = [s.title for s in built.front[2].subsections]
    assert implications == ["3.1 Financial implications", "3.2 Legal implications", "3.3 Risk implications"]
    parts = [s.title for s in built.supporting.subsections]
    assert parts == [
        "Children and families",
        "Corporate parenting",
        "The IRO and Safeguarding Unit",
        "The LADO: allegations against adults who work with children",
        "Case file audits",
        "The improvement plan: self-assessment",
    ]
    assert any(t.startswith("Appendix A") for t in titles)
    assert "To give the committee" in built.front[0].paragraphs[0]
    assert len(built.front[1].paragraphs) == 2  # two recommendations, a blank line apart
    iro = built.supporting.subsections[2]
    assert "IRO Handbook's 50 to 70" in " ".join(iro.paragraphs)
    assert any("WF-02" in row[0] and row[1] == "50-70" for t in iro.tables for row in t.rows)


def test_the_lado_section_counts_allegations_and_names_none(council, sets):
    """KCSIE Part 4 keeps allegations apart: the pack carries the LADO annual report's counts, which
    those who read the council's figures (a head of service here) may read, and never an allegation;
    the read is audited as counts only."""
    from safeguard.audit.models import AuditEvent

    built = pack.build(council.hos, 2027, 2, public=True)
    lado = built.supporting.subsections[3]
    assert "referrals received in the year" in lado.paragraphs[0]
    assert AuditEvent.objects.filter(actor=council.hos, object_type="lado.Allegation", action="export",
                                     detail__figures_only=True).exists()


def test_public_suppresses_small_numbers_the_internal_version_shows_them(council, three_audits):
    """§0.3 rule 5 (C8): a count of 1-5 is shown as 'c' in public outputs."""
    s = services.scorecard_set_save(by=council.analyst, name="Small", measures=["QA-01"])
    services.committee_pack_save(
        by=council.analyst,
        year=2027,
        quarter=2,
        title="Pack",
        parts=[f"set:{s.pk}"],
        purpose="p",
        recommendations="r",
    )
    public = pack.build(council.analyst, 2027, 2, public=True)
    internal = pack.build(council.analyst, 2027, 2, public=False)
    q2 = public.supporting.subsections[0].tables[0].headers.index("Q2")
    assert internal.supporting.subsections[0].tables[0].rows[0][q2] == "3"
    assert public.supporting.subsections[0].tables[0].rows[0][q2] == SUPPRESSED
    assert "Q2 3" in internal.supporting.subsections[0].charts[0].description
    assert not public.supporting.subsections[0].charts  # nothing left to plot once suppressed
    assert pack._count(3, public=True) == SUPPRESSED and pack._count(6, public=True) == "6"
    assert pack._percent(50.0, 2, 4, public=True) == SUPPRESSED


def test_the_pdf_has_charts_on_its_first_pages(council, sets):
    """Done when: 'a test renders the PDF's first pages to images and checks that charts are present'."""
    import pypdfium2 as pdfium

    body = pack.to_pdf(pack.build(council.admin, 2027, 2, public=True))
    pdf = pdfium.PdfDocument(body)
    assert len(pdf) >= 4
    assert "page 1 of" in pdf[0].get_textpage().get_text_range()
    coloured = 0
    for i in range(4):
        image = pdf[i].render(scale=1).to_pil().convert("RGB")
        # The charts' line and bar colour (GOV.UK blue #1d70b8): pixels that are blue, not grey text.
        coloured += sum(1 for r, g, b in image.get_flattened_data() if b > 150 and r < 80 and b - r > 90)
    assert coloured > 200, "no chart found on the first four pages"


def test_the_word_document_has_headings_tables_and_pictures(council, sets):
    from docx import Document

    body = pack.to_docx(pack.build(council.admin, 2027, 2, public=True))
    doc = Document(io.BytesIO(body))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for h in HEADINGS:
        assert h in headings
    assert len(doc.tables) >= 4
    assert doc.tables[0].rows[0].cells[0].text == "Measure"
    assert len(doc.inline_shapes) >= 4


def test_no_child_is_named_in_the_pack(council, sets):
    from safeguard.people.models import Child

    built = pack.build(council.admin, 2027, 3, public=False)
    text = pack.to_html(built)
    for child in Child.objects.all():
        for name in (child.first_name, child.last_name):
            if name and len(name) > 3:
                assert name not in text


def test_the_pack_text_is_validated_and_versioned(council, sets):
    from safeguard.audit.models import AuditEvent
    from safeguard.core.errors import EditConflict, RecordInvalid

    with pytest.raises(RecordInvalid) as exc:
        services.committee_pack_save(by=council.analyst, year=2027, quarter=5, title="", parts=["set:999"])
    fields = {v.field for v in exc.value.violations}
    assert fields == {"quarter", "title", "purpose", "recommendations", "parts"}
    saved = services.committee_pack_save(
        by=council.analyst, year=2027, quarter=1, title="T", parts=["iro"], purpose="P", recommendations="R"
    )
    again = services.committee_pack_save(
        by=council.hos,
        year=2027,
        quarter=1,
        title="T2",
        parts=["iro"],
        purpose="P",
        recommendations="R",
        expected_version=saved.version,
    )
    assert again.version == 2 and again.history.count() == 2
    with pytest.raises(EditConflict):
        services.committee_pack_save(
            by=council.hos,
            year=2027,
            quarter=1,
            title="T3",
            parts=["iro"],
            purpose="P",
            recommendations="R",
            expected_version=1,
        )
    assert AuditEvent.objects.filter(detail__event="committee_pack_save").count() == 3  # demo's + 2


def test_the_command_writes_the_pack(council, sets, tmp_path):
    """`safeguard committee-pack --year 2027 --quarter 2 --format pdf|docx --public --out FILE`."""
    from django.core.management import call_command

    out = tmp_path / "pack.docx"
    call_command(
        "committee_pack", year=2027, quarter=2, format="docx", public=True, out=str(out), user="analyst"
    )
    assert out.read_bytes()[:2] == b"PK"
    pdf = tmp_path / "pack.pdf"
    call_command("committee_pack", "--year", "2027", "--quarter", "2", "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_the_self_assessment_reads_as_the_report_does(council, sets):
    """Issue 21, item 5: each recommendation with its background, progress, evidence (the figure the
    panel saw), evaluation in words and, until met, its monitoring (Cheshire East 2017 structure)."""
    from safeguard.assurance.improvement import services as improvement

    hos = council.hos
    inspection = improvement.inspection_record(by=hos, source="Ofsted ILACS inspection",
                                               reported_on=dt.date(2026, 5, 1))
    rec = improvement.recommendation_add(by=hos, inspection_id=inspection.pk, background="Drift found.",
                                         text="Improve the timeliness of assessments.")
    improvement.evidence_link_measure(by=hos, recommendation_id=rec.pk, indicator_id="AS-02")
    rec.refresh_from_db()
    improvement.judgement_record(by=hos, recommendation_id=rec.pk, expected_version=rec.version,
                                 judged_on=dt.date(2026, 9, 25), judgement="partly_met",
                                 agreed_by="Improvement board", commentary="Better, not yet sustained.",
                                 monitored_by="Improvement board, monthly")
    built = pack.build(hos, 2027, 2, public=False)
    part = next(s for s in built.supporting.subsections if s.title.startswith("The improvement plan"))
    item = part.subsections[0]
    text = " ".join(item.paragraphs + item.notes)
    assert item.title == "1. Improve the timeliness of assessments."
    assert "Background: Drift found." in text
    assert "Evaluation: Partly met, judged 25 September 2026 and agreed by Improvement board." in text
    assert "Monitoring arrangements: Improvement board, monthly" in text
    assert "partly_met" not in text and "EvidenceItem" not in text
    evidence = item.tables[-1]
    assert evidence.caption == "Evidence" and evidence.rows[0][0].startswith("Assessments completed")
