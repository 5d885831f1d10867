"""The dispute resolution table: stages in order, each local [L] limit in English working days, and a
referral to Cafcass (Children Act 1989 s25B(3)) as the last resort."""

import datetime as dt

from safeguard.iro import rules
from safeguard.iro.models import AlertStage

D = dt.date


def test_the_stages_are_one_table_in_order_informal_first_cafcass_last():
    """IRO Handbook 2010 ch. 6: informal resolution first, then the formal stages (team manager,
    service manager, head of service, director); Cafcass (s25B(3)) last."""
    assert [s.stage for s in rules.DISPUTE_STAGES] == [
        AlertStage.INFORMAL, AlertStage.STAGE_1, AlertStage.STAGE_2, AlertStage.STAGE_3,
        AlertStage.STAGE_4, AlertStage.CAFCASS]
    assert set(rules.BY_STAGE) == set(AlertStage.values)
    assert rules.next_stage(AlertStage.INFORMAL) == AlertStage.STAGE_1
    assert rules.next_stage(AlertStage.STAGE_4) == AlertStage.CAFCASS
    assert rules.next_stage(AlertStage.CAFCASS) is None


def test_every_local_stage_is_marked_local_and_cafcass_cites_s25b():
    """[L] local protocol: 5 working days at each stage; Cafcass has no local limit."""
    for stage in rules.DISPUTE_STAGES[:-1]:
        assert stage.source.startswith("[L]")
        assert stage.working_days == 5
    assert rules.BY_STAGE[AlertStage.CAFCASS].working_days is None
    assert "s25B(3)" in rules.BY_STAGE[AlertStage.CAFCASS].source


def test_due_dates_count_english_working_days_over_bank_holidays(db):
    """[L] 5 working days: weekends and England and Wales bank holidays (Good Friday and Easter
    Monday 2025; Christmas 2022 with its substitute days) are not counted."""
    assert rules.due_on(AlertStage.INFORMAL, D(2025, 3, 3)) == D(2025, 3, 10)
    assert rules.due_on(AlertStage.STAGE_1, D(2025, 4, 15)) == D(2025, 4, 24)
    assert rules.due_on(AlertStage.STAGE_2, D(2022, 12, 23)) == D(2023, 1, 4)
    assert rules.due_on(AlertStage.CAFCASS, D(2025, 4, 15)) is None
