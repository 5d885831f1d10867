"""Issue 18, item 5, in a real browser: a manager allocates a child to a social worker from the
child's record; the worker signs in, finds the notification waiting (unread, with the totals),
opens it and lands on the child's record; the notification is then read. The page passes axe-core
with no serious or critical violation (WCAG 2.2 AA)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from safeguard.notifications.models import Notification
from safeguard.notifications.services import notifications_mark_all_read
from tests.e2e.axe import axe_violations
from tests.e2e.govuk import fill_date, shot


def test_a_worker_is_told_of_a_child_allocated_to_them_and_opens_the_record(world, sign_in, site):
    child = world.unallocated
    name = f"Kit {child.last_name}"
    notifications_mark_all_read(by=world.sw_a2)  # what the small council's set-up told them
    tm = sign_in("tm_a")
    tm.goto(f"{site}/children/{child.pk}/record/allocate/")
    tm.get_by_label("Social worker", exact=True).select_option(label=str(world.sw_a2))
    fill_date(tm, "Start date", dt.date.today())
    tm.get_by_role("button", name="Save").click()
    tm.wait_for_url(f"{site}/children/{child.pk}/")

    sw = sign_in("sw_a2")
    unread = sw.locator(".govuk-service-navigation").get_by_text("1 new")
    if unread.count():  # the navigation's count, once base.html shows it
        unread.click()
    else:
        sw.goto(f"{site}/notifications/")
    expect(sw.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(sw.locator("#notification-totals")).to_contain_text("1 unread")
    table = sw.locator("#notifications")
    expect(table).to_contain_text(f"Child allocated to you: {name}")
    expect(table).to_contain_text("Unread")
    assert axe_violations(sw) == []
    shot(sw, "notifications")

    table.get_by_role("link", name=f"Child allocated to you: {name}").click()
    sw.wait_for_url(f"{site}/children/{child.pk}/")
    expect(sw.locator("h1")).to_contain_text(name)
    assert Notification.objects.get(to=world.sw_a2, child=child).read_at is not None

    sw.goto(f"{site}/notifications/")
    expect(sw.locator("#notification-totals")).to_contain_text("0 unread")
    expect(table).to_contain_text("Read")
    assert axe_violations(sw) == []
    shot(sw, "notifications-read")
