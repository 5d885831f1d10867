"""What other tests need to take an assessment to sign-off: since sign-off needs a submission, a
test about what follows (a CIN plan, an indicator, a return) submits it first with `submit`."""

from __future__ import annotations

import datetime as dt

from safeguard.assessment import services as asmt
from safeguard.assessment.checks import SECTIONS
from safeguard.assessment.models import Assessment, AssessmentContent

#: Synthetic words for every section of the Assessment Framework.
WORDS = {name: f"Synthetic words about {name.replace('_', ' ')}." for name in SECTIONS}


def submit(worker, assessment, *, child_seen_date: dt.date | None = None, **kw) -> Assessment:
    """The worker sees the child (on `child_seen_date`, or the start date, if not yet recorded),
    writes every section and submits; keyword arguments override the submission's (`factors`,
    `requires_support`, `outcome`). Returns the assessment, ready for the manager's decision."""
    a = Assessment.objects.get(pk=assessment.pk)
    if a.child_seen_date is None:
        a = asmt.assessment_record_child_seen(by=worker, assessment_id=a.pk,
                                              expected_version=a.version,
                                              child_seen_date=child_seen_date or a.start_date)
    words = AssessmentContent.objects.filter(assessment=a).first()
    words = asmt.assessment_save(by=worker, assessment_id=a.pk,
                                 expected_version=words.version if words else 0, **WORDS)
    args = dict(by=worker, assessment_id=a.pk, expected_version=words.version,
                factors=["3B", "4B"], requires_support=True, outcome="cin_plan")
    args.update(kw)
    return asmt.assessment_submit(**args)
