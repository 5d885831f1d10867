"""Issue 18 in a real browser (a first slice): a manager allocates a child to a worker, and the
worker sees the child at once in *My cases*, with or without a clock due."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from tests.e2e.axe import axe_violations
from tests.e2e.govuk import fill_date, shot
from tests.e2e.test_decisions import saved


def test_a_child_allocated_today_is_in_the_workers_cases_at_once(world, sign_in, site):
    child = world.unallocated
    tm = sign_in("tm_a")
    tm.goto(f"{site}/children/{child.pk}/")
    tm.get_by_role("link", name="Allocate a social worker").click()
    tm.get_by_label("Social worker").select_option(label=str(world.sw_a2))
    fill_date(tm, "Start date", dt.date.today())
    tm.get_by_role("button", name="Save").click()
    saved(tm)

    sw = sign_in("sw_a2")
    sw.get_by_role("link", name="My work").first.click()
    sw.get_by_role("link", name="My cases (2)").click()
    table = sw.locator("#my-cases")
    expect(table).to_contain_text(f"Kit {child.last_name}")
    expect(table).to_contain_text("No open episode")
    assert axe_violations(sw) == []
    shot(sw, "my-cases")
    table.get_by_role("link", name=f"Kit {child.last_name}").click()
    expect(sw.locator("h1")).to_contain_text(child.last_name)
