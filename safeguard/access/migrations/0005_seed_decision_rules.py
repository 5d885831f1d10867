"""Seed the table of decisions (issue 17) with the defaults in `access.policy.DECISION_DEFAULTS`.
The rows are written as they stand today, so a later change to the defaults does not rewrite a
council's table: the council changes its rows in the app (`services.decision_rule_change`)."""

from django.db import migrations

ROWS = [
    ("contact_decision", "The decision on a contact (whether it becomes a referral)", ["team_manager"], True, True,
     "[L] Working Together to Safeguard Children 2023, ch. 2: a local authority social worker should "
     "acknowledge receipt and make a decision about next steps, with management oversight"),
    ("referral_response", "The response to a referral (its type, or no further action)", ["team_manager"], True,
     True, "[L] Working Together to Safeguard Children 2023, ch. 2: management oversight of the decision"),
    ("assessment_authorisation", "Authorising (or returning) an assessment", ["team_manager"], True, True,
     "[L] Working Together to Safeguard Children 2023, ch. 2: management oversight of assessments"),
    ("section47_outcome", "The outcome of a section 47 enquiry", ["team_manager"], True, True,
     "[L] Working Together to Safeguard Children 2023, ch. 3: section 47 enquiries"),
    ("referral_closure", "Closing an episode of need (with the management rationale)", ["team_manager"], True,
     True, "[L] the council's closure and step-down procedure"),
    ("pre_proceedings_decision", "Issuing care proceedings or stepping down from pre-proceedings",
     ["team_manager"], True, True,
     "[L] the council's legal planning (gateway) meeting; Court orders and pre-proceedings (DfE, 2014)"),
    ("conference", "Recording a child protection conference and its decision (initial, review, transfer-in)",
     ["iro"], False, False,
     "Working Together to Safeguard Children 2023, ch. 3: the conference is chaired by a professional "
     "independent of operational or line management responsibility for the case"),
    ("cp_plan_start", "Starting a child protection plan (from the conference's decision)", ["iro"], False, False,
     "Working Together to Safeguard Children 2023, ch. 3: only the conference decides a child protection plan"),
    ("cp_plan_end", "Ending a child protection plan (with its reason)", ["iro", "team_manager"], True, True,
     "[L] Working Together to Safeguard Children 2023, ch. 3: a plan ends when a review conference decides "
     "the child is no longer at risk of significant harm"),
    ("looked_after_review", "Chairing a looked-after child's review and recording its decisions", ["iro"], False,
     False, "Children Act 1989 ss. 25A-25B: the child's independent reviewing officer"),
]


def seed(apps, schema_editor):
    DecisionRule = apps.get_model("access", "DecisionRule")
    for code, label, roles, changeable, local, source in ROWS:
        DecisionRule.objects.get_or_create(code=code, defaults=dict(
            label=label, roles=roles, changeable=changeable, local=local, source=source))


def unseed(apps, schema_editor):
    apps.get_model("access", "DecisionRule").objects.filter(code__in=[r[0] for r in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0004_decision_rules")]
    operations = [migrations.RunPython(seed, unseed)]
