"""The case record's pages (issue 16): case notes and their corrections, the people around the child,
documents, and the drafts that keep a half-written form. Thin, like the rest of `web`: access and
the audit of each view in `access.selectors.child_open`, every change in a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms.utils import ErrorDict
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from safeguard.access import policy
from safeguard.assessment import selectors as assessment_selectors
from safeguard.assessment.models import Assessment
from safeguard.casework import chronology, court, drafts, search, selectors, services
from safeguard.casework import documents as docs
from safeguard.casework import subject_access as sar
from safeguard.casework.models import Document, NoteKind
from safeguard.core.errors import EditConflict, RecordInvalid
from safeguard.people import genogram
from safeguard.people import selectors as family
from safeguard.people import services as people
from safeguard.people.models import ChildWarning, Organisation, Relationship

from . import forms
from .tabs import forget_tab_counts
from .views import _open, _page_number, _violations_to_form, refusing

#: What a form posts that is not the user's words: never kept in a draft.
_NOT_DRAFTED = ("csrfmiddlewaretoken", "sg_draft_key", "sg_draft_version", "version")
#: Kinds a worker chooses from when writing a note (management oversight is a manager's).
_MANAGERS_KINDS = (NoteKind.MANAGEMENT_OVERSIGHT, NoteKind.SUPERVISION_DECISION)


def _may_change(request, child) -> None:
    if not policy.can_change_child(request.user, child):
        raise PermissionDenied("you may read this record but not change it")


def _is_manager(user) -> bool:
    return policy.role_of(user) == "team_manager"


def _restored(form_class, draft, **kwargs):
    """A form showing a draft's words as typed, without judging them yet (no error messages
    until the user saves)."""
    data = QueryDict(mutable=True)
    for name, value in (draft.data if draft else {}).items():
        data.setlist(name, value if isinstance(value, list) else [value])
    form = form_class(data, **kwargs)
    form._errors = ErrorDict()  # shown as typed; judged when saved
    return form


def _draft_context(draft, key: str) -> dict:
    return {"draft_key": key, "draft": draft, "draft_version": draft.version if draft else "",
            "draft_save_url": reverse("web:draft_save")}


# --- case notes ---------------------------------------------------------------------------------


@login_required
@refusing
def notes(request, child_id):
    """The child's case notes, newest first, a page at a time; a manager may include those
    recorded in error (hidden from the everyday view)."""
    child, _ = _open(request, child_id, what="case notes")
    in_error = _is_manager(request.user) and request.GET.get("in_error") == "1"
    kind = request.GET.get("kind", "")
    page = selectors.notes_page(request.user, child, number=_page_number(request),
                                kind=kind if kind in NoteKind.values else "",
                                include_in_error=in_error)
    return render(request, "web/casework/notes.html", {
        "child": child, "page": page, "kind": kind, "kinds": NoteKind.choices,
        "in_error": in_error, "is_manager": _is_manager(request.user),
        "can_change": policy.can_change_child(request.user, child)})


def _note_children(user, child) -> list[tuple[object, bool]]:
    """The children a note may be about: this child, and siblings on the record the user may
    change (one visit to a sibling group is one note)."""
    siblings = family.siblings_on_record(child)
    return [(child, True)] + [(s, False) for s in siblings if policy.can_change_child(user, s)]


@login_required
@refusing
def note_new(request, child_id):
    """Write a case note. What is typed is saved as a draft on the server as it is typed."""
    child, _ = _open(request, child_id, what="new case note")
    _may_change(request, child)
    kinds = [(k, label) for k, label in NoteKind.choices
             if k not in _MANAGERS_KINDS or _is_manager(request.user)]
    children = _note_children(request.user, child)
    key = drafts.note_draft_key(child.pk, request.user.pk)
    draft = drafts.draft_for(request.user, key)
    if request.method == "POST":
        form = forms.CaseNoteForm(request.POST, children=children, kinds=kinds)
        if form.is_valid():
            data = form.cleaned_data
            try:
                note = services.note_record(
                    by=request.user, child_ids=[int(x) for x in data["children"]],
                    kind=data["kind"], occurred_on=data["occurred_on"],
                    occurred_at=data["occurred_at"], title=data["title"], text=data["text"],
                    present=data["present"], significant=data["significant"],
                    sensitive=data["sensitive"], seen=form.seen(),
                    statutory_visit=data["statutory_visit"], draft_key=key)
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            except PermissionDenied as exc:
                form.add_error("children", str(exc))
            else:
                messages.success(request, f"Case note saved: {note.title}")
                return redirect("web:child", child_id=child.pk)
    elif draft is not None:
        form = _restored(forms.CaseNoteForm, draft, children=children, kinds=kinds)
    else:
        form = forms.CaseNoteForm(children=children, kinds=kinds)
    return render(request, "web/casework/note_form.html", {
        "child": child, "form": form, "title": "Write a case note",
        "button": "Save note", **_draft_context(draft, key)},
        status=400 if request.method == "POST" else 200)


def _note_of(request, child, note_id):
    detail = selectors.note_detail(request.user, int(note_id))
    if detail is None or child.pk not in detail.child_ids:
        raise Http404("no such note on this record")
    if detail.note.recorded_in_error and not _is_manager(request.user):
        raise Http404("this note was recorded in error")
    return detail


@login_required
@refusing
def note(request, child_id, note_id):
    child, _ = _open(request, child_id, what=f"case note {note_id}")
    detail = _note_of(request, child, note_id)
    may_correct = policy.can_change_child(request.user, child) and (
        detail.note.recorded_by_id == request.user.pk or _is_manager(request.user))
    return render(request, "web/casework/note.html", {
        "child": child, "d": detail, "may_correct": may_correct,
        "upload": forms.DocumentForm() if policy.can_change_child(request.user, child) else None})


@login_required
@refusing
def note_correct(request, child_id, note_id):
    """Correct a note with a reason: the earlier words stay in its history and the amendment is
    shown. Two people correcting one note share a draft and see a conflict."""
    child, _ = _open(request, child_id, what=f"correct case note {note_id}")
    _may_change(request, child)
    detail = _note_of(request, child, note_id)
    n = detail.note
    key = drafts.correction_draft_key(n.pk)
    draft = drafts.draft_for(request.user, key)
    conflict = False
    if request.method == "POST":
        form = forms.NoteCorrectionForm(request.POST)
        version = request.POST.get("version", "")
        if form.is_valid() and version.isdigit():
            data = form.cleaned_data
            try:
                services.note_correct(by=request.user, note_id=n.pk, expected_version=int(version),
                                      reason=data["reason"], title=data["title"],
                                      text=data["text"], present=data["present"])
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            except EditConflict:
                conflict = True
                form.add_error(None, "Someone saved this note after you opened it. Your words are "
                                     "below; open the note again to see theirs, then correct it.")
            else:
                drafts.draft_discard(by=request.user, key=key)
                messages.success(request, "Correction saved")
                return redirect("web:note", child_id=child.pk, note_id=n.pk)
    elif draft is not None:
        form = _restored(forms.NoteCorrectionForm, draft)
    else:
        form = forms.NoteCorrectionForm(initial={"title": n.title, "text": n.text,
                                                 "present": n.present})
    return render(request, "web/casework/note_form.html", {
        "child": child, "form": form, "title": "Correct a case note", "button": "Save correction",
        "version": n.version, **_draft_context(draft, key)},
        status=409 if conflict else 400 if request.method == "POST" else 200)


@login_required
@refusing
def note_in_error(request, child_id, note_id):
    """Mark a note recorded in error: hidden from the everyday view, kept for managers and the
    audit. Nothing is deleted."""
    child, _ = _open(request, child_id, what=f"case note {note_id} in error")
    _may_change(request, child)
    detail = _note_of(request, child, note_id)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_mark_in_error(by=request.user, note_id=detail.note.pk,
                                       expected_version=int(request.POST.get("version") or 0),
                                       reason=form.cleaned_data["reason"])
        except RecordInvalid as exc:
            _violations_to_form(form, exc, {"error_reason": "reason"})
        except EditConflict:
            form.add_error(None, "Someone saved this note after you opened it: open it again.")
        else:
            messages.success(request, "The note is marked recorded in error")
            return redirect("web:notes", child_id=child.pk)
    return render(request, "web/casework/note_form.html", {
        "child": child, "form": form, "title": f"Mark “{detail.note.title}” recorded in error",
        "button": "Mark recorded in error", "version": detail.note.version, "warning": True})


@login_required
def notes_search(request):
    """Search the words of case notes, across every child the user may open (or one child's)."""
    if policy.role_of(request.user) not in policy.CHILD_READERS:
        raise PermissionDenied("your role does not open children's records")
    words = request.GET.get("q", "")[:search.MAX_CHARS]
    page = None
    if words.strip():
        page = search.search_notes(request.user, words, number=_page_number(request))
    return render(request, "web/casework/search.html", {"q": words, "page": page})


# --- drafts ---------------------------------------------------------------------------------------


def _form_of_draft_key(user, key: str):
    """The child a draft key names and the address of its form, if the key is one this user may
    write: their own new note ("case-note:child-<id>:user-<their id>") or a correction of a note
    ("case-note:<note id>") or a section of an assessment ("assessment:<id>:<section>"). The
    address is worked out here, never taken from the browser."""
    parts = key.split(":")
    if len(parts) == 3 and parts[0] == "case-note" and parts[2] == f"user-{user.pk}" \
            and parts[1].startswith("child-") and parts[1][6:].isdigit():
        child_id = int(parts[1][6:])
        url = reverse("web:note_new", args=[child_id])
    elif len(parts) == 3 and parts[0] == "assessment" and parts[1].isdigit() \
            and parts[2] in forms.ASSESSMENT_SECTIONS:
        try:
            detail = assessment_selectors.assessment_detail(int(parts[1]), user=user)
        except Assessment.DoesNotExist:
            return None, ""
        child_id = detail.assessment.referral.child_id
        url = reverse("web:assessment_section", args=[child_id, detail.assessment.pk, parts[2]])
    elif len(parts) == 2 and parts[0] == "case-note" and parts[1].isdigit():
        detail = selectors.note_detail(user, int(parts[1]))
        if detail is None or not detail.child_ids:
            return None, ""
        child_id = min(detail.child_ids)
        url = reverse("web:note_correct", args=[child_id, detail.note.pk])
    else:
        return None, ""
    return policy.children_visible_to(user).filter(pk=child_id).first(), url


@require_POST
def draft_save(request):
    """Autosave (static/web/autosave.mjs). Answers 401 rather than redirecting once the session has
    ended, 409 when someone else saved the draft since this page read it."""
    if not request.user.is_authenticated:
        return JsonResponse({"message": "Your session has ended."}, status=401)
    key = request.POST.get("sg_draft_key", "")
    child, url = _form_of_draft_key(request.user, key)
    if child is None or not policy.can_change_child(request.user, child):
        return JsonResponse({"message": "You may not save a draft here."}, status=403)
    data = {name: values if len(values) > 1 else values[0]
            for name, values in request.POST.lists() if name not in _NOT_DRAFTED}
    version = request.POST.get("sg_draft_version", "")
    try:
        draft = drafts.draft_save(by=request.user, key=key, url=url,
                                  data=data, child_id=child.pk,
                                  expected_version=int(version) if version.isdigit() else None)
    except EditConflict:
        return JsonResponse({"message": "Someone else has saved this draft since you opened it."},
                            status=409)
    except RecordInvalid as exc:
        return JsonResponse({"message": str(exc)}, status=400)
    if not version.isdigit():  # a new draft: the Drafts tab counts it at once
        forget_tab_counts(request.user.pk)
    saved = timezone.localtime(draft.updated_at)
    return JsonResponse({"version": draft.version, "saved_at": saved.strftime("%H:%M:%S")})


# --- the people around the child ----------------------------------------------------------------


@login_required
@refusing
def people_page(request, child_id):
    """Family, household and professional network, with the genogram and ecomap drawn from them."""
    child, _ = _open(request, child_id, what="family and network")
    net = family.network(child)
    return render(request, "web/casework/people.html", {
        "child": child, "net": net, "may_export_people": policy.role_of(request.user) in (
            "team_manager", "administrator"),
        "genogram": mark_safe(genogram.genogram_svg(child, net.relationships)),  # escaped inside
        "ecomap": mark_safe(genogram.ecomap_svg(child, net.relationships, net.professionals)),
        "can_change": policy.can_change_child(request.user, child)})


def _add_to_record(request, child_id, *, title: str, form, save, done, back: str, aliases=None):
    """A form that adds one thing to the child's record: the service's refusal shown beside the
    field it names, what was typed kept; on success back to `back` with `done(data)` said."""
    child, _ = _open(request, child_id, what=title.lower())
    _may_change(request, child)
    if request.method == "POST" and form.is_valid():
        try:
            save(request.user, child, form.cleaned_data)
        except RecordInvalid as exc:
            _violations_to_form(form, exc, aliases)
        else:
            messages.success(request, done(form.cleaned_data))
            return redirect(back, child_id=child.pk)
    return render(request, "web/step.html", {"form": form, "title": title, "child": child},
                  status=400 if form.errors else 200)


def _person_add(user, child, d) -> None:
    address = ({"line_1": d["line_1"], "town": d["town"], "postcode": d["postcode"],
                "from_date": d["address_since"]} if d["line_1"] else None)
    people.person_add(
        by=user, child_id=child.pk, kind=d["kind"], first_name=d["first_name"],
        last_name=d["last_name"], aliases=d["aliases"], date_of_birth=d["date_of_birth"],
        sex=d["sex"], language=d["language"], phone=d["phone"], email=d["email"],
        parental_responsibility=forms.yes_no(d["parental_responsibility"]),
        lives_with_child=d["lives_with_child"], address=address)


@login_required
@refusing
def person_add(request, child_id):
    return _add_to_record(
        request, child_id, title="Add a family member or carer", back="web:people",
        form=forms.PersonForm(request.POST or None, kinds=Relationship.Kind.choices),
        save=_person_add, aliases={"from_date": "address_since"},
        done=lambda d: f"{d['first_name']} {d['last_name']} added")


@login_required
@refusing
def professional_add(request, child_id):
    return _add_to_record(
        request, child_id, title="Add a professional", back="web:people",
        form=forms.ProfessionalForm(request.POST or None, kinds=Organisation.Kind.choices),
        save=lambda user, child, d: people.professional_add(by=user, child_id=child.pk, **d),
        done=lambda d: f"{d['name']} added to the network")


@login_required
@refusing
def warning_add(request, child_id):
    """A warning at the top of the record, for everyone who opens it."""
    return _add_to_record(
        request, child_id, title="Add a warning", back="web:child",
        form=forms.WarningForm(request.POST or None, kinds=ChildWarning.Kind.choices),
        save=lambda user, child, d: people.warning_add(by=user, child_id=child.pk, **d),
        done=lambda d: "Warning added to the top of the record")


# --- for court, and for the person the record is about ----------------------------------------


@login_required
@refusing
def court_chronology(request, child_id):
    """Significant events as a PDF for a care proceedings bundle, filtered by dates and kinds."""
    child, _ = _open(request, child_id, what="court chronology")
    if not policy.can_export_child(request.user, child):
        raise PermissionDenied("your role may not export children's records")
    form = forms.CourtChronologyForm(request.POST or None, kinds=chronology.KINDS.items())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        pdf = court.court_chronology(by=request.user, child_id=child.pk, since=d["since"],
                                     until=d["until"], kinds=d["kinds"] or None)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="court-chronology-{child.pk}.pdf"'
        return response
    return render(request, "web/casework/court.html", {"child": child, "form": form},
                  status=400 if form.errors else 200)


@login_required
@refusing
def subject_access(request, child_id, person_id):
    """A subject access request (UK GDPR art. 15): everything held about a person, with what is
    about other people marked for redaction. A team manager or administrator makes it."""
    child, _ = _open(request, child_id, what="subject access")
    try:
        person = family.person_of_child(child, int(person_id))
    except LookupError:
        raise Http404("no such person in this child's network") from None
    if not sar.may_export(request.user, person):
        raise PermissionDenied("a team manager or administrator makes a subject access export")
    if request.method == "POST":
        bundle = sar.subject_access_export(by=request.user, person_id=person.pk)
        response = HttpResponse(bundle, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="subject-access-{person.pk}.zip"'
        return response
    return render(request, "web/casework/subject_access.html", {"child": child, "person": person})


# --- documents ------------------------------------------------------------------------------------


@login_required
@refusing
def documents(request, child_id):
    """The child's documents, and the upload form (type read from the content; ClamAV when present)."""
    child, _ = _open(request, child_id, what="documents")
    can_change = policy.can_change_child(request.user, child)
    form = forms.DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        _may_change(request, child)
        if form.is_valid():
            note_id = request.POST.get("case_note", "")
            try:
                d = docs.document_upload(by=request.user, child_id=child.pk,
                                         uploaded=form.cleaned_data["file"],
                                         title=form.cleaned_data["title"],
                                         sensitive=form.cleaned_data["sensitive"],
                                         case_note_id=int(note_id) if note_id.isdigit() else None)
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            else:
                messages.success(request, f"Uploaded: {d.title}")
                return redirect("web:documents", child_id=child.pk)
    listed = docs.documents_of(request.user, child,
                               include_in_error=_is_manager(request.user)
                               and request.GET.get("in_error") == "1")
    return render(request, "web/casework/documents.html", {
        "child": child, "documents": listed, "form": form, "can_change": can_change},
        status=400 if form.errors else 200)


@login_required
@refusing
def document_download(request, child_id, document_id):
    """Every download is an export, audited (in `document_open`)."""
    child, _ = _open(request, child_id, purpose="export", what=f"document {document_id}")
    try:
        document, path = docs.document_open(by=request.user, document_id=int(document_id))
    except (Document.DoesNotExist, ValueError):
        raise Http404("no such document") from None
    except docs.DocumentUnavailable:
        raise Http404("this document's file is missing or changed: the records team has been told") from None
    if document.child_id != child.pk:
        raise Http404("no such document on this record")
    name = "".join(ch for ch in document.original_name if ch.isascii() and (ch.isalnum() or ch in "-_."))
    response = FileResponse(open(path, "rb"), content_type=document.content_type, as_attachment=True,
                            filename=name[:100] or f"document-{document.pk}")
    return response
