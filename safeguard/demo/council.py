"""A small demo council for `make demo`: staff in every role and children at each step of the
journey, recorded through the same services (and validation) as a practitioner's saves.

All names are invented. Dates run back from today so worklists show work due and overdue.
`make demo` loads it into the council `safeguard generate` made (the same LA code), where the demo
staff join the generated teams: the demo manager's team is the generated Assessment Team (at most
seven social workers, `journeys.TEAM_SIZE`) with the demo worker; alone, colleagues are added so
the team still has six (issue 18: every demo user lands on believable work).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from safeguard.assessment import services as assessment
from safeguard.assessment.selectors import INCOMING_DAYS
from safeguard.assurance.audits.demo import demo_audits
from safeguard.assurance.complaints.demo import load_demo_complaints
from safeguard.assurance.improvement.demo import load_demo_improvement
from safeguard.assurance.supervision.demo import load_demo_supervision
from safeguard.casework import documents
from safeguard.casework import services as notes
from safeguard.child_protection import services as cp
from safeguard.core import errors
from safeguard.front_door import services as front_door
from safeguard.governance.demo import load_demo_sets
from safeguard.iro import services as iro
from safeguard.lado.demo import load_demo_lado
from safeguard.looked_after import services as looked_after
from safeguard.notifications.models import Notification
from safeguard.notifications.services import notification_mark_read
from safeguard.people import services as people
from safeguard.timescales import calendar
from safeguard.timescales.rules import RULES
from safeguard.workforce.models import Allocation, LocalAuthority, Team, User
from safeguard.workforce.services import allocation_start

from .casework import pdf_bytes

FIRST = ["Amara", "Ben", "Chloe", "Dylan", "Ella", "Finn", "Grace", "Harvey", "Isla", "Jack",
         "Kai", "Lily", "Mason", "Nia", "Oscar", "Poppy", "Reuben", "Sofia", "Theo", "Zara"]
FIRST_ADULT = ["Dana", "Kerry", "Nadia", "Leanne", "Sofia", "Amy", "Joanne", "Priti"]
LAST = ["Ashdown", "Brambleford", "Coldharbour", "Dunmere", "Eastling", "Foxwood", "Greyfield",
        "Hollins", "Ivybridge", "Juniper", "Kestrel", "Larkspur", "Marlow", "Northcott"]
ETHNIC = ["WBRI"] * 7 + ["WOTH", "MWBC", "AIND", "APKN", "BAFR", "CHNE", "MOTH", "NOBT"]

ROLES = [
    ("sw.demo", "Sam", "Okafor", User.Role.SOCIAL_WORKER, "Assessment Team"),
    ("duty.demo", "Dana", "Frost", User.Role.SOCIAL_WORKER, "Front Door (MASH)"),
    ("sw2.demo", "Priya", "Lane", User.Role.SOCIAL_WORKER, "Children in Care Team"),
    ("tm.demo", "Tom", "Hale", User.Role.TEAM_MANAGER, "Assessment Team"),
    ("hos.demo", "Helen", "Ward", User.Role.HEAD_OF_SERVICE, "Assessment Service Management"),
    ("complaints.demo", "Cath", "Reyes", User.Role.COMPLAINTS_MANAGER, "Quality Assurance"),
    ("iro.demo", "Irene", "Moss", User.Role.IRO, "Independent Reviewing Service"),
    ("lado.demo", "Laura", "Dent", User.Role.LADO, "Quality Assurance"),
    ("analyst.demo", "Ana", "Patel", User.Role.ANALYST, "Performance"),
    ("admin.demo", "Adam", "Reed", User.Role.ADMINISTRATOR, "Performance"),
    ("councillor.demo", "Carol", "Birch", User.Role.COUNCILLOR, None),
]
#: The demo council's LA code: the one `safeguard generate` uses by default, so `make demo` joins it.
DEMO_LA_CODE = "E06000049"
#: Colleagues of the demo worker, added (without a password: they do not sign in) only when the
#: manager's team would otherwise have fewer than TEAM_AT_LEAST social workers.
COLLEAGUES = [("Jo", "Brennan"), ("Marcus", "Webb"), ("Aisha", "Rahman"), ("Owen", "Price"),
              ("Lucy", "Tran")]
TEAM_AT_LEAST = 6


#: The service of each demo team: the front door (duty) team alone sees cases no social worker holds.
SERVICES = {"Front Door (MASH)": "Front door", "Assessment Team": "Assessment",
            "Assessment Service Management": "Assessment",
            "Children in Care Team": "Children in care", "Independent Reviewing Service": "Quality assurance",
            "Quality Assurance": "Quality assurance", "Performance": "Performance"}


class Demo:
    def __init__(self, today: dt.date, seed: int = 2026, la_code: str = DEMO_LA_CODE):
        self.today = today
        self.la_code = la_code
        self.rng = random.Random(seed)
        self.cal = calendar.current()
        self.n = 0

    def wd_ago(self, n: int) -> dt.date:
        """The working day n working days before today."""
        d = self.today
        while self.cal.working_days_between(d, self.today) < n or not self.cal.is_working_day(d):
            d -= dt.timedelta(days=1)
        return d

    def staff(self) -> dict[str, str]:
        la, _ = LocalAuthority.objects.get_or_create(
            code=self.la_code, defaults={"la_number": 895, "name": "Demo Borough Council"})
        self.la = la
        passwords = {}
        self.users = {}
        for username, first, last, role, team_name in ROLES:
            team = Team.objects.get_or_create(
                local_authority=la, name=team_name, defaults={"service": SERVICES.get(team_name, "")}
            )[0] if team_name else None
            password = secrets.token_urlsafe(9)
            user = User.objects.create_user(
                username=username, password=password, first_name=first, last_name=last, role=role,
                team=team, local_authority=la,
                sw_id=f"SW{self.rng.randint(1000000, 9999999)}" if role == "social_worker" else "",
            )
            self.users[role if role not in self.users else username] = user
            passwords[username] = password
        manager = self.users[User.Role.TEAM_MANAGER]
        Team.objects.filter(local_authority=la, name="Assessment Team").update(manager=manager)
        return passwords

    def child(self, dob: dt.date | None, **extra):
        self.n += 1
        sex = extra.pop("sex", self.rng.choice("MF"))
        return people.child_register(
            by=self.sw, local_authority=self.la, la_child_id=f"DEMO{self.n:05d}",
            first_name=self.rng.choice(FIRST), last_name=self.rng.choice(LAST),
            date_of_birth=dob, sex=sex if dob else "U", ethnicity=self.rng.choice(ETHNIC), **extra)

    def referral(self, child, on: dt.date, source="2A", allocate=True, worker=None):
        contact = front_door.contact_record(by=self.sw, child_id=child.pk,
                                            received_at=_at(on, 9), source=source,
                                            summary="Concerns raised (demo)")
        front_door.contact_decide(by=self.manager, contact_id=contact.pk,
                                  expected_version=contact.version, decision="referral",
                                  decided_at=_at(on, 15))
        referral = child.referrals.get(referral_date=on)
        if allocate:
            allocation_start(by=self.manager, child_id=child.pk, worker_id=(worker or self.sw).pk,
                             start_date=on)
        return referral

    def _case_record(self, child, n: int) -> None:
        _case_record_demo(self, child, n)

    def _siblings(self, a, b) -> None:
        """Two of the worker's children are brother and sister: one visit, one note in both records."""
        people.relationship_add(by=self.sw, child_id=a.pk, kind="sibling", relative_id=b.pk)
        people.relationship_add(by=self.sw, child_id=b.pk, kind="sibling", relative_id=a.pk)
        notes.note_record(by=self.sw, child_ids=[a.pk, b.pk], kind="office_visit", occurred_on=self.wd_ago(1),
                          title="Both children seen at the office",
                          text="Saw the children together, then each alone. Both said things are calmer.",
                          seen={a.pk: {"seen": True, "seen_alone": True},
                                b.pk: {"seen": True, "seen_alone": True}})

    def load(self) -> dict[str, str]:
        passwords = self.staff()
        self.sw, self.sw2 = self.users[User.Role.SOCIAL_WORKER], self.users["sw2.demo"]
        self.manager, self.iro = self.users[User.Role.TEAM_MANAGER], self.users[User.Role.IRO]
        years = lambda n: self.today - dt.timedelta(days=int(365.25 * n))  # noqa: E731

        # Referrals awaiting a decision: the front door's work today, held by the duty worker.
        for days in (0, 1, 3):
            self.referral(self.child(years(self.rng.randint(1, 15))), self.wd_ago(days),
                          worker=self.users["duty.demo"])
        # Assessments in progress; two written and submitted, awaiting the manager's decision
        # (Working Together 2023).
        # The newest (allocated two working days ago) is in the worker's Incoming; one of the
        # submitted ones has come back with the manager's comments.
        for days in (2, 12, 20, 30, 44, 50):
            c = self.child(years(self.rng.randint(1, 15)))
            ref = self.referral(c, self.wd_ago(days))
            front_door.referral_record_response(by=self.manager, referral_id=ref.pk,
                                                expected_version=ref.version,
                                                response="assessment", response_date=ref.referral_date)
            a = assessment.assessment_start(by=self.sw, referral_id=ref.pk,
                                            start_date=self.wd_ago(days - 1))
            if days in (30, 44):
                a = self._assess(c, a, seen=self.wd_ago(days - 4))
            if days == 44:
                assessment.assessment_return(
                    by=self.manager, assessment_id=a.pk, expected_version=a.version,
                    comments="Please say what the school and the health visitor told you, and what "
                             "the child said about home, before I authorise this.")

        # Assessed and supported on a child in need plan.
        for days in (70, 110, 140, 200, 250):
            c = self.child(years(self.rng.randint(2, 14)))
            ref = self.referral(c, self.wd_ago(days))
            ref = front_door.referral_record_response(by=self.manager, referral_id=ref.pk,
                                                      expected_version=ref.version,
                                                      response="assessment",
                                                      response_date=ref.referral_date)
            ref = front_door.referral_set_primary_need(by=self.sw, referral_id=ref.pk,
                                                       expected_version=ref.version,
                                                       primary_need="N4")
            a = assessment.assessment_start(by=self.sw, referral_id=ref.pk,
                                            start_date=self.wd_ago(days - 1))
            a = self._assess(c, a, seen=self.wd_ago(days - 6))
            assessment.assessment_authorise(by=self.manager, assessment_id=a.pk,
                                            expected_version=a.version,
                                            authorisation_date=self.wd_ago(days - 30),
                                            factors=["3B", "4B"], requires_support=True,
                                            comments="Agreed: a child in need plan, reviewed in "
                                                     "three months.")
            assessment.cin_plan_start(by=self.sw, referral_id=ref.pk,
                                      start_date=self.wd_ago(days - 32))
            people.visit_record(by=self.sw, child_id=c.pk, visit_date=self.wd_ago(10),
                                seen=True, seen_alone=True)

        # Child protection: strategy discussion, S47, ICPC, plan, reviews, visits.
        for days, category in ((25, "NEG"), (60, "EMO"), (90, "EMO"), (200, "NEG"), (300, "PHY")):
            c = self.child(years(self.rng.randint(1, 12)))
            self._protection(c, days, category)
        unborn = self.child(None, expected_date_of_birth=self.today + dt.timedelta(days=40))
        self._protection(unborn, 20, "NEG")

        # Looked after: recent entry, settled placement with reviews, and a placement move.
        for days in (8, 120, 400):
            c = self.child(years(self.rng.randint(3, 15)))
            self._care(c, days)

        # The case record of each of the demo worker's children: notes, family, network, documents.
        mine = [a.child for a in Allocation.objects.filter(worker=self.sw, end_date__isnull=True)
                .select_related("child").order_by("child_id")]
        for n, c in enumerate(mine):
            self._case_record(c, n)
        if len(mine) >= 2:
            self._siblings(mine[-2], mine[-1])

        self._colleagues(years)

        # A restricted record (a member of staff's own relative): only a grant or break-glass opens it.
        relative = self.child(years(9))
        self.referral(relative, self.wd_ago(5))
        people.child_restrict(by=self.manager, child_id=relative.pk, restricted=True,
                              reason="A relative of a member of staff in the Assessment Team")

        # The LADO's caseload: several years of allegations against adults who work with children.
        load_demo_lado(self.la, self.users[User.Role.LADO], self.today)
        load_demo_complaints(self.la, self.users[User.Role.COMPLAINTS_MANAGER], self.today)
        load_demo_supervision(self.la, self.today)
        demo_audits(local_authority=self.la, end=self.today, months=12, per_team=1)
        load_demo_sets(self.users[User.Role.ANALYST], self.today)
        load_demo_improvement(self.la, self.users[User.Role.HEAD_OF_SERVICE], self.today)
        self._old_news_read()
        return passwords

    def _old_news_read(self) -> None:
        """The demo is made in one go today, so every allocation it records would arrive as news:
        those that began before the Incoming window are marked read, as the worker would have."""
        since = self.today - dt.timedelta(days=INCOMING_DAYS)
        for user in (self.sw, self.sw2, self.users["duty.demo"]):
            recent = set(Allocation.objects.filter(worker=user, start_date__gte=since).values_list(
                "child_id", flat=True))
            old = Notification.objects.filter(to=user, kind=Notification.Kind.ALLOCATED, read_at__isnull=True)
            for pk in old.exclude(child_id__in=recent).values_list("pk", flat=True):
                notification_mark_read(by=user, notification_id=pk)

    def _colleagues(self, years) -> None:
        """Make the manager's team six social workers when the council has too few (the demo alone,
        or a tiny generated council): each colleague holds a child whose assessment awaits the
        manager's decision. In `make demo` the generated team is big enough and none is added."""
        team = self.sw.team
        have = User.objects.filter(team=team, role=User.Role.SOCIAL_WORKER, is_active=True).count()
        for n, (first, last) in enumerate(COLLEAGUES[:max(0, TEAM_AT_LEAST - have)], start=1):
            worker = User.objects.create_user(
                username=f"aw{n}.demo", password=None, first_name=first, last_name=last,
                role=User.Role.SOCIAL_WORKER, team=team, local_authority=self.la,
                sw_id=f"SW{self.rng.randint(1000000, 9999999)}")
            days = 20 + 6 * n
            c = self.child(years(self.rng.randint(1, 15)))
            ref = self.referral(c, self.wd_ago(days), worker=worker)
            front_door.referral_record_response(by=self.manager, referral_id=ref.pk,
                                                expected_version=ref.version,
                                                response="assessment", response_date=ref.referral_date)
            a = assessment.assessment_start(by=worker, referral_id=ref.pk, start_date=self.wd_ago(days - 1))
            self._assess(c, a, seen=self.wd_ago(days - 4), by=worker)

    def _assess(self, child, a, *, seen: dt.date, by=None):
        """The worker sees the child, writes the assessment's six sections and submits it for
        the manager's decision (Working Together 2023); returns the submitted assessment."""
        by = by or self.sw
        a = assessment.assessment_record_child_seen(by=by, assessment_id=a.pk,
                                                    expected_version=a.version, child_seen_date=seen)
        first = child.first_name
        words = assessment.assessment_save(
            by=by, assessment_id=a.pk, expected_version=a.content.version,
            **{name: text.format(first=first) for name, text in _ASSESSMENT.items()})
        return assessment.assessment_submit(by=by, assessment_id=a.pk,
                                            expected_version=words.version, factors=["3B", "4B"],
                                            requires_support=True, outcome="cin_plan")

    def _protection(self, child, days: int, category: str) -> None:
        ref = self.referral(child, self.wd_ago(days), source="6")
        ref = front_door.referral_record_response(by=self.manager, referral_id=ref.pk,
                                                  expected_version=ref.version, response="strategy",
                                                  response_date=ref.referral_date)
        front_door.referral_set_primary_need(by=self.sw, referral_id=ref.pk,
                                             expected_version=ref.version, primary_need="N1")
        sd = cp.strategy_discussion_record(by=self.sw, referral_id=ref.pk, held_on=ref.referral_date,
                                           s47_initiated=True)
        s47 = cp.section47_start(by=self.sw, referral_id=ref.pk, start_date=ref.referral_date,
                                 strategy_discussion_id=sd.pk)
        if days < 15:
            return
        icpc_day = self.wd_ago(days - 12)
        first = child.first_name if child.date_of_birth else "the baby"
        cp.section47_submit(by=self.sw, section47_id=s47.pk, expected_version=s47.version,
                            findings=_S47_FINDINGS.format(first=first), proposed_outcome="icpc")
        cp.section47_record_outcome(by=self.manager, section47_id=s47.pk,
                                    expected_version=s47.version, end_date=icpc_day, outcome="icpc",
                                    icpc_not_required=False,
                                    rationale="The concerns are substantiated and the risk is not "
                                              "reduced by the family's own plan: an initial "
                                              "conference is needed.")
        if child.date_of_birth:
            views = dict(child_participation="conveyed", child_views=(
                f"{first} told the social worker they like school and want the shouting at home "
                "to stop; these words were read to the conference."))
        else:
            views = dict(child_participation="too_young")
        conf = cp.conference_record(
            by=self.iro, referral_id=ref.pk, kind="initial", held_on=icpc_day,
            section47_id=s47.pk, plan_required=True, chair=self.iro,
            invited="Mother; father; social worker; health visitor or school; police; GP",
            attended="Mother; social worker; school or health visitor; police",
            apologies="GP (report sent)", agencies=["childrens_social_care", "police",
                                                    "school" if child.date_of_birth else
                                                    "health_visitor"],
            decision="plan_needed", decision_reasons=_ICPC_REASONS.format(first=first), **views)
        plan = cp.cp_plan_start(by=self.iro, referral_id=ref.pk, start_date=icpc_day,
                                initial_category=category, conference_id=conf.pk)
        allocation_start(by=self.manager, child_id=child.pk, worker_id=self.iro.pk,
                         start_date=icpc_day, kind="iro")
        cp.core_group_record(by=self.sw, cp_plan_id=plan.pk, held_on=self.wd_ago(days - 20))
        if days > 90:
            cp.conference_record(
                by=self.iro, referral_id=ref.pk, kind="review", held_on=self.wd_ago(days - 70),
                cp_plan_id=plan.pk, chair=self.iro,
                attended="Mother; social worker; school or health visitor",
                agencies=["childrens_social_care", "school" if child.date_of_birth else
                          "health_visitor"], decision="continue_plan",
                decision_reasons="Some progress, but the core group has not yet seen the changes "
                                 "last long enough: the plan continues.",
                progress="Mother attends the parenting course; home conditions have improved; "
                         "school attendance is up.", **views)
        if child.date_of_birth:
            for back in range(days - 14, 0, -9):
                people.visit_record(by=self.sw, child_id=child.pk, visit_date=self.wd_ago(back),
                                    seen=True, seen_alone=back % 2 == 0)

    def _care(self, child, days: int) -> None:
        start = self.wd_ago(days)
        ref = self.referral(child, start, source="6", worker=self.sw2)
        front_door.referral_record_response(by=self.manager, referral_id=ref.pk,
                                            expected_version=ref.version, response="assessment",
                                            response_date=start)
        looked_after.period_of_care_start(
            by=self.sw2, child_id=child.pk, decom=start, legal_status="C1", category_of_need="N1",
            placement="U6", placement_provider="PR1", home_postcode="CW1 2AB",
            placement_postcode="CW2 7QQ", urn="SC049012")
        allocation_start(by=self.manager, child_id=child.pk, worker_id=self.iro.pk, start_date=start,
                         kind="iro")
        looked_after.health_assessment_record(by=self.sw2, child_id=child.pk, kind="IHA",
                                              requested_date=start,
                                              completed_date=min(self.wd_ago(days - 15), self.today))
        if days > 20:
            looked_after.review_record(by=self.iro, child_id=child.pk,
                                       review_date=self.wd_ago(days - 18),
                                       participation=_participation(child, self.wd_ago(days - 18)),
                                       **_REVIEW_MINUTES)
            self._iro_oversight(child, days)
        if days > 200:
            looked_after.episode_change(by=self.sw2, child_id=child.pk,
                                        change_date=self.wd_ago(days - 150), rne="B",
                                        legal_status="C2", placement="U4", placement_provider="PR4",
                                        reason_place_change="CARPL", placement_postcode="CW5 6HH",
                                        urn="SC123456")
            looked_after.review_record(by=self.iro, child_id=child.pk,
                                       review_date=self.wd_ago(days - 80),
                                       participation=_participation(child, self.wd_ago(days - 80)))
        for back in range(min(days - 2, 60), 0, -25):
            people.visit_record(by=self.sw2, child_id=child.pk, visit_date=self.wd_ago(back), seen=True)
        # The personal education plan within 10 working days, then each term (INDICATORS.md T13);
        # the newest arrival's is still to do.
        low, high = RULES["T13"].ages
        if days > 10 and low <= relativedelta(start, child.date_of_birth).years < high:
            for back in range(days - 8, 0, -80):
                looked_after.pep_record(by=self.sw2, child_id=child.pk, plan_date=self.wd_ago(back))

    def _iro_oversight(self, child, days: int) -> None:
        """The IRO's desk: monitoring between reviews and a practice alert through dispute
        resolution (IRO Handbook 2010 ch. 6): resolved informally for a settled child, escalated to
        the team manager and still open for the child whose plan has drifted."""
        found = self.wd_ago(min(days - 25, 30))
        seen = iro.monitoring_record(
            by=self.iro, child_id=child.pk, held_on=found, kind="midway_review", concern_found=True,
            note="Midway check of the file: the permanence planning meeting agreed at the review has "
                 "not been booked and the placement plan is out of date.")
        alert = iro.practice_alert_raise(
            by=self.iro, child_id=child.pk, raised_on=found, category="drift_delay",
            raised_with_id=self.sw2.pk, monitoring_id=seen.pk,
            concern="The permanence planning meeting agreed at the last review has not taken place.")
        if days > 200:
            iro.practice_alert_escalate(by=self.iro, alert_id=alert.pk, expected_version=alert.version,
                                        escalated_on=self.wd_ago(min(days - 25, 30) - 7),
                                        raised_with_id=self.manager.pk)
            return
        iro.practice_alert_respond(by=self.sw2, alert_id=alert.pk, expected_version=None,
                                   responded_on=self.wd_ago(min(days - 25, 30) - 2),
                                   response="The meeting is now booked for next week with the carers.")
        iro.practice_alert_resolve(by=self.iro, alert_id=alert.pk, expected_version=alert.version,
                                   resolved_on=self.wd_ago(min(days - 25, 30) - 3), resolution="put_right",
                                   resolution_note="Meeting held; permanence plan agreed.")


#: What the demo's looked-after reviews record (Care Planning Regulations 2010 reg 36; synthetic).
_REVIEW_MINUTES = dict(
    invited="Child, foster carers, birth mother, social worker, school designated teacher, IRO",
    attended="Child, foster carers, social worker, IRO", apologies="School designated teacher",
    agencies=["school", "childrens_social_care"],
    views_shared="Met the IRO before the review and spoke in the meeting",
    child_views="I like living here. I want to see my mum more and stay at my school.",
    parents_views="Mother supports the placement and asks for more family time at weekends.",
    decisions="1. Family time with mother to increase to fortnightly at weekends.\n"
              "2. Permanence planning meeting within 4 weeks.",
    decision_reasons="The child is settled and asks to see mum more; the carers can support it.",
    care_plan_appropriate=True,
)


_NOTE_TEXT = (
    "Visited the family at home. {first} answered the door with their mother and was chatty.\n\n"
    "## What {first} said\n- School is better since the new class teacher started\n"
    "- Worries about mum when she is unwell\n\n"
    "## What I saw\nThe home was warm and tidy; there was food in the kitchen. {first} showed me "
    "their bedroom, which was clean, with their own bed.\n\n"
    "## Next steps\n1. Speak to the school about attendance\n2. Visit again within ten working days"
)


#: The six sections of a demo assessment (Assessment Framework; synthetic words).
_ASSESSMENT = {
    "developmental_needs": "{first} is meeting most milestones. Health visitor and school report "
                           "no concerns about growth; attendance has dipped this term.",
    "parenting_capacity": "Mother provides warmth and routine on good days; when her mental health "
                          "is poor, meals and school mornings slip. She asks for help when she "
                          "needs it.",
    "family_and_environment": "The family live in a two-bedroom flat with rent arrears. Maternal "
                              "grandmother lives nearby and helps with school runs.",
    "wishes_and_feelings": "{first} said: \"I like it when Nan picks me up. I worry when mum "
                           "stays in bed.\"",
    "analysis": "The needs arise from mother's fluctuating health and money worries rather than "
                "from any intent to harm. With support the family can meet {first}'s needs.",
    "recommendation": "A child in need plan: a referral to adult mental health services, help "
                      "with the arrears, and a weekly check-in with school.",
}
_S47_FINDINGS = (
    "Saw {first} at home and alone; spoke to mother, the school or health visitor and the police. "
    "The family's account does not explain the concerns, and the police were called to the home "
    "twice this year.")
_ICPC_REASONS = (
    "Agencies agree {first} is likely to suffer significant harm without a plan: repeated "
    "incidents, an account that does not explain the concerns, and support so far has not "
    "helped.")


def _case_record_demo(demo, child, n: int) -> None:
    """One child's everyday record, written as a worker would (synthetic names and text)."""
    today, first = demo.today, child.first_name
    last_visit = demo.wd_ago(3 + n % 4)
    notes.note_record(by=demo.sw, child_ids=[child.pk], kind="home_visit", occurred_on=last_visit,
                         title=f"Home visit: {first} seen alone", text=_NOTE_TEXT.format(first=first),
                         present=f"Mother; {first}", statutory_visit=child.date_of_birth is not None,
                         seen={child.pk: {"seen": child.date_of_birth is not None,
                                          "seen_alone": child.date_of_birth is not None}})
    notes.note_record(by=demo.sw, child_ids=[child.pk], kind="phone_call", occurred_on=demo.wd_ago(6),
                         title="Call with the school", text=f"Spoke to the designated safeguarding lead. "
                         f"{first}'s attendance this half term is 91%, up from 84%.")
    notes.note_record(by=demo.manager, child_ids=[child.pk], kind="management_oversight",
                         occurred_on=demo.wd_ago(2), title="Management oversight",
                         text="Reviewed the record and the plan. Visits are on time. Next: check the "
                              "school's attendance plan at the next supervision.")
    if n % 3 == 0:
        notes.note_record(by=demo.sw, child_ids=[child.pk], kind="significant_event",
                             occurred_on=demo.wd_ago(15), title="Police called to the home",
                             text="Police attended after a neighbour heard shouting. No arrests.",
                             significant=True, sensitive=True)
    mother = people.person_add(
        by=demo.sw, child_id=child.pk, kind="mother", first_name=demo.rng.choice(FIRST_ADULT),
        last_name=child.last_name, date_of_birth=today - relativedelta(years=29 + n % 9), sex="F",
        phone=f"07700 900{100 + n:03d}", lives_with_child=True, parental_responsibility=True,
        address={"line_1": f"{10 + n} Orchard Close", "town": "Demoton", "postcode": "CW1 2AB",
                 "from_date": today - relativedelta(years=3)})
    people.person_add(by=demo.sw, child_id=child.pk, kind="father", first_name="Lee",
                      last_name=demo.rng.choice(LAST), sex="M", parental_responsibility=n % 2 == 0)
    people.person_add(by=demo.sw, child_id=child.pk, kind="grandparent", first_name="Irene",
                      last_name=child.last_name, sex="F", date_of_birth=today - relativedelta(years=62))
    people.household_set(by=demo.sw, child_id=child.pk, line_1=f"{10 + n} Orchard Close", town="Demoton",
                         postcode="CW1 2AB", from_date=today - relativedelta(years=3),
                         member_person_ids=[mother.person_id])
    people.professional_add(by=demo.sw, child_id=child.pk, role="GP", name="Dr Priya Shah",
                            organisation_kind="gp", organisation_name="Orchard Surgery",
                            phone="020 7946 0123")
    if child.date_of_birth and child.date_of_birth < today - relativedelta(years=4):
        people.professional_add(by=demo.sw, child_id=child.pk, role="Designated safeguarding lead",
                                name="Sam Okafor", organisation_kind="school",
                                organisation_name="Northgate Primary School",
                                email="dsl@northgate.example.org")
    consent = SimpleUploadedFile("consent.pdf", pdf_bytes(f"Consent {child.la_child_id}"))
    documents.document_upload(by=demo.sw, child_id=child.pk, title="Consent to share information",
                              uploaded=consent)
    if n % 4 == 1:
        people.warning_add(by=demo.sw, child_id=child.pk, kind="risk_to_workers",
                           detail="A large dog at the address: visit in pairs", start_date=demo.wd_ago(40))


def _participation(child, on: dt.date) -> str:
    """PN0 for a child under 4 at the review (903 rules 440/441); otherwise attends and speaks."""
    return "PN0" if on < child.date_of_birth + relativedelta(years=4) else "PN1"


def _at(day: dt.date, hour: int) -> dt.datetime:
    """That hour of the day, or now if it has not come yet (a demo loaded at 1 a.m. records
    today's contact then, not at a future 9 a.m. the checks rightly refuse)."""
    return min(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0))), timezone.now())


@transaction.atomic
def load_demo_council(today: dt.date | None = None, *, la_code: str = DEMO_LA_CODE) -> dict[str, str] | None:
    """Load the demo council unless it is already there; returns the new users' passwords. It joins
    the council with `la_code` if there is one (the generated council of `make demo`)."""
    if User.objects.filter(username="sw.demo").exists():
        return None
    return Demo(today or errors.today(), la_code=la_code).load()
