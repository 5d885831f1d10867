"""The audit tools Safeguard ships with (written for Safeguard; a council edits or adds its own).
Loaded by migration 0002 and `tools_load_defaults`; loading twice changes nothing."""

from __future__ import annotations

#: (code, name, purpose, [(domain code, title, questions, guidance), ...])
TOOLS = (
    (
        "case-file",
        "Case file audit",
        "The monthly audit of a sampled case: is the child safer and better off for our involvement, "
        "and does the record show it?",
        [
            ("assessment", "Assessment",
             "Is the latest assessment up to date and proportionate to the child's needs?\n"
             "Does it analyse risk and protective factors, not only describe them?\n"
             "Is the family's history (including earlier involvement) understood and used?",
             "Good: the analysis explains what life is like for the child and why the concerns matter. "
             "Inadequate: the assessment is missing, out of date, or lists events without analysis."),
            ("planning", "Planning",
             "Does the child have a plan that says what must change, who will do it and by when?\n"
             "Are actions specific and measurable, and reviewed within timescales?\n"
             "Is there a contingency if things do not improve?",
             "Good: plans are SMART, reviewed on time, and progress is tracked against them. "
             "Requires improvement: a plan exists but actions are vague or drifting."),
            ("voice-of-the-child", "Voice of the child",
             "Is the child seen, and seen alone where appropriate, at the expected frequency?\n"
             "Are the child's wishes and feelings recorded in their own words or behaviour?\n"
             "Can you see how the child's views shaped decisions?",
             "Good: the child's lived experience is vivid on the record and influences the plan. "
             "Inadequate: the child is rarely seen or their views are absent."),
            ("management-oversight", "Management oversight",
             "Are key decisions made or agreed by a manager, with a recorded rationale?\n"
             "Is supervision regular and reflective, with actions followed up?\n"
             "Has drift or delay been noticed and challenged?",
             "Good: oversight is evident at each key point and changes the direction of work when needed. "
             "Inadequate: decisions lack rationale or drift goes unchallenged."),
            ("multi-agency-working", "Working with partners",
             "Are the right agencies involved and sharing information?\n"
             "Do partners attend meetings and contribute to plans?",
             "Good: partners' contributions are recorded and acted on."),
            ("recording", "Recording and chronology",
             "Is the record up to date, clear and written for the child to read one day?\n"
             "Is there a current chronology of significant events?",
             "Good: case notes are timely and purposeful; the chronology is current and analysed."),
        ],
    ),
    (
        "strategy-discussion",
        "Strategy discussion themed audit",
        "A themed look at strategy discussions: who took part, what was shared and how the decision "
        "to start (or not start) section 47 enquiries was reached.",
        [
            ("attendance", "Multi-agency attendance",
             "Did police, health and education (where the child attends) take part?\n"
             "If an agency was absent, was its information sought another way?",
             "Good: all statutory partners took part or contributed in writing."),
            ("information-sharing", "Information sharing",
             "Was each agency's relevant history shared and recorded?\n"
             "Were gaps in knowledge identified with actions to fill them?",
             "Good: the record shows what each agency knew and what was still unknown."),
            ("decision", "Decision and rationale",
             "Is the threshold decision clear, with its reasoning?\n"
             "Were immediate safety actions agreed and allocated?",
             "Good: the decision follows from the information and is recorded with its reasons."),
            ("voice-of-the-child", "Voice of the child",
             "Was what is known of the child's experience and views considered?",
             "Good: the child's circumstances are central to the discussion."),
            ("management-oversight", "Management oversight",
             "Did a manager agree the outcome and the timescale for next steps?",
             "Good: oversight is recorded on the day."),
        ],
    ),
)


def load(AuditTool, AuditDomain) -> int:  # noqa: N803 (models passed in, as a migration has them)
    """Create any shipped tool or domain not yet on file; return how many rows were made."""
    made = 0
    for code, name, purpose, domains in TOOLS:
        tool, created = AuditTool.objects.get_or_create(
            code=code, defaults={"name": name, "purpose": purpose})
        made += created
        for order, (d_code, title, questions, guidance) in enumerate(domains):
            _, created = AuditDomain.objects.get_or_create(
                tool=tool, code=d_code,
                defaults={"order": order, "title": title, "questions": questions, "guidance": guidance},
            )
            made += created
    return made
