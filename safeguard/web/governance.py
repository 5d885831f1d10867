"""Pages: scorecards as sets and the committee pack (issue 21, items 6 and 8). Thin: reads are
`governance.selectors` and `governance.pack`, writes `governance.services`, who may do what
`governance.rules`. Aggregates only: no page here names a child."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.safestring import mark_safe

from safeguard.access import policy
from safeguard.audit.services import audit_record
from safeguard.core.errors import EditConflict, RecordInvalid, today
from safeguard.governance import pack as committee
from safeguard.governance import rules, selectors, services
from safeguard.performance import catalogue as cat
from safeguard.performance.periods import reporting_year_of
from safeguard.performance.render import render_html
from safeguard.timescales import calendar

from .governance_forms import QUARTERS, CommentaryForm, CommitteePackForm, ScorecardSetForm
from .views import _scorecard_period, _violations_to_form

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _reader(request):
    if not rules.can_read(request.user):
        raise PermissionDenied(
            "scorecards and the committee pack are for managers, leaders, analysts and councillors"
        )
    return request.user


def _writer(request):
    if not rules.can_write(request.user):
        raise PermissionDenied(
            "scorecard sets and the committee pack are written by heads of service, "
            "analysts and administrators"
        )
    return request.user


@login_required
def hub(request):
    """Where the council's governance work starts: the scorecards, the committee pack, the improvement
    plan and the quality assurance behind them, each as the user's role may open it."""
    user = _reader(request)
    role = policy.role_of(user)
    return render(request, "web/governance/hub.html", {
        "can_write": rules.can_write(user),
        "audits": role in (policy.SOCIAL_WORKER, policy.TEAM_MANAGER, policy.IRO, policy.PERSONAL_ADVISER,
                           policy.ANALYST, policy.ADMINISTRATOR, policy.COUNCILLOR),
        "supervision": role in (policy.TEAM_MANAGER, policy.ANALYST, policy.ADMINISTRATOR),
    })


def _catalogue(la) -> dict[str, list[tuple[str, str]]]:
    """The measures a set may hold, under the catalogue's sections (hand-entered ones last)."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    known = services.known_measures(la)
    for ind in cat.CATALOGUE.values():
        grouped.setdefault(ind.section, []).append((ind.id, ind.name))
    extra = [(i, name) for i, name in known.items() if i not in cat.CATALOGUE]
    if extra:
        grouped["Other measures (entered by hand)"] = extra
    return grouped


@login_required
def sets(request):
    user = _reader(request)
    return render(
        request,
        "web/governance/sets.html",
        {"sets": selectors.scorecard_sets(user), "can_write": rules.can_write(user)},
    )


def _set_form_page(request, s=None):
    user = _writer(request)
    initial = {}
    if s is not None:
        measures = list(s.measures.all())
        initial = {
            "version": s.version,
            "name": s.name,
            "purpose": s.purpose,
            "measures": [m.indicator_id for m in measures],
            "order": "\n".join(m.indicator_id for m in measures),
            "targets": "\n".join(f"{m.indicator_id} {m.target}" for m in measures if m.target),
        }
    form = ScorecardSetForm(request.POST or None, initial=initial, catalogue=_catalogue(user.local_authority))
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            saved = services.scorecard_set_save(
                by=user,
                name=c["name"],
                purpose=c["purpose"],
                measures=form.ordered_measures(),
                targets=c["targets"],
                set_id=s.pk if s else None,
                expected_version=(c["version"] or 0) if s else None,
            )
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        except EditConflict:
            messages.error(
                request,
                "Someone saved this scorecard since you opened it: your change was not "
                "applied. Here it is as it now stands.",
            )
            return redirect("web:governance_set_edit", s.pk)
        else:
            messages.success(request, f"Scorecard {saved.name} saved")
            return redirect("web:governance_set", saved.pk)
    return render(request, "web/governance/set_form.html", {"form": form, "set": s})


@login_required
def set_new(request):
    return _set_form_page(request)


@login_required
def set_edit(request, set_id):
    return _set_form_page(request, selectors.scorecard_set(_writer(request), set_id))


def _period(request) -> tuple[int, int | None, list[str]]:
    return _scorecard_period(request.GET)


@login_required
def set_view(request, set_id):
    """The set as the main scorecard shows it; those who may not see the children behind a figure
    see the published (suppressed) figures, as on the scorecard page."""
    user = _reader(request)
    s = selectors.scorecard_set(user, set_id)
    year, q, errors = _period(request)
    card = selectors.set_scorecard(s, year, q)
    return render(
        request,
        "web/governance/set.html",
        {
            "set": s,
            "card": card,
            "year": year,
            "quarter": q,
            "errors": errors,
            "quarters": QUARTERS,
            "scorecard": mark_safe(render_html(card, public=not policy.can_drill(user), standalone=False)),  # noqa: S308
            "can_write": rules.can_write(user),
        },
    )


@login_required
def set_commentary(request, set_id):
    user = _writer(request)
    s = selectors.scorecard_set(user, set_id)
    year, q, _ = _period(request)
    card = selectors.set_scorecard(s, year, q)
    label = card.period.label
    held = selectors.set_commentary(s, label)
    form = CommentaryForm(
        request.POST or None, rows=card.rows, initial={f"comment_{i}": t for i, t in held.items()}
    )
    if request.method == "POST" and form.is_valid():
        texts = {name.removeprefix("comment_"): value for name, value in form.cleaned_data.items()}
        try:
            n = services.set_commentary_save(by=user, set_id=s.pk, period_label=label, texts=texts)
        except RecordInvalid as exc:
            _violations_to_form(form, exc)
        else:
            messages.success(request, f"Commentary for {label} saved ({n} changed)")
            return redirect(
                reverse("web:governance_set", args=[s.pk]) + f"?year={year}&quarter={q or 'year'}"
            )
    return render(request, "web/governance/commentary.html", {"set": s, "form": form, "label": label})


def _pack_period(request) -> tuple[int, int, list[str]]:
    year, q, errors = _period(request)
    return year, q or 4, errors


@login_required
def pack_page(request):
    """The quarter's pack: its words (for those who write it) and the downloads."""
    user = _reader(request)
    year, q, errors = _pack_period(request)
    saved = selectors.committee_pack(user, year, q)
    sets_ = selectors.scorecard_sets(user)
    parts = [(f"set:{s.pk}", f"Scorecard: {s.name}") for s in sets_] + list(services.PARTS.items())
    initial = (
        {
            "version": saved.version,
            "title": saved.title,
            "parts": saved.parts,
            "purpose": saved.purpose,
            "recommendations": saved.recommendations,
            "financial": saved.financial,
            "legal": saved.legal,
            "risk": saved.risk,
            "supporting": saved.supporting,
        }
        if saved
        else {"title": "Children's services performance report", "parts": [p for p, _ in parts]}
    )
    form = (
        CommitteePackForm(request.POST or None, initial=initial, parts=parts)
        if rules.can_write(user)
        else None
    )
    if request.method == "POST":
        _writer(request)
        if form.is_valid():
            c = form.cleaned_data
            try:
                services.committee_pack_save(
                    by=user,
                    year=year,
                    quarter=q,
                    title=c["title"],
                    parts=c["parts"],
                    purpose=c["purpose"],
                    recommendations=c["recommendations"],
                    financial=c["financial"],
                    legal=c["legal"],
                    risk=c["risk"],
                    supporting=c["supporting"],
                    expected_version=(c["version"] or 0) if saved else None,
                )
            except RecordInvalid as exc:
                _violations_to_form(form, exc)
            except EditConflict:
                messages.error(
                    request,
                    "Someone saved this pack since you opened it: your change was not "
                    "applied. Here it is as it now stands.",
                )
                return redirect(reverse("web:governance_pack") + f"?year={year}&quarter={q}")
            else:
                messages.success(request, "The pack's words are saved")
                return redirect(reverse("web:governance_pack") + f"?year={year}&quarter={q}")
    return render(
        request,
        "web/governance/pack.html",
        {
            "form": form,
            "saved": saved,
            "year": year,
            "quarter": q,
            "errors": errors,
            "quarters": QUARTERS,
            "label": selectors.period_label(year, q),
            "may_internal": policy.can_drill(user),
            "saved_parts": [dict(parts).get(p, p) for p in (saved.parts if saved else [])],
        },
    )


@login_required
def pack_download(request, year, quarter, fmt):
    """The pack built from the record now, as PDF or Word; public (small numbers suppressed) unless one
    who may see the children behind a figure asks for the internal version. Audited as an export."""
    user = _reader(request)
    earliest = max(2000, reporting_year_of(calendar.current().first) + 2)
    if fmt not in ("pdf", "docx") or quarter not in (1, 2, 3, 4):
        raise Http404("the pack is a PDF or a Word document for quarter 1 to 4")
    if not earliest <= year <= reporting_year_of(today()) + 1:  # the scorecard reads last year's end
        raise Http404(f"there is no pack for {year}: the record's calendar covers {earliest} onwards")
    public = request.GET.get("version") != "internal" or not policy.can_drill(user)
    built = committee.build(user, year, quarter, public=public)
    body = committee.to_pdf(built) if fmt == "pdf" else committee.to_docx(built)
    audit_record(
        actor=user,
        action="export",
        object_type="governance.CommitteePack",
        object_id=f"{year}-Q{quarter}",
        detail={"what": "committee pack", "format": fmt, "public": public},
    )
    name = f"committee-pack-{year}-q{quarter}{'' if public else '-internal'}.{fmt}"
    response = HttpResponse(body, content_type="application/pdf" if fmt == "pdf" else DOCX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("governance/", hub, name="governance"),
    path("governance/sets/", sets, name="governance_sets"),
    path("governance/sets/new/", set_new, name="governance_set_new"),
    path("governance/sets/<int:set_id>/", set_view, name="governance_set"),
    path("governance/sets/<int:set_id>/edit/", set_edit, name="governance_set_edit"),
    path("governance/sets/<int:set_id>/commentary/", set_commentary, name="governance_set_commentary"),
    path("governance/pack/", pack_page, name="governance_pack"),
    path(
        "governance/pack/<int:year>/<int:quarter>.<str:fmt>", pack_download, name="governance_pack_download"
    ),
]
