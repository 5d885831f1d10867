"""The scorecard page as a summary that opens into detail (issue 21 item 7): RAG counts per section,
each section a GOV.UK details element; a section's own page carries its trend charts; the page reads
kept figures in a fixed number of queries. Rules: INDICATORS.md C1 (the RAG tally by section), C3
(England comparator shown with its year)."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.web.tests.test_performance_pages import Q2, two_in_care  # noqa: F401 - fixture


@pytest.mark.django_db
def test_summary_then_section_with_charts_in_a_fixed_number_of_queries(two_in_care, client_for):  # noqa: F811
    client = client_for(two_in_care.analyst)
    assert client.get("/performance/", Q2).status_code == 200  # computes and keeps the figures
    counts, took = [], []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get("/performance/", Q2)
            took.append(time.perf_counter() - start)
        counts.append(len(ctx))
    body = response.content.decode()
    print(f"summary page: {counts[-1]} queries, {min(took) * 1000:.0f} ms")
    assert counts[0] == counts[1] and counts[1] <= 40
    assert "class='govuk-details'" in body and "Looked after: " in body and "not rated" in body
    assert "<svg" not in body  # the summary carries no charts
    assert "section=looked-after" in body
    section = client.get("/performance/", {**Q2, "section": "looked-after"})
    page = section.content.decode()
    assert section.status_code == 200 and "<svg" in page and "Back to the scorecard summary" in page
    assert "LAC-01" in page and "FD-05" not in page  # that section only
    assert " style=" not in page and "<style" not in page  # the strict CSP holds with charts
    front = client.get("/performance/", {**Q2, "section": "front-door"}).content.decode()
    assert "22.6%" in front and "2024-25" in front  # England re-referrals, with its year
