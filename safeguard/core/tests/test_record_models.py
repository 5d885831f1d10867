"""Every record model keeps its history, to reproduce "the record as at 31 March" (ARCHITECTURE.md)."""

from django.apps import apps

RECORD_APPS = {"people", "front_door", "assessment", "child_protection", "looked_after", "workforce",
               "casework", "iro"}
# Reference data, derived rows, append-only rows (an amendment is written once, never changed: a
# note's or an assessment's, whose words before and after are kept in the amended record's own
# history) and a draft (a form's words before they are saved to the record).
DERIVED_OR_REFERENCE = {"LocalAuthority", "User", "PopulationEstimate", "Organisation",
                        "CaseNoteAmendment", "AssessmentAmendment", "Draft"}


def record_models():
    for model in apps.get_models():
        if model._meta.app_label in RECORD_APPS and not model.__name__.startswith("Historical"):
            if model.__name__ not in DERIVED_OR_REFERENCE:
                yield model


def test_every_record_model_has_history():
    missing = [m.__name__ for m in record_models() if not hasattr(m, "history")]
    assert missing == []
