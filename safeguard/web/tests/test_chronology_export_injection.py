"""The chronology CSV carries no formula and no header injection out of the record (issue 15,
finding 3: formula injection; OWASP CSV Injection)."""

from __future__ import annotations

import csv
import io

import pytest

from safeguard.people.models import Child
from safeguard.workforce.models import User

pytestmark = pytest.mark.django_db

HOSTILE_NAME = '=HYPERLINK("http://x","y")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _export(client_for, user, child):
    response = client_for(user).get(f"/children/{child.pk}/chronology.csv")
    assert response.status_code == 200
    return response, list(csv.reader(io.StringIO(response.content.decode())))


def test_hostile_staff_name_reaches_the_csv_inert(world, client_for):
    """Issue 15, finding 3 (OWASP CSV Injection): the manager who recorded the allocations has a
    name `=HYPERLINK(...)` (set bypassing the service, as legacy data might be); in the exported
    chronology that cell starts with `'` and no cell starts with a formula character."""
    User.objects.filter(pk=world.tm_a.pk).update(first_name=HOSTILE_NAME, last_name="")
    _, rows = _export(client_for, world.sw_a, world.own)
    assert rows[0] == ["date", "kind", "event", "recorded_by"]
    recorded_by = [r[3] for r in rows[1:]]
    assert "'" + HOSTILE_NAME in recorded_by
    assert not [cell for r in rows for cell in r if cell.startswith(FORMULA_START)]


@pytest.mark.parametrize(
    "la_child_id,expected",
    [
        ('=1+1"/x', "chronology-11x.csv"),
        ('a\\b";c', "chronology-abc.csv"),
        ("T-0001_b", "chronology-T-0001_b.csv"),
    ],
)
def test_file_name_is_built_from_a_safe_id_and_not_cached(world, client_for, la_child_id, expected):
    """Issue 15, finding 3 (OWASP CSV Injection, and the header it rides in): a legacy la_child_id
    holding quotes, slashes or a formula (set bypassing the service) leaves only letters, digits,
    `-` and `_` in the Content-Disposition file name; the export is marked `no-store`."""
    Child.objects.filter(pk=world.own.pk).update(la_child_id=la_child_id)
    response, _ = _export(client_for, world.sw_a, world.own)
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert "no-store" in [d.strip() for d in response["Cache-Control"].split(",")]


def test_file_name_falls_back_to_the_primary_key(world, client_for):
    """Issue 15, finding 3: an id with nothing safe left in it names the file by the primary key."""
    Child.objects.filter(pk=world.own.pk).update(la_child_id='="/\\')
    response, _ = _export(client_for, world.sw_a, world.own)
    assert response["Content-Disposition"] == f'attachment; filename="chronology-{world.own.pk}.csv"'
