"""Subject access: everything the council holds about a person in a child's life (a parent, a
grandparent, a carer), for their right of access (UK GDPR art. 15; Data Protection Act 2018
sch. 2 part 3 para 16 and the ICO's right of access guidance, "What should we do if the request
involves information about other people?": information about others is marked for the council to
redact or withhold unless they consent or it is reasonable to disclose without it).

The export is a ZIP of `subject-access.html` (to read and print) and `subject-access.json` (the
same, machine-readable). Every item says why it is included and carries flags for the reviewer:
`third_party` (redact what is about someone else), `review` (a note marked as containing
third-party information), `in_error` (kept on file, marked recorded in error), `not_included`
(a document listed, not copied) and `withheld` (a restricted record the exporter may not open).

Who may export: a team manager or an administrator of the person's council (the officers who
answer a request on the council's behalf; a social worker may not). Restricted records (an
adoption, a staff member's family) stay closed: what they hold is counted, not copied, unless the
exporter holds a grant to open them (`access.policy.can_view_child`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from safeguard.access import policy
from safeguard.audit.services import audit_children, audit_record
from safeguard.core.errors import today
from safeguard.people.models import Child, HouseholdMember, Person, Relationship

from .models import CaseNote, CaseNoteChild, Document
from .text import render

#: Who may make the export (see the module's docstring).
EXPORTERS = frozenset({policy.TEAM_MANAGER, policy.ADMINISTRATOR})
PURPOSE = "subject access"
WHAT = "subject access export"

THIRD_PARTY = "third_party"
REVIEW = "review"
IN_ERROR = "in_error"
NOT_INCLUDED = "not_included"
WITHHELD = "withheld"

_NOTE_THIRD_PARTY = ("Third-party information: the note's other content about other people (the children, "
                     "other family members, those present) must be redacted before release.")
_SENSITIVE = "Contains third-party information: review before release."
_SAVES = {"+": "created", "~": "changed", "-": "removed"}  # simple_history's history_type
_SPLIT_ALIASES = re.compile(r"[,;/\n]+")


@dataclass
class Flag:
    code: str
    message: str


@dataclass
class Field:
    label: str
    value: str
    third_party: bool = False  # about someone else: redact before release


@dataclass
class Item:
    """One thing held about the person, why it is included, and what the reviewer must do."""

    section: str
    title: str
    why: str
    fields: list[Field] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    text: str = ""  # a note's words, as typed


def may_export(user, person: Person) -> bool:
    """A team manager or administrator of the person's council (UK GDPR art. 15: the council
    answers; the officers who answer it for the council, not every practitioner)."""
    return policy.role_of(user) in EXPORTERS and person.local_authority_id == user.local_authority_id


def names_of(person: Person, versions=()) -> list[str]:
    """Every name the person is or was known by on the record: first and last names, aliases
    (separated by commas, semicolons or slashes) and the names of earlier versions."""
    found: list[str] = []
    for who in (person, *versions):
        for name in (who.first_name, who.last_name, *_SPLIT_ALIASES.split(who.aliases or "")):
            name = " ".join((name or "").split())
            if len(name) >= 2 and name.casefold() not in {n.casefold() for n in found}:
                found.append(name)
    return found


def mentions(text: str, names: list[str]) -> list[str]:
    """The names a text mentions as whole words, case-insensitive ("Lee" is not in "Leeds")."""
    if not names or not text:
        return []
    said = []
    for name in names:
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            said.append(name)
    return said


def _iso(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="minutes") if timezone.is_aware(value) \
            else value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _child_name(child: Child) -> str:
    return f"{child.first_name} {child.last_name}"


_PERSON_FIELDS = ("first_name", "last_name", "aliases", "date_of_birth", "date_of_death", "sex", "gender",
                  "language", "interpreter_needed", "phone", "email")


def _person_fields(p) -> list[Field]:
    return [Field(Person._meta.get_field(f).verbose_name.capitalize(), _iso(getattr(p, f)))
            for f in _PERSON_FIELDS]


def _in_error(obj) -> list[Flag]:
    if not obj.recorded_in_error:
        return []
    return [Flag(IN_ERROR, f"Recorded in error ({obj.error_reason}): kept on file, not part of the "
                           "record in use.")]


@dataclass
class _Found:
    items: list[Item] = field(default_factory=list)
    audited: set[int] = field(default_factory=set)  # children whose record content is included


def _gather(by, person: Person) -> _Found:
    """Every item held about the person; a fixed number of queries whatever the number of
    relationships, households, notes or documents."""
    out = _Found()
    versions = list(person.history.select_related("history_user").order_by("history_date", "history_id"))
    names = names_of(person, versions)
    out.items.append(Item("person", f"{person.first_name} {person.last_name}",
                          "The person's own record (the subject of the request).",
                          _person_fields(person) + [Field("Recorded", _iso(person.created_at))],
                          _in_error(person)))
    for v in versions:
        out.items.append(Item(
            "versions", f"Version {v.version} ({_SAVES.get(v.history_type, v.history_type)})",
            "An earlier or current version of the person's record, as its history keeps it.",
            _person_fields(v) + [Field("Saved", _iso(v.history_date)),
                                 Field("Saved by", str(v.history_user or ""))]))
    for a in person.addresses.order_by("from_date", "pk"):
        out.items.append(Item("addresses", str(a), "An address recorded for the person.",
                              [Field("Address", str(a)), Field("From", _iso(a.from_date)),
                               Field("To", _iso(a.to_date))]))

    visible: dict[int, bool] = {}

    def opens(child: Child) -> bool:
        if child.pk not in visible:
            visible[child.pk] = not child.is_restricted or policy.can_view_child(by, child)
        return visible[child.pk]

    linked: dict[int, Child] = {}  # the children whose records are searched for notes
    why_linked: dict[int, str] = {}
    rels = Relationship.objects.filter(person=person).select_related("child").order_by("child_id", "pk")
    for rel in rels:
        child = rel.child
        if not opens(child):
            out.items.append(Item("relationships", f"{rel.get_kind_display()} of a child",
                                  "A relationship to a child on the record.",
                                  [Field("Relationship", rel.get_kind_display())],
                                  [Flag(WITHHELD, "Held in a restricted record: not included; the record's "
                                                  "holder must review it for this request.")]))
            continue
        out.audited.add(child.pk)
        flags = [Flag(THIRD_PARTY, "The child is a third party: their details must be redacted or "
                                   "withheld unless disclosure is reasonable.")] + _in_error(rel)
        out.items.append(Item(
            "relationships", f"{rel.get_kind_display()} of {_child_name(child)}",
            "A relationship to a child on the record, naming the person.",
            [Field("Relationship", rel.get_kind_display()), Field("Child", _child_name(child), True),
             Field("Child's date of birth", _iso(child.date_of_birth), True),
             Field("Parental responsibility", _iso(rel.parental_responsibility)),
             Field("Lives with the child", _iso(rel.lives_with_child)),
             Field("Recorded", _iso(rel.created_at))], flags))
        if not rel.recorded_in_error:
            linked.setdefault(child.pk, child)
            why_linked.setdefault(child.pk, f"the record of {_child_name(child)}, whose "
                                            f"{rel.get_kind_display().lower()} they are recorded as")

    memberships = (HouseholdMember.objects.filter(person=person).select_related("household")
                   .prefetch_related(Prefetch("household__members", HouseholdMember.objects
                                              .select_related("person", "child").order_by("pk")))
                   .order_by("from_date", "pk"))
    for m in memberships:
        fields = [Field("Address", str(m.household)), Field("From", _iso(m.from_date)),
                  Field("To", _iso(m.to_date))]
        withheld = False
        for other in m.household.members.all():
            if other.person_id == person.pk:
                continue
            if other.child is not None and not opens(other.child):
                withheld = True
                continue
            who = _child_name(other.child) if other.child is not None else str(other.person)
            when = f"{_iso(other.from_date) or '?'} to {_iso(other.to_date) or 'now'}"
            fields.append(Field("Member", f"{who} ({when})", True))
            if other.child is not None:
                out.audited.add(other.child_id)
                linked.setdefault(other.child_id, other.child)
                why_linked.setdefault(other.child_id, f"the record of {_child_name(other.child)}, "
                                                      "who lives or lived in their household")
        flags = [Flag(THIRD_PARTY, "The other members are third parties: redact their details.")]
        if withheld:
            flags.append(Flag(WITHHELD, "A member's record is restricted: not included."))
        out.items.append(Item("households", str(m.household), "A household the person is recorded as a "
                              "member of.", fields, flags))

    _notes(by, out, names, linked, why_linked, opens)
    return out


def _notes(by, out: _Found, names: list[str], linked: dict[int, Child], why_linked: dict[int, str],
           opens) -> None:
    """Case notes about the linked children that mention the person by name, with their
    documents listed; two queries to find them (the words, then the notes found), whatever their
    number, since a whole-word, any-case match is decided here, not by each database's LIKE."""
    if not linked:
        return
    words = (CaseNote.objects.filter(children__child_id__in=linked).distinct()
             .values_list("pk", "title", "text", "present"))
    said = {pk: m for pk, title, text, present in words
            if (m := mentions(f"{title}\n{text}\n{present}", names))}
    if not said:
        return
    notes = (CaseNote.objects.filter(pk__in=said).select_related("recorded_by", "error_marked_by")
             .annotate(amendment_count=Count("amendments", distinct=True))
             .prefetch_related(Prefetch("children", CaseNoteChild.objects.select_related("child")
                                        .order_by("child_id")),
                               Prefetch("documents", Document.objects.order_by("created_at", "pk")))
             .order_by("occurred_on", "created_at", "pk"))
    withheld = 0
    for note in notes:
        children = [link.child for link in note.children.all()]
        if not all(opens(c) for c in children):
            withheld += 1
            continue
        out.audited.update(c.pk for c in children)
        about = next((why_linked[c.pk] for c in children if c.pk in why_linked), "a linked child's record")
        why = f"A case note in {about}, mentioning them by name ({', '.join(said[note.pk])})."
        flags = [Flag(THIRD_PARTY, _NOTE_THIRD_PARTY)]
        if note.sensitive:
            flags.append(Flag(REVIEW, _SENSITIVE))
        flags += _in_error(note)
        if note.amendment_count:
            flags.append(Flag(REVIEW, f"Corrected {note.amendment_count} time(s): earlier versions are held "
                                      "in the note's history and are also within the request."))
        out.items.append(Item(
            "case_notes", f"{note.get_kind_display()} on {_iso(note.occurred_on)}: {note.title}", why,
            [Field("Date it happened", _iso(note.occurred_on)), Field("Kind", note.get_kind_display()),
             Field("Title", note.title, True), Field("Who was present", note.present, True),
             Field("Children the note is about", ", ".join(_child_name(c) for c in children), True),
             Field("Recorded by", str(note.recorded_by or "")), Field("Recorded", _iso(note.created_at))],
            flags, text=note.text))
        for doc in note.documents.all():
            dflags = [Flag(NOT_INCLUDED, "Listed, not included: review the document for third-party "
                                         "information before release.")]
            if doc.sensitive:
                dflags.append(Flag(REVIEW, _SENSITIVE))
            dflags += _in_error(doc)
            out.items.append(Item(
                "documents", doc.title, f"Attached to the case note of {_iso(note.occurred_on)} "
                                        f"\u201c{note.title}\u201d, which mentions them.",
                [Field("File name", doc.original_name, True), Field("Type", doc.content_type),
                 Field("Size (bytes)", str(doc.size)), Field("Uploaded", _iso(doc.created_at))], dflags))
    if withheld:
        out.items.append(Item("withheld", f"{withheld} case note(s) in restricted records",
                              "Case notes mentioning them by name, held in records restricted to "
                              "named staff.",
                              [], [Flag(WITHHELD, "Not included: the records' holders must review them for "
                                                  "this request.")]))


SECTIONS = {
    "person": "The person's record",
    "versions": "Versions of the person's record",
    "addresses": "Addresses",
    "relationships": "Relationships to children",
    "households": "Households",
    "case_notes": "Case notes that mention them",
    "documents": "Documents attached to those notes (listed, not included)",
    "withheld": "Held in restricted records (not included)",
}


def subject_access_export(*, by, person_id: int) -> bytes:
    """A ZIP of `subject-access.html` and `subject-access.json`: everything held about the person,
    each item with why it is included and its redaction flags. PermissionDenied unless `by` is a
    team manager or administrator of the person's council. Audited: one export row for the
    person, and one per child whose record content is included."""
    person = Person.objects.select_related("local_authority").get(pk=person_id)
    if not may_export(by, person):
        raise PermissionDenied("Only a team manager or an administrator of the council may make a "
                               "subject access export")
    found = _gather(by, person)
    made = today()
    meta = {
        "subject": {"id": person.pk, "name": f"{person.first_name} {person.last_name}"},
        "council": person.local_authority.name,
        "prepared_by": str(by),
        "prepared_on": made.isoformat(),
        "basis": "UK GDPR article 15 (right of access); ICO right of access guidance: information about "
                 "other people is marked for redaction",
        "flags": {THIRD_PARTY: "about someone else: redact or withhold unless disclosure is reasonable",
                  REVIEW: "review before release", IN_ERROR: "recorded in error, kept on file",
                  NOT_INCLUDED: "listed, not included", WITHHELD: "in a restricted record, not included"},
    }
    sections = []
    for key, label in SECTIONS.items():
        items = [i for i in found.items if i.section == key]
        if items or key not in ("withheld",):
            sections.append({"key": key, "title": label, "items": items})
    data = dict(meta, items=[asdict(i) for i in found.items])
    html = render_to_string("casework/subject_access.html", {
        "meta": meta, "sections": [
            dict(s, items=[dict(asdict(i), html=render(i.text) if i.text else "") for i in s["items"]])
            for s in sections],
    })
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("subject-access.html", html)
        bundle.writestr("subject-access.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2,
                                                          ensure_ascii=False))
    detail = {"what": WHAT, "purpose": PURPOSE, "person": person.pk}
    audit_record(actor=by, action="export", obj=person, detail=dict(detail, children=len(found.audited)))
    audit_children(actor=by, action="export", child_ids=found.audited, object_type="people.Person",
                   object_id=str(person.pk), detail=detail)
    return buffer.getvalue()
