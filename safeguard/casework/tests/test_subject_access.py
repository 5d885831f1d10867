"""Subject access (issue 16 item 9): everything held about a person, with third-party information
marked for redaction (UK GDPR art. 15; ICO right of access guidance: information about other
people)."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from safeguard.audit.models import AuditEvent
from safeguard.casework import documents
from safeguard.casework.documents import document_upload
from safeguard.casework.services import note_record
from safeguard.casework.subject_access import mentions, names_of, subject_access_export
from safeguard.people.models import Person
from safeguard.people.services import (
    child_restrict,
    household_set,
    person_add,
    person_update,
    relationship_mark_in_error,
)
from safeguard.workforce.models import LocalAuthority, User

D = dt.date
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _note(by, children, title, text, **fields):
    return note_record(by=by, child_ids=[c.pk for c in children], kind=fields.pop("kind", "phone_call"),
                       occurred_on=fields.pop("occurred_on", D(2025, 3, 3)), title=title, text=text,
                       seen={}, **fields)


@pytest.fixture
def docs_dir(settings, tmp_path, monkeypatch):
    settings.DOCUMENTS_DIR = tmp_path / "documents"
    settings.DOCUMENT_SCANNER = None
    monkeypatch.setattr(documents.shutil, "which", lambda name: None)
    return settings.DOCUMENTS_DIR


@pytest.fixture
def family(worker, manager, make_child, docs_dir):
    """A mother of two children on the record, with an alias, an address, a household with the
    children's father, notes that do and do not mention her, and a document on one of them."""
    ada = make_child(first_name="Ada", last_name="Osei")
    ben = make_child(first_name="Ben", last_name="Osei")
    other = make_child(first_name="Cy", last_name="Unrelated")
    rel = person_add(by=worker, child_id=ada.pk, kind="mother", first_name="Grace", last_name="Mensah",
                     aliases="Gee; Grace Osei", date_of_birth=D(1990, 2, 2), phone="07700 900123",
                     parental_responsibility=True, lives_with_child=True,
                     address={"line_1": "1 Test Street", "town": "Crewe", "postcode": "CW1 2AB",
                              "from_date": D(2020, 1, 1)})
    mother = rel.person
    person_add(by=worker, child_id=ben.pk, kind="mother", person_id=mother.pk, parental_responsibility=True)
    father = person_add(by=worker, child_id=ada.pk, kind="father", first_name="Kofi",
                        last_name="Boateng").person
    person_update(by=worker, person_id=mother.pk, child_id=ada.pk, expected_version=1,
                  reason="New mobile number given at the visit", phone="07700 900456")
    household_set(by=worker, child_id=ada.pk, line_1="1 Test Street", town="Crewe", postcode="CW1 2AB",
                  from_date=D(2024, 1, 1), member_person_ids=[mother.pk, father.pk],
                  member_child_ids=[ben.pk])
    about_her = _note(worker, [ada, ben], "Call with mother",
                      "Spoke to grace about the school run. Kofi was angry on the phone.", sensitive=True)
    document_upload(by=worker, child_id=ada.pk, uploaded=SimpleUploadedFile("letter.pdf", PDF_BYTES),
                    title="Letter from school", case_note_id=about_her.pk)
    by_alias = _note(worker, [ben], "Home visit", "GEE was at home with Ben.")
    not_her = _note(worker, [ada], "Call with father", "Kofi collected the children from the Mensahs' "
                    "neighbour in Leeds.")  # "Mensahs'" is a whole word "Mensahs", not "Mensah"
    elsewhere = _note(worker, [other], "Unrelated family", "Grace Mensah is a different person here.")
    return dict(ada=ada, ben=ben, other=other, mother=mother, father=father, about_her=about_her,
                by_alias=by_alias, not_her=not_her, elsewhere=elsewhere)


def _export(by, person) -> tuple[dict, str]:
    bundle = zipfile.ZipFile(io.BytesIO(subject_access_export(by=by, person_id=person.pk)))
    assert sorted(bundle.namelist()) == ["subject-access.html", "subject-access.json"]
    return json.loads(bundle.read("subject-access.json")), bundle.read("subject-access.html").decode()


def _section(data, name) -> list[dict]:
    return [i for i in data["items"] if i["section"] == name]


def _codes(item) -> set[str]:
    return {f["code"] for f in item["flags"]}


def test_whole_word_any_case_names_and_aliases():
    """ICO right of access guidance (finding the information: search by the person's name and any
    other names they are known by); Issue 16: whole words, whatever the case."""
    person = Person(first_name="Lee", last_name="Ward", aliases="Lee-Ann, Wardy")
    names = names_of(person)
    assert names == ["Lee", "Ward", "Lee-Ann", "Wardy"]
    assert mentions("we met LEE at the office", names) == ["Lee"]
    assert mentions("the family moved to Leeds; the ward sister called", names) == ["Ward"]
    assert mentions("Wardy's car", names) == ["Wardy"]
    assert mentions("", names) == []


def test_everything_held_in_both_files(manager, family):
    """UK GDPR art. 15(1) and (3): a copy of the personal data held: the person's record and its
    versions, addresses, relationships, households, the notes that mention them and the documents
    on those notes, each saying why it is included; readable (HTML) and machine-readable (JSON)."""
    data, html = _export(manager, family["mother"])
    assert data["subject"] == {"id": family["mother"].pk, "name": "Grace Mensah"}
    assert "article 15" in data["basis"]
    (person,) = _section(data, "person")
    assert {"label": "Phone", "value": "07700 900456", "third_party": False} in person["fields"]
    versions = _section(data, "versions")
    assert len(versions) == 2 and any(f["value"] == "07700 900123" for f in versions[0]["fields"])
    (address,) = _section(data, "addresses")
    assert "1 Test Street" in address["title"]
    assert sorted(r["title"] for r in _section(data, "relationships")) == ["Mother of Ada Osei",
                                                                           "Mother of Ben Osei"]
    (household,) = _section(data, "households")
    members = [f["value"] for f in household["fields"] if f["label"] == "Member"]
    assert any("Kofi Boateng" in m for m in members) and any("Ada Osei" in m for m in members)
    notes = {n["title"].removeprefix("Phone call on 2025-03-03: "): n for n in _section(data, "case_notes")}
    assert set(notes) == {"Call with mother", "Home visit"}
    assert "grace" in notes["Call with mother"]["why"].lower()
    assert "(Gee)" in notes["Home visit"]["why"]
    assert notes["Home visit"]["text"] == "GEE was at home with Ben."
    (doc,) = _section(data, "documents")
    assert doc["title"] == "Letter from school" and "not_included" in _codes(doc)
    assert all(i["why"] for i in data["items"])
    for words in ("Grace Mensah", "Mother of Ada Osei", "Letter from school", "GEE was at home with Ben.",
                  "Why included", "third party"):
        assert words in html


def test_notes_not_mentioning_them_or_about_other_children_excluded(manager, family):
    """ICO right of access guidance: the data is what relates to the requester: a note in a linked
    child's record that does not name them, or a namesake in an unrelated child's record, is not."""
    data, html = _export(manager, family["mother"])
    text = json.dumps(data)
    assert "Call with father" not in text and "Unrelated family" not in text
    assert "Call with father" not in html and "a different person" not in html


def test_third_party_information_flagged(manager, family):
    """ICO right of access guidance (information about other people) / DPA 2018 sch. 2 part 3
    para 16: children and other household members are third parties; every note's other content is
    marked for redaction; a note marked sensitive, and its document, must be reviewed before release."""
    data, html = _export(manager, family["mother"])
    for rel in _section(data, "relationships"):
        assert "third_party" in _codes(rel)
        assert {"label": "Child", "value": rel["title"].removeprefix("Mother of "), "third_party": True} \
            in rel["fields"]
    (household,) = _section(data, "households")
    assert "third_party" in _codes(household)
    assert all(f["third_party"] for f in household["fields"] if f["label"] == "Member")
    notes = {n["title"].rsplit(": ", 1)[1]: n for n in _section(data, "case_notes")}
    assert all("third_party" in _codes(n) for n in notes.values())
    assert "review" in _codes(notes["Call with mother"]) and "review" not in _codes(notes["Home visit"])
    assert any("review before release" in f["message"] for f in notes["Call with mother"]["flags"])
    about = "Children the note is about"
    children = next(f for f in notes["Call with mother"]["fields"] if f["label"] == about)
    assert children == {"label": about, "value": "Ada Osei, Ben Osei", "third_party": True}
    assert "class=\"third-party\"" in html


def test_in_error_and_restricted_records(manager, worker, family):
    """Issue 16 item 5 (corrections, never deletions: a relationship recorded in error is still held,
    flagged) and the access policy (a restricted record stays closed: counted, not copied)."""
    mother, ben = family["mother"], family["ben"]
    rel = mother.relationships.get(child=ben)
    relationship_mark_in_error(by=worker, relationship_id=rel.pk, expected_version=rel.version,
                               reason="Linked to the wrong child")
    child_restrict(by=manager, child_id=family["ada"].pk, restricted=True,
                   reason="Adoption: placed for adoption")
    data, _ = _export(manager, mother)
    rels = _section(data, "relationships")
    assert {"in_error"} <= _codes(next(r for r in rels if r["title"] == "Mother of Ben Osei"))
    withheld = next(r for r in rels if r["title"] == "Mother of a child")
    assert _codes(withheld) == {"withheld"} and "Ada" not in json.dumps(withheld)
    titles = [n["title"] for n in _section(data, "case_notes")]
    assert titles == ["Phone call on 2025-03-03: Home visit"]  # the note about Ada too is withheld
    assert _section(data, "withheld")[0]["title"] == "1 case note(s) in restricted records"
    assert "Ada Osei" not in json.dumps(data)
    audited = set(AuditEvent.objects.filter(action="export", object_type="people.Person")
                  .values_list("child_id", flat=True))
    assert family["ada"].pk not in audited


def test_refused_to_a_social_worker_and_another_council(worker, manager, family):
    """UK GDPR art. 15 / art. 5(1)(f): the council answers through its managers and administrators;
    a social worker may not make the export, nor a manager of another council; nothing is audited."""
    with pytest.raises(PermissionDenied):
        subject_access_export(by=worker, person_id=family["mother"].pk)
    elsewhere = LocalAuthority.objects.create(code="E06000050", la_number=896, name="Cheshire West")
    outsider = User.objects.create_user(username="tm9", password="x", role=User.Role.TEAM_MANAGER,
                                        local_authority=elsewhere)
    with pytest.raises(PermissionDenied):
        subject_access_export(by=outsider, person_id=family["mother"].pk)
    assert not AuditEvent.objects.filter(action="export").exists()


def test_administrator_may_export(la, family):
    """UK GDPR art. 15: the council's administrator (information governance) may answer a request."""
    admin = User.objects.create_user(username="admin1", password="x", role=User.Role.ADMINISTRATOR,
                                     local_authority=la)
    data, _ = _export(admin, family["mother"])
    assert len(_section(data, "case_notes")) == 2


def test_audited_for_the_person_and_each_child(manager, family):
    """UK GDPR art. 5(2) accountability: one export row for the person and one per child whose
    record content is included, so each child's "who has viewed" shows it."""
    _export(manager, family["mother"])
    rows = AuditEvent.objects.filter(action="export")
    person_row = rows.get(child_id__isnull=True)
    assert person_row.object_type == "people.Person" and person_row.object_id == str(family["mother"].pk)
    assert person_row.detail["purpose"] == "subject access" and person_row.actor == manager
    children = rows.exclude(pk=person_row.pk)
    assert sorted(children.values_list("child_id", flat=True)) == sorted([family["ada"].pk, family["ben"].pk])
    assert all(r.detail == {"what": "subject access export", "purpose": "subject access",
                            "person": family["mother"].pk} for r in children)
