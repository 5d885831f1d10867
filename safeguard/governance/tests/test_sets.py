"""Scorecards as sets (issue 21, item 6): validation naming the field, unknown measures refused,
versions and the audit, the set's own order, targets and commentary."""

import pytest
from django.core.exceptions import PermissionDenied

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.governance import selectors, services
from safeguard.governance.models import ScorecardSet, SetCommentary


def _save(by, **kw):
    args = dict(
        name="Corporate parenting", measures=["LAC-05", "LAC-01", "CP-04"], targets={"LAC-05": "<=10"}
    )
    args.update(kw)
    return services.scorecard_set_save(by=by, **args)


def test_a_set_keeps_its_order_and_targets_and_is_audited(council):
    s = _save(council.analyst)
    assert [m.indicator_id for m in s.measures.all()] == ["LAC-05", "LAC-01", "CP-04"]
    assert s.measures.get(indicator_id="LAC-05").target == "<=10"
    event = AuditEvent.objects.get(detail__event="scorecard_set_save")
    assert event.action == "create"
    assert event.detail["changes"]["measures"] == [None, ["LAC-05 <=10", "LAC-01", "CP-04"]]
    assert s.history.count() == 1


def test_an_edit_needs_the_version_read_and_keeps_the_last(council):
    s = _save(council.analyst)
    s2 = _save(council.hos, set_id=s.pk, expected_version=1, measures=["CP-04", "LAC-05"], targets={})
    assert s2.version == 2
    assert [m.indicator_id for m in s2.measures.all()] == ["CP-04", "LAC-05"]
    assert s2.history.count() == 2
    with pytest.raises(EditConflict):
        _save(council.hos, set_id=s.pk, expected_version=1)
    last = AuditEvent.objects.filter(detail__event="scorecard_set_save").order_by("pk").last()
    assert last.action == "update"
    assert last.detail["changes"]["measures"][1] == ["CP-04", "LAC-05"]


def test_an_unknown_measure_is_refused_naming_the_field(council):
    with pytest.raises(RecordInvalid) as exc:
        _save(council.analyst, measures=["LAC-05", "XX-99"], targets={"LAC-05": "lots"})
    fields = {v.field: v.message for v in exc.value.violations}
    assert "XX-99" in fields["measures"] and "catalogue" in fields["measures"]
    assert "lots" in fields["targets"]
    assert not ScorecardSet.objects.exists()


def test_a_name_is_required_and_one_per_council(council):
    _save(council.analyst)
    with pytest.raises(RecordInvalid) as exc:
        _save(council.analyst, name="corporate PARENTING")
    assert exc.value.violations[0].field == "name"
    with pytest.raises(RecordInvalid) as exc:
        _save(council.analyst, name=" ", measures=[], targets={})
    assert {v.field for v in exc.value.violations} == {"name", "measures"}


def test_only_heads_of_service_analysts_and_administrators_write(council):
    for who in (council.tm_a, council.councillor, council.sw_a, council.iro):
        with pytest.raises(PermissionDenied):
            _save(who)
    for who, name in ((council.hos, "A"), (council.admin, "B")):
        assert _save(who, name=name).pk


def test_the_set_is_the_scorecard_in_its_order_judged_by_its_own_target(council, three_audits):
    """INDICATORS.md C5: RAG against target; the set's target replaces the council's, judged by the
    scorecard's one rule (performance.rules.rag)."""
    s = _save(council.analyst, measures=["QA-01", "FD-03"], targets={"QA-01": ">=10"})
    card = selectors.set_scorecard(s, 2027, 2)
    assert [r.id for r in card.rows] == ["QA-01", "FD-03"]
    qa = card.rows[0]
    assert str(qa.target) == ">=10" and qa.value == 3
    assert qa.rag == "R"  # 3 against at least 10, beyond the 5% tolerance
    s = _save(council.analyst, set_id=s.pk, expected_version=1, measures=["QA-01"], targets={"QA-01": ">=3"})
    assert selectors.set_scorecard(s, 2027, 2).rows[0].rag == "G"


def test_commentary_is_the_sets_own_and_kept(council):
    s = _save(council.analyst)
    label = selectors.period_label(2027, 2)
    assert (
        services.set_commentary_save(
            by=council.analyst,
            set_id=s.pk,
            period_label=label,
            texts={"LAC-05": "Two moves in the quarter were planned."},
        )
        == 1
    )
    card = selectors.set_scorecard(s, 2027, 2)
    assert card.rows[0].commentary == "Two moves in the quarter were planned."
    with pytest.raises(RecordInvalid) as exc:
        services.set_commentary_save(
            by=council.analyst, set_id=s.pk, period_label=label, texts={"FD-01": "not in the set"}
        )
    assert exc.value.violations[0].field == "comment_FD-01"
    services.set_commentary_save(by=council.analyst, set_id=s.pk, period_label=label, texts={"LAC-05": ""})
    assert not SetCommentary.objects.exists()
    assert SetCommentary.history.count() == 2
    assert AuditEvent.objects.filter(detail__event="set_commentary_save").count() == 2


def test_another_councils_set_is_not_read(council):
    s = _save(council.analyst)
    with pytest.raises(PermissionDenied):
        selectors.scorecard_set(council.sw_x, s.pk)
    with pytest.raises(PermissionDenied):
        selectors.scorecard_set(council.sw_a, s.pk)
