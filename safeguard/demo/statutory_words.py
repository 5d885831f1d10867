"""The words of a generated child's statutory work, so that a demo council's assessments,
enquiries, conferences and plans read as full records (issue 17, "Done when": "the generator
writes believable content (synthetic) for assessments, plans, conferences and reviews"):

- every assessment: its six sections of the Assessment Framework (`AssessmentContent`), written
  from the child's age, the factors identified and the outcome, and, once submitted, each round
  of the manager's decision (`AssessmentDecision`), some returned once with comments first;
- every ended section 47 enquiry: the worker's findings and proposal and the manager's rationale
  (`Section47Decision`);
- every conference: its minutes (`ConferenceMinutes`): who was invited, came and sent apologies,
  the agencies, how the child took part and what they said (in a voice for their age), the
  decision and its reasons, and progress at a review; every core group its minutes;
- every looked-after review: its minutes (`LookedAfterReviewMinutes`), chaired by the child's IRO:
  who was invited, came and sent apologies, how the child's views were shared (agreeing with the
  review's 903 REVIEW_CODE) and their words, the parents' views, the decisions and their reasons,
  and whether the care plan remains appropriate;
- every CIN plan, CP plan and period of care: the plan's words (`Plan`, 2-4 outcomes, 3-6
  actions, a contingency), reviewed (`PlanReview`, with the plan as it stood, built by
  `casework.plans.plan_snapshot`) at each review conference and core group, each looked-after
  review, and every three months or so for a CIN plan.

Built with the case record (`demo.casework`), a child at a time, from the child's finished
history and from a random stream of its own, so the statutory records, and the notes, are the
same with or without these words. Written by the staff the generator already assigned: the
allocated worker, their team's manager (who authorised), the IRO who chaired. Every word is
invented; the only names are the generated family's."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from safeguard.casework.plans import plan_snapshot
from safeguard.people.models import Relationship

LONDON = ZoneInfo("Europe/London")
#: A CIN plan is reviewed about every three months (local practice; Working Together 2023 ch. 3
#: asks that it be reviewed regularly).
CIN_REVIEW_DAYS = 91
#: Share of authorised assessments returned once by the manager before being authorised.
RETURNED_SHARE = 0.22

#: Tables this module fills, in insert order, with their links (as `demo.casework.TABLES`).
TABLES: dict[str, dict[str, str]] = {
    "assessment.AssessmentContent": {"id": "assessment.AssessmentContent",
                                     "assessment_id": "assessment.Assessment"},
    "assessment.AssessmentDecision": {"id": "assessment.AssessmentDecision",
                                      "assessment_id": "assessment.Assessment"},
    "child_protection.Section47Decision": {"id": "child_protection.Section47Decision",
                                           "section47_id": "child_protection.Section47Enquiry"},
    "child_protection.ConferenceMinutes": {"id": "child_protection.ConferenceMinutes",
                                           "conference_id": "child_protection.Conference"},
    "child_protection.CoreGroupMinutes": {"id": "child_protection.CoreGroupMinutes",
                                          "meeting_id": "child_protection.CoreGroupMeeting"},
    "looked_after.LookedAfterReviewMinutes": {"id": "looked_after.LookedAfterReviewMinutes",
                                              "review_id": "looked_after.LookedAfterReview"},
    "casework.Plan": {"id": "casework.Plan", "child_id": "people.Child",
                      "cin_plan_id": "assessment.CINPlan",
                      "cp_plan_id": "child_protection.ChildProtectionPlan",
                      "period_of_care_id": "looked_after.PeriodOfCare"},
    "casework.PlanOutcome": {"id": "casework.PlanOutcome", "plan_id": "casework.Plan"},
    "casework.PlanAction": {"id": "casework.PlanAction", "plan_id": "casework.Plan",
                            "outcome_id": "casework.PlanOutcome"},
    # meeting_id is moved by the table its meeting_label names, the snapshot's keys by theirs
    # (`shift_review`).
    "casework.PlanReview": {"id": "casework.PlanReview", "plan_id": "casework.Plan"},
}


def shift_review(row: dict, offsets: dict[str, int]) -> None:
    """Move a review's meeting key and the keys inside its snapshot past the keys already used
    (the plain links are moved by `demo.casework.CaseRows.shift`)."""
    if row.get("meeting_id") is not None:
        row["meeting_id"] += offsets.get(row["meeting_label"], 0)
    shot = row["snapshot"]
    plan_by = offsets.get("casework.Plan", 0)
    outcome_by = offsets.get("casework.PlanOutcome", 0)
    action_by = offsets.get("casework.PlanAction", 0)
    shot["plan"]["id"] += plan_by
    for o in shot["outcomes"]:
        o["id"] += outcome_by
    for a in shot["actions"]:
        a["id"] += action_by
        if a["outcome_id"] is not None:
            a["outcome_id"] += outcome_by


def build(f, h) -> None:
    """The words of one child's assessments, enquiries, conferences and plans (`f` is the
    child's `demo.casework.Family`, `h` the child's history), added to the family's rows."""
    Words(f, h).build()


# --- the words ------------------------------------------------------------------------------------

#: Who a family member is called when the generated family has no one in that role.
UNNAMED = {"Mother": "Mother", "Father": "Father", "MotherRole": "Mother",
           "FatherRole": "Mother's partner", "Grandmother": "Maternal grandmother",
           "Sibling": "my friends"}
#: Who is invited to a conference: (as the minutes name them, the agency code).
ROLES = {"social_worker": ("Social worker", "childrens_social_care"),
         "manager": ("Team manager", "childrens_social_care"),
         "health_visitor": ("Health visitor", "health_visitor"),
         "school": ("Designated safeguarding lead (school)", "school"),
         "police": ("Police", "police"), "gp": ("GP", "gp"),
         "housing": ("Housing officer", "housing"), "camhs": ("CAMHS practitioner", "camhs"),
         "probation": ("Probation officer", "probation")}
REPORT_SENT = "{} (report sent)"
#: What a factor identified at assessment says in the sections it touches: (parenting capacity or
#: development, family and environment, analysis worry).
FACTOR_WORDS: dict[str, tuple[str, str]] = {
    "1A": ("{first} has been drinking alcohol with older friends at weekends.",
           "{first}'s drinking puts them at risk when out with older young people."),
    "1B": ("{Parent} drinks most evenings; on two visits the smell of alcohol was noticed.",
           "{Parent}'s drinking means the evening routine is not reliable."),
    "2A": ("{first} said they use cannabis most days to help them sleep.",
           "{first}'s cannabis use affects school and links them to older young people."),
    "2B": ("{Parent} uses cannabis and has used cocaine in the past year; they say they want to stop.",
           "{Parent}'s drug use leaves the children without a sober adult at times."),
    "3A": ("{first} has been hit by a boyfriend or girlfriend and has been controlled by them online.",
           "{first} is at risk of harm in their own relationship."),
    "3B": ("The police have attended the home three times this year after arguments between the adults.",
           "The children are living with the effects of domestic abuse between the adults."),
    "4A": ("{first} has low mood and has said they feel like nobody listens to them.",
           "{first}'s low mood is not yet being treated."),
    "4B": ("{Parent} has depression and on bad days struggles to get out of bed.",
           "{Parent}'s mental health affects the consistency of care on bad days."),
    "6A": ("{first} has a long-term health condition that needs daily medicine.",
           "{first}'s health needs are not always met at home."),
    "6B": ("{Parent} has a long-term illness and is often in pain and tired.",
           "{Parent}'s illness limits what they can manage without help."),
    "8B": ("{first} came from overseas to live with a family friend while the parents stay abroad.",
           "The arrangement for {first}'s care has not been checked until now."),
    "9A": ("{first} arrived in the UK alone and has asked for asylum.",
           "{first} has no adult in this country with parental responsibility."),
    "10A": ("{first} has been missing overnight twice in the last three months.",
            "{first}'s missing episodes expose them to exploitation."),
    "12A": ("There are signs that {first} has been moved around the country by adults.",
            "{first} may be a victim of trafficking; the national referral mechanism is being considered."),
    "13A": ("{first} spends time with a group of older young people known to the police.",
            "{first}'s links to a gang put them at risk of violence."),
    "14A": ("{first} has been excluded twice this term for behaviour towards staff.",
            "{first}'s behaviour is putting their school place at risk."),
    "15A": ("{first} has cut their arms and told a teacher they wanted the feelings to stop.",
            "{first}'s self-harm needs a CAMHS assessment."),
    "16A": ("The children have often arrived at school hungry and in dirty clothes.",
            "The children's basic care is neglected: food, hygiene and routines are not reliable."),
    "17A": ("{first} is often shouted at and called names at home.",
            "{first} is being harmed emotionally by how they are spoken to at home."),
    "18B": ("{first} has been hurt by an older child in the household.",
            "{first} is not protected from an older child's aggression."),
    "18C": ("{first} had bruising to the upper arm that the adults could not explain.",
            "{first} has an injury that has not been explained."),
    "19B": ("{first} has described sexual behaviour by another child that is not normal for their age.",
            "{first} needs protection and help after harmful sexual behaviour by another child."),
    "20": ("There are worries about the family's circumstances that do not fit one category.",
           "The family's circumstances are fragile."),
    "22A": ("There is a concern that {first} may be taken abroad for female genital mutilation.",
            "{first} may be at risk of female genital mutilation."),
    "23A": ("{Parent} believes {first} is possessed and has taken them to a ceremony to drive it out.",
            "{first} is at risk from beliefs held about them."),
    "24A": ("{first} has been found carrying drugs and cash for older young people.",
            "{first} is being criminally exploited."),
}
#: What a plan addresses, for the factors identified.
FOCUS = {"1A": "the drinking", "1B": "the drinking at home", "2A": "the drug use",
         "2B": "the drug use at home", "3A": "the harm in a relationship",
         "3B": "the domestic abuse at home", "4A": "low mood", "4B": "the parent's mental health",
         "6A": "health needs", "6B": "the parent's illness", "10A": "the missing episodes",
         "13A": "the risk from older young people", "14A": "behaviour at school",
         "15A": "the self-harm", "16A": "neglect of basic care", "17A": "how the child is spoken to",
         "24A": "criminal exploitation"}
CATEGORY_WORDS = {"NEG": "neglect", "PHY": "physical abuse", "SAB": "sexual abuse",
                  "EMO": "emotional abuse", "MUL": "more than one category of abuse"}

DEVELOPMENT = {
    "unborn": [
        "{first} is due on {due}. {Mother} booked late with the midwife and has missed {missed} "
        "antenatal appointments; the scans so far show a healthy pregnancy.",
        "{first} is expected on {due}. {Mother} is attending antenatal care and the midwife has "
        "no concerns about the baby's growth.",
    ],
    "baby": [
        "{first} is {age_words} and is gaining weight along the expected centile. The health "
        "visitor saw {first} last month and found development in line with age.",
        "{first} is {age_words}. Immunisations are up to date. {first} smiles, babbles and "
        "reaches for {Mother} for comfort.",
        "{first} is {age_words}. Two health visitor appointments were missed; at the last check "
        "{first}'s weight had dropped below the expected centile.",
    ],
    "young": [
        "{first} is {age_words} and attends nursery most mornings. Speech is a little behind: "
        "{first} uses short phrases and is waiting for a speech and language assessment.",
        "{first} is {age_words}. Nursery staff say {first} plays well with others, and toilet "
        "training is going well. Dental checks have not happened.",
        "{first} is {age_words}, lively and curious, and meets the developmental milestones the "
        "health visitor checked at the two-year review.",
    ],
    "child": [
        "{first} is {age_words} and in Year {year} at primary school. Attendance this year is "
        "{attendance}%. Teachers describe {first} as bright but often tired.",
        "{first} is {age_words}. School report that {first} is working just below the expected "
        "level in reading and writing and enjoys PE. Attendance is {attendance}%.",
        "{first} is {age_words}, healthy and up to date with dental and medical checks. "
        "Attendance is {attendance}%; {first} has a small group of friends.",
    ],
    "teen": [
        "{first} is {age_words} and in Year {year}. Attendance has fallen to {attendance}%, and "
        "{first} has had detentions for lateness. {first} wants to go to college.",
        "{first} is {age_words}. {first} is physically well, but sleeps late and misses "
        "breakfast. Attendance is {attendance}%; the school's pastoral lead is supporting {first}.",
        "{first} is {age_words}, articulate and thoughtful. {first} is on track for GCSEs but "
        "says it is hard to revise at home. Attendance is {attendance}%.",
    ],
}
PARENTING = [
    "{Mother}, {first}'s mother, shows warmth towards the children and knows their routines. Basic care is "
    "mostly good, but boundaries are inconsistent.",
    "{Mother} ({first}'s mother) loves the children and wants to do well by them. On visits the home was "
    "adequately clean and there was food; supervision of the younger children is sometimes poor.",
    "{Mother}, {first}'s mother, understands the concerns and has been open with me. She finds "
    "it hard to put the children's needs first when she is under stress.",
    "{Mother} ({first}'s mother) provides good basic care. Emotional warmth is evident, but the "
    "children have witnessed things that frighten them and {Mother} has not always recognised the impact.",
]
FATHER_WORDS = [
    "{Father}, {first}'s father, sees the children every other weekend and wants more involvement.",
    "{Father}, {first}'s father, has not been in contact for over a year; he did not reply to my letters.",
    "{Father} ({first}'s father) lives nearby and collects the children from school twice a week.",
]
NO_FATHER = "{First}'s father is not known; {Mother} has not named him."
FAMILY = [
    "The family live in a {home} {tenure}. {money}",
    "The family have lived in their {home} for {years} years. {money}",
]
HOMES = ["two-bedroom flat", "three-bedroom house", "one-bedroom flat", "terraced house",
         "maisonette"]
TENURES = ["rented from the council", "rented from a housing association", "rented privately",
           "in temporary accommodation"]
MONEY = ["Money is tight; the family rely on universal credit and there are rent arrears.",
         "{Mother} works part-time in a shop; there are debts to the energy company.",
         "Income is stable, though the family have used the food bank twice this winter.",
         "The family are managing financially."]
WIDER = ["{Grandmother} lives nearby and helps with school runs.",
         "There is little support from wider family, who live some distance away.",
         "{Grandmother} is a protective adult and is willing to help.",
         "The family are involved with a local church and the children attend a youth club."]

VOICE = {
    "small": [
        "\"I like my teddy. Mummy does cuddles.\"",
        "\"I like playing cars with {Sibling}. I don't like the shouting.\"",
        "\"I'm a bit scared at night when it's loud.\"",
        "\"My favourite is jam sandwiches. Mummy is sad sometimes.\"",
    ],
    "child": [
        "\"I like school because my friends are there. At home it's OK but sometimes mum and dad "
        "argue and I go in my room.\"",
        "\"I want everyone to be happy. I wish mum didn't get so tired.\"",
        "\"The best thing is when we go to the park. The worst thing is when there's no food for "
        "breakfast.\"",
        "\"I don't want to move anywhere. I just want it to be calmer.\"",
        "\"I worry about mum when I'm at school.\"",
    ],
    "teen": [
        "\"I don't see why everyone needs to be in my business. Things are fine most of the time.\"",
        "\"I want to stay with mum but things need to change. I'm sick of looking after "
        "everyone.\"",
        "\"I just want to be treated like a normal person. I want to go to college.\"",
        "\"Home's not great. I'd rather be out with my mates.\"",
        "\"I'll talk to you, but I don't want my mum to know everything I say.\"",
    ],
}
OBSERVED = [
    "{first} is too young to say what they think. When I visited, {first} was settled in "
    "{Mother}'s arms and turned towards her voice.",
    "{first} cannot yet tell us their views. I observed {first} on two visits: alert, "
    "responsive to {Mother}, and a little unsettled when the adults raised their voices.",
]
SAID_LEADS = ["{First} said: {said}",
              "When I asked {first} what is going well and what is hard, they said: {said}",
              "In direct work, {first} told me: {said}"]
TOO_YOUNG_SAID = "Too young to take part. On a visit before the conference {first} said: {said}"
UNBORN_VOICE = ("{first} is not yet born. {Mother} said she wants the baby to have \"a calmer "
                "start than my others did\".")
ANALYSIS = [
    "Strengths: {strength}. Worries: {worry} {factor_worry} Without help these needs are "
    "likely to continue.",
    "{Mother} {strength_verb}. However, {worry_lower} {factor_worry} {first} needs {need}.",
    "Taking the information together, {worry_lower} {factor_worry} The family's strengths are "
    "that {strength_lower}.",
]
STRENGTHS = ["the children are loved and there are good routines on most days",
             "the family engage with professionals and accept help",
             "there is a protective grandparent close by", "school is a safe place for the children"]
STRENGTH_VERBS = ["is honest about the difficulties and wants help",
                  "has begun to make changes since the referral",
                  "has kept the children's health appointments"]
WORRIES = ["the home is not always a safe or calm place for the children.",
           "the children's needs are too often put after the adults' problems.",
           "the changes made so far are recent and fragile.",
           "the children have seen and heard things that frighten them."]
NEEDS = ["a consistent adult who puts their needs first", "structured support for the family",
         "the adults to sustain the changes they have begun"]
RECOMMEND = {
    "nfa": ["No further action by children's social care. {first}'s needs are met by the family "
            "and universal services. The family know how to ask for help again.",
            "No further involvement is needed. The concerns in the referral were not borne out; the "
            "school will keep an eye on {first} and contact the front door if worries return."],
    "early_help": ["Step down to early help: a family support worker from the family hub to help "
                   "with routines and the school run, with a review in three months.",
                   "Early help is the right level: a parenting programme for {Mother} and a school "
                   "mentor for {first}. The family agree."],
    "cin_plan": ["A child in need plan: a family support worker weekly, a referral to adult mental "
                 "health services, help with the arrears, and a check-in with school every "
                 "fortnight. First review in three months.",
                 "{first} is a child in need. A child in need plan is recommended, with the family's "
                 "agreement, to address {focus}. Visits at least every four weeks."],
    "strategy": ["The concerns meet the threshold for a strategy discussion: {first} may be "
                 "suffering significant harm. Strategy discussion to be convened today."],
    "other": ["The child protection plan agreed at conference continues; this assessment informs "
              "the plan and the core group's work on {focus}.",
              "Work continues under the child protection plan; the assessment's analysis is shared "
              "with the core group."],
    "looked_after": ["{first} cannot safely remain at home. It is recommended that {first} "
                     "becomes looked after, and that the legal gateway panel considers "
                     "proceedings."],
}
RETURN_COMMENTS = [
    "Please add {first}'s own words to the wishes and feelings section and say how the school's "
    "information changes the analysis.",
    "The analysis lists the concerns but does not weigh them against the strengths. Please "
    "strengthen it and make the recommendation follow from it.",
    "Please include {Father}'s view, or say why it could not be obtained, and check the dates in "
    "the chronology.",
]
AUTHORISE_COMMENTS = [
    "Authorised. A clear, child-focused assessment; the recommendation follows from the analysis.",
    "Authorised. Good use of the child's own words.",
    "Authorised. Please share the assessment with the family in the next week.",
    "Authorised; the factors recorded reflect the analysis.",
]

S47_FINDINGS = {
    "icpc": ["Saw {first} at home and alone, and spoke to {Mother}, the school or health visitor "
             "and the police. The account given does not explain the concerns, and the risk of "
             "significant harm ({category}) remains. I propose an initial child protection "
             "conference.",
             "Joint visit with the police. {first} was seen and spoken to alone. The concerns of "
             "{category} are substantiated and the family's own plan does not reduce the risk "
             "enough. An initial child protection conference is proposed."],
    "not_substantiated": ["Saw {first} alone and spoke to {Mother}, the GP and the school. The "
                          "explanation given is consistent with what was seen and with the "
                          "medical view. The concerns are not substantiated."],
    "cin": ["{first} was seen alone. The concerns are partly substantiated, but {Mother} has acted "
            "protectively and accepts help. {first} is not at continuing risk of significant harm; "
            "support as a child in need is proposed."],
    "nfa": ["{first} was seen at home and at school. Checks with health and the police found no "
            "further concerns. The family have support from wider family. No further action is "
            "proposed."],
}
S47_RATIONALE = {
    "icpc": ["The concerns are substantiated and the risk is not reduced by the family's own "
             "plan: an initial child protection conference is needed.",
             "I agree: the threshold of significant harm is met and a conference is needed within "
             "15 working days of the strategy discussion."],
    "not_substantiated": ["Agreed: the concerns are not substantiated. The family will be told in "
                          "writing and the case closed unless the assessment finds other needs."],
    "cin": ["Agreed: no continuing risk of significant harm, but {first} is a child in need; the "
            "assessment will set out the plan."],
    "nfa": ["Agreed: no further action. The referrer is to be told of the outcome."],
}

PARTICIPATION_WORDS = {
    "spoke": "{first} attended part of the conference and spoke for themselves.",
    "advocate": "{first}'s advocate attended and shared {first}'s views.",
    "conveyed": "The social worker shared {first}'s views, gathered on a visit before the conference.",
    "did_not_take_part": "{first} chose not to take part and did not want their views shared.",
}
DECISION_REASONS = {
    "plan_needed": [
        "{first} is likely to suffer significant harm ({category}). The agencies agreed that the "
        "risks cannot be managed without a multi-agency child protection plan.",
        "The conference heard that {worry_lower} All agencies agreed that {first} needs a child "
        "protection plan under the category of {category}.",
    ],
    "plan_not_needed": [
        "The conference agreed that the concerns are real but that {first} is not likely to "
        "suffer significant harm; a child in need plan will support the family.",
        "The agencies agreed that {Mother} has acted protectively; a child protection plan is not "
        "needed. Work continues under a child in need plan.",
    ],
    "continue_plan": [
        "Some progress, but the changes have not yet lasted long enough: the plan continues.",
        "The risks that led to the plan remain; {Mother} has started the work but it is not yet "
        "complete. The plan continues and will be reviewed in six months.",
        "The core group reports improvement, but {first} still experiences {category} at "
        "times. The plan continues.",
    ],
    "end_plan": [
        "The changes have been sustained for over three months and all agencies agree {first} is "
        "no longer at risk of significant harm. The plan ends.",
        "{first}'s circumstances have changed and the plan is no longer the right way to keep "
        "them safe. The plan ends.",
    ],
}
CONFERENCE_PROGRESS = [
    "{Mother} has attended {n} of {m} parenting sessions. Home conditions have improved and "
    "{setting_news}.",
    "Progress is mixed: the children are seen every two weeks, and school reports {first} is "
    "happier, but there was a further police call-out last month.",
    "Good progress: {Mother} is engaging with her GP and the family support worker, and the "
    "core group has seen the changes sustained.",
    "Limited progress: appointments have been missed and the home was found in a poor state on "
    "two unannounced visits.",
]
#: What the school, nursery or health visitor reports, by the child's age.
SETTING_NEWS = {"unborn": "the midwife reports the antenatal appointments are now kept",
                "baby": "the health visitor reports {first} is gaining weight well",
                "young": "nursery report {first} is attending most sessions and settling well",
                "child": "{first}'s school attendance is up to {attendance}%",
                "teen": "{first}'s school attendance is up to {attendance}%"}
CORE_GROUP_PROGRESS = [
    "Each action was reviewed. {Mother} attended the parenting course this week; "
    "{setting_news}. Next core group in six weeks.",
    "The health visitor reports {first} is gaining weight. The referral to the drug and alcohol "
    "service is still waiting; the social worker will chase it.",
    "Home conditions are better. {Father} has not engaged and the plan now says how he will be "
    "involved. The school reports no new concerns.",
    "Progress is slow: two visits found no food in the house. The core group agreed weekly "
    "visits until the review conference.",
    "{first} says things are calmer at home. {Mother} has started counselling. Actions updated.",
]

#: Who is invited to a looked-after review: (as the minutes name them, the agency code, or None
#: for those who are not an agency).
REVIEW_ROLES = {"carer": ("Foster carer", None), "social_worker": ("Social worker", "childrens_social_care"),
                "supervising": ("Supervising social worker (fostering)", "childrens_social_care"),
                "school": ("Designated teacher", "school"),
                "virtual_school": ("Virtual school", "childrens_social_care"),
                "nurse": ("Looked after children's nurse", "other"),
                "health_visitor": ("Health visitor", "health_visitor"),
                "camhs": ("CAMHS practitioner", "camhs")}
#: How the child's views reached the review, in words, for the review's 903 REVIEW_CODE (the
#: code is the one statement of how the child took part; these words only add to it).
VIEWS_SHARED = {
    "PN0": ["{first} is too young to take part. The IRO saw {first} at the placement before the "
            "review: {first} was relaxed and went to the carer for comfort.",
            "{first} is under four. The IRO visited beforehand and watched {first} play; the carer "
            "described {first}'s routines and how {first} settles at night."],
    "PN1": ["{first} came to the review and spoke for themselves.",
            "{first} chaired the first part of the review with the IRO and said what they wanted "
            "to talk about."],
    "PN2": ["{first} came to the review with their advocate, who spoke for them.",
            "{first} attended; their advocate read out what {first} had written."],
    "PN3": ["{first} came to the review and showed how they feel with picture cards and by "
            "choosing faces on the feelings chart."],
    "PN4": ["{first} came to the review but did not want to speak; they had agreed that the IRO "
            "would share what they said when they met the day before."],
    "PN5": ["{first} did not come to the review; they met their advocate beforehand, who shared "
            "their views."],
    "PN6": ["{first} did not want to come; they filled in their consultation booklet, which the "
            "IRO read to the review.",
            "{first} did not come; they sent the IRO a message beforehand, which was shared at the "
            "review."],
    "PN7": ["{first} did not come and chose not to share their views this time; the IRO will "
            "visit {first} before the next review."],
}
#: What a looked-after child says at or before their review, by age.
CARE_VOICE = {
    "small": ["\"I like my bedroom. I've got a big bed.\"",
              "\"I want to see mummy on Saturday.\"",
              "\"I like it when we go to the park and feed the ducks.\""],
    "child": ["\"I like living here. I want to see mum more, and my brother.\"",
              "\"School is OK. I don't like it when family time gets cancelled.\"",
              "\"I want to stay here until I'm grown up.\"",
              "\"My carers are kind. I miss my old friends sometimes.\""],
    "teen": ["\"I'm settled here, but I want more say in when I see my family.\"",
             "\"I want to stay at this school for my GCSEs. Please don't move me.\"",
             "\"I want to know what happens when I turn 18 and where I'll live.\"",
             "\"It's fine here. I just want people to stop having meetings about me.\""],
}
CARE_OBSERVED = [
    "{first} is too young to say what they think. The IRO saw {first} at the placement: alert, "
    "content and settled in the carer's arms.",
    "{first} cannot yet tell us their views. The carer describes a baby who feeds well, sleeps "
    "through most nights and brightens when {Mother} arrives for family time.",
]
PARENTS_VIEWS = [
    "{Mother} agrees with the plan and asked for family time to be more often.",
    "{Mother} did not come; she told the social worker she wants {first} to come home.",
    "{Mother} said she is pleased {first} is settled and asked to have school reports sent to her.",
    "{Mother} does not agree with the plan for permanence and has spoken to her solicitor.",
    "{Father} asked to be kept informed and to see {first} at weekends.",
]
REVIEW_DECISIONS = [
    "The placement continues. Family time with {Mother} stays fortnightly. The personal education "
    "plan is to be reviewed this term.",
    "The plan for permanence is long-term fostering with the current carers; the matching report "
    "is to go to the fostering panel.",
    "{first} stays in placement. The review health assessment is due and is to be booked; life "
    "story work is to start.",
    "The care plan continues; family time with {Mother} to move to unsupervised if the next two "
    "sessions go well.",
]
REVIEW_REASONS = [
    "{first} is settled, going to school and their health needs are met: the plan meets their "
    "needs.",
    "The carers meet {first}'s needs well and {first} wants to stay; a stable placement gives "
    "{first} the best chance of doing well at school.",
    "{Mother} has not yet made the changes needed for {first} to return home safely, so the plan "
    "for permanence away from home continues.",
]
PLAN_NOT_APPROPRIATE = [
    ("The care plan is to be revised and brought back to a review within 20 working days.",
     "The care plan is no longer appropriate: {first} has moved placement twice since the last "
     "review and the plan does not say how the next placement will be kept."),
    ("The IRO has raised the delay with the team manager under the dispute resolution process.",
     "The plan for permanence has drifted: the assessment of {Grandmother} agreed at the last "
     "review has not started, and {first} has waited too long."),
]
#: Share of generated reviews that find the care plan no longer appropriate.
PLAN_NOT_APPROPRIATE_SHARE = 0.07

#: Outcomes a plan may be for: (text, actions (what, who)) keyed by theme.
THEMES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "school": ("{first} goes to school every day and on time, with attendance over 95%.",
               [("Take {first} to school every morning and collect at the end of the day", "{MotherRole}"),
                ("Tell the social worker the same day if {first} is absent", "School"),
                ("Meet the family each half term to review attendance", "School attendance officer")]),
    "care": ("{first} lives in a home that is clean, warm and safe, with regular meals.",
             [("Keep the kitchen stocked and cook a hot meal each evening", "{MotherRole}"),
              ("Weekly sessions on routines and home conditions", "Family support worker"),
              ("Unannounced visits every two weeks", "Social worker")]),
    "abuse": ("{first} is free from the harm of arguments and violence between adults at home.",
              [("Complete the domestic abuse programme", "{MotherRole}"),
               ("Attend a perpetrator programme and keep to the contact agreement", "{FatherRole}"),
               ("Share any call-out to the home with the social worker the next working day",
                "Police")]),
    "mental": ("{Mother}'s mental health is supported so she can care for the children consistently.",
               [("Make and keep an appointment with the GP about mood and medicine", "{MotherRole}"),
                ("Refer to the adult community mental health team", "GP"),
                ("Check in with {Mother} weekly and agree a plan for bad days", "Social worker")]),
    "substance": ("The children are cared for by a sober adult at all times.",
                  [("Attend the drug and alcohol service and take the tests it asks for", "{ParentRole}"),
                   ("Agree who looks after the children if {Parent} has been drinking",
                    "{Grandmother}"),
                   ("Share test results with the core group", "Drug and alcohol worker")]),
    "voice": ("{first} has a trusted adult to talk to and feels listened to.",
              [("Direct work sessions with {first} every two weeks", "Social worker"),
               ("A weekly check-in with a named member of staff", "School"),
               ("Refer {first} to the young people's counselling service", "Social worker")]),
    "health": ("{first}'s health needs are met, with appointments kept.",
               [("Take {first} to every health and dental appointment", "{MotherRole}"),
                ("Complete the developmental review and share it with the core group",
                 "Health visitor"),
                ("Register {first} with a dentist", "{MotherRole}")]),
    "safety": ("{first} is safe outside the home and not exploited by older people.",
               [("Agree and keep a curfew of 9pm on school nights", "{first} and {MotherRole}"),
                ("Return home interview after any missing episode", "Missing person worker"),
                ("Share intelligence about the group {first} is seen with", "Police")]),
    "settled": ("{first} is settled in a stable placement where their needs are met.",
                [("Meet {first}'s day-to-day needs and keep a daily record", "Foster carer"),
                 ("Complete the personal education plan each term", "Virtual school"),
                 ("Arrange contact with {Mother} as agreed in the plan", "Social worker"),
                 ("Complete the initial health assessment and follow up its actions",
                  "Looked after children's nurse")]),
    "identity": ("{first} keeps in touch with family and understands their story.",
                 [("Life story work with {first}", "Social worker"),
                  ("Supervised family time every two weeks", "Family time service"),
                  ("Keep a memory box and photographs", "Foster carer")]),
}
FACTOR_THEMES = {"16A": "care", "3A": "abuse", "3B": "abuse", "3C": "abuse", "4B": "mental",
                 "4A": "voice", "1B": "substance", "2B": "substance", "1A": "safety",
                 "2A": "safety", "10A": "safety", "13A": "safety", "24A": "safety", "12A": "safety",
                 "11A": "safety", "15A": "voice", "17A": "voice", "6A": "health", "14A": "school"}
CATEGORY_THEMES = {"NEG": "care", "EMO": "abuse", "PHY": "abuse", "SAB": "voice", "MUL": "care"}
CONTINGENCY = {
    "cin": "If the plan does not bring the changes needed, or new concerns arise, the social worker "
           "will discuss the case with the team manager and a strategy discussion will be considered.",
    "cp": "If the risks increase or the plan is not followed, the social worker will seek legal "
          "advice through the legal gateway panel and the public law outline may be started.",
    "care": "If the placement breaks down, {first} will move to an emergency foster placement "
            "while a new match is found; the plan for permanence stays under review.",
}
REVIEW_PROGRESS = [
    "Good progress against most actions; the family are engaging well.",
    "Some progress: the practical changes are in place but have not yet lasted long enough.",
    "Limited progress since the last review; actions have been reset with new dates.",
    "Steady progress. {first} says things are better at home.",
    "The plan is working: school and health report improvement.",
]
CARE_REVIEW_PROGRESS = [
    "{first} is settled in placement and attending school. Family time is going well.",
    "{first} has had a difficult few months with a change of school; the carers are supporting "
    "{first} well.",
    "The plan for permanence was discussed. {first} said they are happy where they live.",
    "{first}'s health assessment is up to date and the personal education plan has been reviewed.",
]
FALLBACK_ACTIONS = ["Visit {first} at home at least every four weeks, seeing {first} alone",
                    "Review the plan with the family"]
ACTION_PROGRESS = {
    "not_started": ["Not started yet.", "No change since the last review."],
    "in_progress": ["Started; going well so far.", "Under way; the first sessions were attended.",
                    "Begun but not yet finished."],
    "done": ["Done.", "Completed and confirmed by the agency.", "Done; the change has lasted."],
    "not_done": ["Not done: appointments were missed.", "Not done; a new date has been agreed."],
    "no_longer_needed": ["No longer needed: circumstances have changed."],
}


def vocabulary() -> set[str]:
    """Every capitalised word the templates above can write (sentence starts, roles, months):
    with the generated family's names, every capitalised word the words may hold (a test's
    proof that no other name appears)."""
    import re

    texts: list[str] = []

    def walk(v) -> None:
        if isinstance(v, str):
            texts.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)

    for name, value in globals().items():
        if name.isupper():
            walk(value)
    months = [dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)]
    found = set(re.findall(r"\b[A-Z][a-z]+\b", " ".join(texts + months)))
    return found


# --- who and when ----------------------------------------------------------------------------------

def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _age_words(born: dt.date, on: dt.date) -> str:
    months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
    if months < 24:
        return f"{max(months, 0)} month{'s' if months != 1 else ''} old"
    return f"{months // 12} years old"


def _band(born: dt.date | None, on: dt.date) -> str:
    if born is None or on < born:
        return "unborn"
    age = _age(born, on)
    return "baby" if age < 2 else "young" if age < 5 else "child" if age < 12 else "teen"


class Words:
    """One child's statutory words, drawn from the child's own random stream."""

    def __init__(self, f, h) -> None:
        self.f, self.h, self.out, self.ids = f, h, f.out, f.ids
        self.rng = random.Random(f"{f.sim.seed}:{f.sim.shape.la_code}:words:{h.child.pk}")
        self.as_at = f.as_at
        self.child = h.child
        self.born = h.child.date_of_birth
        adults = {a.kind: a for a in reversed(f.adults)}
        mum = adults.get(Relationship.Kind.MOTHER)
        dad = adults.get(Relationship.Kind.FATHER)
        nan = adults.get(Relationship.Kind.GRANDPARENT)
        self.names = dict(UNNAMED)
        if mum:
            self.names.update(Mother=mum.first, MotherRole=f"{mum.first} (mother)")
        if dad:
            self.names.update(Father=dad.first, FatherRole=f"{dad.first} (father)")
        if nan:
            self.names["Grandmother"] = f"{nan.first} {nan.last} (grandmother)"
        self.names["Sibling"] = next((o.child.first_name for o in f.histories
                                      if o is not h and o.child.date_of_birth), UNNAMED["Sibling"])
        self.father_known = dad is not None
        self.factors: dict[int, list[str]] = {}
        for x in h.factors:
            self.factors.setdefault(x.assessment_id, []).append(x.code)
        self.all_factors = [c for codes in self.factors.values() for c in codes]

    # --- helpers ------------------------------------------------------------------------------
    def stamp(self, day: dt.date, hour: int | None = None, lag_hours: int = 0) -> dt.datetime:
        """A time on the day (in working hours unless given), never after the run's latest."""
        rng = self.rng
        at = dt.datetime.combine(day, dt.time(hour if hour is not None else rng.randint(9, 16),
                                              rng.choice((0, 10, 20, 30, 40, 50))), LONDON)
        return min(at + dt.timedelta(hours=lag_hours), self.f.latest)

    def fill(self, day: dt.date, **extra) -> dict:
        rng = self.rng
        band = _band(self.born, day)
        first = self.child.first_name if band != "unborn" else "the unborn baby"
        year = (_age(self.born, day) - 4) if self.born else 0
        dad = self.father_known and rng.random() < 0.3
        values = {"first": first, "First": first[:1].upper() + first[1:], **self.names,
                  "Parent": self.names["Father" if dad else "Mother"],
                  "ParentRole": self.names["FatherRole" if dad else "MotherRole"], "band": band,
                  "age_words": _age_words(self.born, day) if self.born else "",
                  "year": max(1, min(13, year)), "attendance": rng.choice([78, 84, 88, 91, 93, 96]),
                  "due": (self.child.expected_date_of_birth or day).strftime("%d %B %Y"),
                  "missed": rng.choice(["two", "three", "one"]), "n": rng.randint(3, 8), "m": 10,
                  "strength": rng.choice(STRENGTHS), "strength_lower": rng.choice(STRENGTHS),
                  "strength_verb": rng.choice(STRENGTH_VERBS), "worry": rng.choice(WORRIES),
                  "need": rng.choice(NEEDS), "home": rng.choice(HOMES), "tenure": rng.choice(TENURES),
                  "years": rng.randint(2, 9), "category": "neglect", "focus": "the worries identified",
                  "factor_worry": ""}
        values["worry_lower"] = values["worry"]
        values["setting_news"] = SETTING_NEWS[band].format(**values)
        values["money"] = rng.choice(MONEY).format(**values)
        values.update(extra)
        return values

    def say(self, options: list[str], values: dict) -> str:
        text = self.rng.choice(options).format(**values)
        return text[:1].upper() + text[1:]

    def worker(self, day: dt.date) -> int:
        return self.f._worker(self.h, day)

    def manager(self, day: dt.date) -> int:
        return self.f._manager(self.h, day)

    def iro(self, day: dt.date) -> int:
        """The IRO allocated on the day (else the social worker)."""
        return self.iro_on(day) or self.worker(day)

    def iro_on(self, day: dt.date) -> int | None:
        """The IRO allocated on the day, or None."""
        for a in self.h.allocations:
            if a.kind == "iro" and a.start_date <= day <= (a.end_date or day):
                return a.worker_id
        return None

    def voice(self, day: dt.date, values: dict) -> str:
        band = values["band"]
        if band == "unborn":
            return UNBORN_VOICE.format(**values)
        if band == "baby":
            return self.say(OBSERVED, values)
        key = "small" if band == "young" else "child" if band == "child" else "teen"
        said = self.rng.choice(VOICE[key]).format(**values)
        return self.rng.choice(SAID_LEADS).format(said=said, **values)

    # --- build ---------------------------------------------------------------------------------
    def build(self) -> None:
        h = self.h
        for a in h.assessments:
            self.assessment(a)
        for s in h.section47s:
            if s.end_date is not None and s.outcome and s.end_date <= self.as_at:
                self.section47(s)
        plans = {p.pk: p for p in h.cp_plans}
        for c in h.conferences:
            if c.held_on <= self.as_at:
                self.conference(c, plans.get(c.cp_plan_id))
        for p in h.cin_plans:
            self.cin_plan(p)
        for p in h.cp_plans:
            self.cp_plan(p)
        for p in h.periods:
            self.care_plan(p)
        # Last, so that the words above draw the same numbers as before the reviews had minutes.
        for r in h.la_reviews:
            if r.review_date <= self.as_at:
                self.la_review(r)

    # --- assessments -----------------------------------------------------------------------------
    def assessment(self, a) -> None:
        rng = self.rng
        factors = self.factors.get(a.pk, [])
        authorised = a.authorisation_date is not None
        status = "authorised" if authorised else a.status
        last = a.authorisation_date or self.as_at
        v = self.fill(last)
        real = [c for c in factors if c in FACTOR_WORDS]
        lines = [FACTOR_WORDS[c][0].format(**v) for c in real]
        v["factor_worry"] = " ".join(FACTOR_WORDS[c][1].format(**v) for c in real[:2])
        child_factor = [x for x, c in zip(lines, real, strict=True) if c.endswith("A")]
        parent_factor = [x for x, c in zip(lines, real, strict=True) if not c.endswith("A")]
        band = v["band"]
        sections = {
            "developmental_needs": " ".join([self.say(DEVELOPMENT[band], v), *child_factor]),
            "parenting_capacity": " ".join([self.say(PARENTING, v), *parent_factor,
                                            self.say(FATHER_WORDS, v) if self.father_known
                                            else NO_FATHER.format(**v)]),
            "family_and_environment": " ".join([self.say(FAMILY, v), self.say(WIDER, v)]),
            "wishes_and_feelings": self.voice(last, v),
            "analysis": self.say(ANALYSIS, v),
        }
        outcome = self._proposed(a)
        v["focus"] = next((FOCUS[c] for c in real if c in FOCUS), "the worries identified")
        sections["recommendation"] = self.say(RECOMMEND[outcome], v)
        if not authorised and status in ("draft", ""):
            # Still being written: the sections the worker has reached by the as-at date.
            done = max(1, min(6, 1 + (self.as_at - a.start_date).days // 3))
            for name in list(sections)[done:]:
                sections[name] = ""
        submitted = status in ("submitted", "returned", "authorised")
        start = self.stamp(a.start_date, lag_hours=rng.randint(2, 30))
        worker = self.worker(a.start_date)
        content = dict(assessment_id=a.pk, **sections,
                       proposed_outcome=outcome if submitted else "",
                       proposed_factors=list(factors) if submitted else [],
                       proposed_requires_support=a.requires_support if submitted else None,
                       recorded_by_id=worker, created_at=start)
        if not submitted:
            content["updated_at"] = self.stamp(min(self.as_at, a.start_date + dt.timedelta(
                days=rng.randint(0, 10))), lag_hours=rng.randint(0, 8))
            content["updated_at"] = max(content["updated_at"], start)
            self.out.add("assessment.AssessmentContent", self.ids, **content)
            return
        decided_by = a.authorised_by_id or self.manager(last)
        rounds = self._rounds(a, status)
        content["updated_at"] = max(rounds[-1][0], start)
        content["version"] = 1 + len(rounds)
        self.out.add("assessment.AssessmentContent", self.ids, **content)
        for submitted_at, decided_at, outcome_code in rounds:
            comments = ""
            if outcome_code == "returned":
                comments = self.say(RETURN_COMMENTS, v)
            elif outcome_code == "authorised" and rng.random() < 0.6:
                comments = self.say(AUTHORISE_COMMENTS, v)
            self.out.add("assessment.AssessmentDecision", self.ids, assessment_id=a.pk,
                         submitted_by_id=worker, submitted_at=submitted_at,
                         decided_by_id=decided_by if decided_at else None, decided_at=decided_at,
                         outcome=outcome_code, comments=comments, recorded_by_id=worker,
                         version=2 if decided_at else 1, created_at=submitted_at,
                         updated_at=decided_at or submitted_at)

    def _rounds(self, a, status: str) -> list[tuple[dt.datetime, dt.datetime | None, str]]:
        """(submitted at, decided at, outcome) for each submission: authorised, perhaps after
        being returned once; or awaiting a decision; or returned."""
        rng = self.rng
        end = a.authorisation_date or self.as_at
        span = (end - a.start_date).days
        if status == "authorised":
            decided = self.stamp(end, rng.randint(10, 17))
            if span >= 6 and rng.random() < RETURNED_SHARE:
                first = a.start_date + dt.timedelta(days=span // 2)
                back = first + dt.timedelta(days=rng.randint(1, 2))
                again = min(end, back + dt.timedelta(days=rng.randint(1, 3)))
                s1, d1 = self.stamp(first, 15), self.stamp(back, 11)
                s2 = max(self.stamp(again, 9), d1 + dt.timedelta(minutes=30))
                return [(s1, d1, "returned"), (min(s2, decided), decided, "authorised")]
            sub = end - dt.timedelta(days=min(span, rng.choice([0, 0, 1, 1, 2])))
            s = min(self.stamp(sub, 9), decided)
            return [(s, decided, "authorised")]
        sub = self.stamp(end - dt.timedelta(days=min(span, rng.randint(0, 2))))
        if status == "returned":
            return [(sub, min(sub + dt.timedelta(hours=20), self.f.latest), "returned")]
        return [(sub, None, "")]

    def _proposed(self, a) -> str:
        """What the worker proposed: from what followed in the same episode."""
        h = self.h
        if a.requires_support is False:
            return "early_help" if self.rng.random() < 0.4 else "nfa"
        if any(p.referral_id == a.referral_id for p in h.cp_plans):
            return "other"
        if any(p.referral_id == a.referral_id for p in h.cin_plans):
            return "cin_plan"
        if a.requires_support is None:
            return "cin_plan"
        return "cin_plan" if self.rng.random() < 0.9 else "early_help"

    # --- section 47 --------------------------------------------------------------------------------
    def section47(self, s) -> None:
        rng = self.rng
        category = self._category_near(s.end_date)
        v = self.fill(s.end_date, category=category)
        worker, manager = self.worker(s.start_date), self.manager(s.end_date)
        back = min((s.end_date - s.start_date).days, rng.randint(0, 2))
        submitted = self.stamp(s.end_date - dt.timedelta(days=back), rng.randint(9, 13))
        decided = max(self.stamp(s.end_date, rng.randint(14, 17)), submitted)
        self.out.add("child_protection.Section47Decision", self.ids, section47_id=s.pk,
                     findings=self.say(S47_FINDINGS[s.outcome], v), proposed_outcome=s.outcome,
                     submitted_by_id=worker, submitted_at=submitted,
                     rationale=self.say(S47_RATIONALE[s.outcome], v), decided_by_id=manager,
                     decided_at=decided, recorded_by_id=worker, version=2, created_at=submitted,
                     updated_at=decided)

    def _category_near(self, day: dt.date) -> str:
        plans = [p for p in self.h.cp_plans if p.start_date >= day] or self.h.cp_plans
        code = plans[0].latest_category if plans else self.rng.choice(["NEG", "EMO", "PHY"])
        return CATEGORY_WORDS.get(code, "neglect")

    # --- conferences and core groups -----------------------------------------------------------------
    def _people(self, day: dt.date, *, review: bool) -> tuple[list[str], list[str], list[str], list[str]]:
        """Who was invited, attended and sent apologies, and the agencies represented."""
        rng = self.rng
        band = _band(self.born, day)
        family = [self.names["MotherRole"]]
        if self.father_known and rng.random() < 0.7:
            family.append(self.names["FatherRole"])
        others = [ROLES["social_worker"], ROLES["manager"],
                  ROLES["health_visitor" if band in ("unborn", "baby", "young") else "school"],
                  ROLES["police"], ROLES["gp"]]
        if rng.random() < 0.3:
            others.append(ROLES["housing"])
        if band == "teen" and rng.random() < 0.4:
            others.append(ROLES["camhs"])
        if rng.random() < 0.15:
            others.append(ROLES["probation"])
        if review:
            others = [o for o in others if o != ROLES["manager"]]
        absent = {o[0] for o in others[2:] if rng.random() < 0.3}
        family_absent = {p for p in family[1:] if rng.random() < 0.4}
        invited = family + [o[0] for o in others]
        attended = [p for p in family if p not in family_absent] + \
            [o[0] for o in others if o[0] not in absent]
        apologies = [REPORT_SENT.format(p) if rng.random() < 0.6 else p
                     for p in [o[0] for o in others if o[0] in absent]]
        agencies = []
        for name, code in others:
            if name not in absent and code not in agencies:
                agencies.append(code)
        return invited, attended, apologies, agencies

    def _participation(self, day: dt.date) -> str:
        band = _band(self.born, day)
        if band in ("unborn", "baby", "young"):
            return "too_young"
        r = self.rng.random()
        if band == "child":
            return "conveyed" if r < 0.75 else "advocate" if r < 0.9 else "did_not_take_part"
        return "spoke" if r < 0.35 else "advocate" if r < 0.55 else "conveyed" if r < 0.9 \
            else "did_not_take_part"

    def conference(self, c, plan) -> None:
        rng = self.rng
        code = (plan.latest_category if plan is not None else None) or self._category_code(c.held_on)
        v = self.fill(c.held_on, category=CATEGORY_WORDS.get(code, "neglect"))
        review = c.kind == "review"
        invited, attended, apologies, agencies = self._people(c.held_on, review=review)
        participation = self._participation(c.held_on)
        if participation == "too_young" and v["band"] == "young":
            views = TOO_YOUNG_SAID.format(said=self.rng.choice(VOICE["small"]).format(**v), **v)
        elif participation == "too_young":
            views = self.voice(c.held_on, v)
        elif participation == "did_not_take_part":
            views = PARTICIPATION_WORDS[participation].format(**v)
        else:
            views = PARTICIPATION_WORDS[participation].format(**v) + " " + self.voice(c.held_on, v)
        if review:
            decision = "end_plan" if plan is not None and plan.end_date == c.held_on else "continue_plan"
            progress = self.say(CONFERENCE_PROGRESS, v)
        else:
            decision = "plan_needed" if c.plan_required is not False else "plan_not_needed"
            progress = ""
        chair = c.chair_id or self.iro(c.held_on)
        at = self.stamp(c.held_on, lag_hours=rng.choice([2, 4, 20, 26, 48]))
        self.out.add("child_protection.ConferenceMinutes", self.ids, conference_id=c.pk,
                     invited="; ".join(invited), attended="; ".join(attended),
                     apologies="; ".join(apologies), agencies=agencies,
                     child_participation=participation, child_views=views, decision=decision,
                     decision_reasons=self.say(DECISION_REASONS[decision], v), progress=progress,
                     recorded_by_id=chair, created_at=at, updated_at=at)

    def _category_code(self, day: dt.date) -> str:
        plans = [p for p in self.h.cp_plans if p.start_date >= day] or self.h.cp_plans
        return plans[0].latest_category if plans else "NEG"

    # --- looked-after reviews ----------------------------------------------------------------------
    def la_review(self, r) -> None:
        """A looked-after review's minutes, by the IRO allocated that day (Care Planning
        Regulations 2010 reg 36 and 45)."""
        rng = self.rng
        day = r.review_date
        v = self.fill(day)
        band = v["band"]
        roles = ["carer", "social_worker", "supervising",
                 "health_visitor" if band in ("baby", "young") else "school", "nurse"]
        if band in ("child", "teen"):
            roles.append("virtual_school")
        if band == "teen" and rng.random() < 0.3:
            roles.append("camhs")
        family = [self.names["MotherRole"]]
        if self.father_known and rng.random() < 0.5:
            family.append(self.names["FatherRole"])
        others = [REVIEW_ROLES[k] for k in roles]
        absent = {name for name, _ in others[3:] if rng.random() < 0.35}
        family_absent = {p for p in family if rng.random() < 0.4}
        child_there = r.participation in ("PN1", "PN2", "PN3", "PN4")
        invited = ([v["first"]] if r.participation != "PN0" else []) + family + [n for n, _ in others]
        attended = ([v["first"]] if child_there else []) + \
            [p for p in family if p not in family_absent] + [n for n, _ in others if n not in absent]
        apologies = [REPORT_SENT.format(n) if rng.random() < 0.6 else n
                     for n, _ in others if n in absent] + sorted(family_absent)
        agencies: list[str] = []
        for name, code in others:
            if code and name not in absent and code not in agencies:
                agencies.append(code)
        shared = self.say(VIEWS_SHARED.get(r.participation, VIEWS_SHARED["PN7"]), v)
        if r.participation == "PN7":
            views = ""
        elif band in ("unborn", "baby"):
            views = self.say(CARE_OBSERVED, v)
        else:
            key = "small" if band == "young" else band
            views = self.rng.choice(CARE_VOICE[key]).format(**v)
        appropriate = rng.random() >= PLAN_NOT_APPROPRIATE_SHARE
        if appropriate:
            decisions, reasons = self.say(REVIEW_DECISIONS, v), self.say(REVIEW_REASONS, v)
        else:
            decided, why = rng.choice(PLAN_NOT_APPROPRIATE)
            decisions, reasons = decided.format(**v), why.format(**v)
        chair = self.iro_on(day)
        at = self.stamp(day, lag_hours=rng.choice([2, 4, 20, 26, 48]))
        self.out.add("looked_after.LookedAfterReviewMinutes", self.ids, review_id=r.pk, chair_id=chair,
                     invited="; ".join(invited), attended="; ".join(attended),
                     apologies="; ".join(apologies), agencies=agencies, views_shared=shared,
                     child_views=views, parents_views=self.say(PARENTS_VIEWS, v),
                     decisions=decisions, decision_reasons=reasons,
                     care_plan_appropriate=appropriate, recorded_by_id=chair or self.worker(day),
                     created_at=at, updated_at=at)

    # --- plans -----------------------------------------------------------------------------------------
    def _themes(self, kind: str, category: str | None, start: dt.date) -> list[str]:
        rng = self.rng
        picked: list[str] = []
        if kind == "care":
            picked = ["settled", "identity"]
        elif category:
            picked.append(CATEGORY_THEMES.get(category, "care"))
        for code in self.all_factors:
            theme = FACTOR_THEMES.get(code)
            if theme and theme not in picked and kind != "care":
                picked.append(theme)
        band = _band(self.born, start)
        if band not in ("child", "teen"):
            picked = [t for t in picked if t not in ("school", "safety", "voice")]
        pool = ["school", "voice", "health", "care"] if band in ("child", "teen") else \
            ["health", "care", "mental"]
        if kind == "care":
            pool = ["school", "health", "voice"]
        rng.shuffle(pool)
        for theme in pool:
            if theme not in picked:
                picked.append(theme)
        return picked[:rng.randint(2, 4)]

    def cin_plan(self, p) -> None:
        if p.start_date > self.as_at:
            return
        stop = min(p.end_date or self.as_at, self.as_at)
        reviews, day = [], p.start_date + dt.timedelta(days=CIN_REVIEW_DAYS + self.rng.randint(-10, 10))
        while day <= stop:
            reviews.append((day, "cin_review", "", None, self.worker(day)))
            day += dt.timedelta(days=CIN_REVIEW_DAYS + self.rng.randint(-10, 20))
        self.plan("cin", p.start_date, dict(cin_plan_id=p.pk), None, reviews)

    def cp_plan(self, p) -> None:
        if p.start_date > self.as_at:
            return
        reviews = []
        for c in self.h.conferences:
            if c.kind == "review" and c.cp_plan_id == p.pk and c.held_on <= self.as_at:
                reviews.append((c.held_on, "review_conference", "child_protection.Conference", c.pk,
                                c.chair_id or self.iro(c.held_on)))
        for g in self.h.core_groups:
            if g.cp_plan_id == p.pk and g.held_on <= self.as_at:
                reviews.append((g.held_on, "core_group", "child_protection.CoreGroupMeeting", g.pk,
                                self.worker(g.held_on)))
        reviews.sort(key=lambda r: (r[0], r[1]))
        self.plan("cp", p.start_date, dict(cp_plan_id=p.pk), p.latest_category, reviews)

    def care_plan(self, p) -> None:
        if p.start_date > self.as_at:
            return
        reviews = [(r.review_date, "looked_after_review", "looked_after.LookedAfterReview", r.pk,
                    self.iro(r.review_date))
                   for r in self.h.la_reviews
                   if r.period_of_care_id == p.pk and r.review_date <= self.as_at]
        reviews.sort(key=lambda r: r[0])
        self.plan("care", p.start_date, dict(period_of_care_id=p.pk), None, reviews)

    def plan(self, kind: str, start: dt.date, link: dict, category: str | None,
             reviews: list[tuple]) -> None:
        """The plan's words as written at its start, and a review (with a snapshot) at each
        meeting: the actions move on (started, done, or not) from review to review."""
        rng, out, ids = self.rng, self.out, self.ids
        v = self.fill(start)
        worker = self.worker(start)
        written = self.stamp(min(start + dt.timedelta(days=rng.randint(0, 3)), self.as_at))
        plan = out.add("casework.Plan", ids, child_id=self.child.pk, kind=kind,
                       contingency=CONTINGENCY[kind].format(**v), recorded_by_id=worker,
                       created_at=written, **link)
        plan_row = out.tables["casework.Plan"][-1]
        outcomes, actions = [], []
        for order, theme in enumerate(self._themes(kind, category, start)):
            text, todo = THEMES[theme]
            o = SimpleNamespace(pk=out.add("casework.PlanOutcome", ids, plan_id=plan, order=order,
                                           text=text.format(**v), recorded_by_id=worker,
                                           created_at=written, updated_at=written), order=order,
                                text=text.format(**v))
            outcomes.append(o)
            for what, who in rng.sample(todo, rng.randint(1, min(2, len(todo)))):
                actions.append((o.pk, what.format(**v), who.format(**v)))
        while len(actions) < 3:  # at least three actions: a visit and the plan's review
            actions.append((None, FALLBACK_ACTIONS[len(actions) % 2].format(**v), "Social worker"))
        actions = actions[:6]
        rows = []
        for order, (outcome_id, what, who) in enumerate(actions):
            due = start + dt.timedelta(days=rng.choice([14, 28, 42, 56, 84, 120]))
            a = SimpleNamespace(pk=None, outcome_id=outcome_id, order=order, what=what, who=who,
                                by_when=due, status="not_started", edits=0)
            rows.append(a)
        for a in rows:
            a.pk = out.add("casework.PlanAction", ids, plan_id=plan, outcome_id=a.outcome_id,
                           what=a.what, who=a.who, by_when=a.by_when, status=a.status,
                           order=a.order, recorded_by_id=worker, created_at=written)
        action_rows = out.tables["casework.PlanAction"][-len(rows):]
        version = 1
        last = None
        shown = SimpleNamespace(pk=plan, kind=kind, contingency=plan_row["contingency"])
        for held_on, meeting_kind, label, meeting_pk, by in reviews:
            if held_on < start:
                continue
            before = {a.pk: a.status for a in rows}
            said = {}
            for a in rows:
                new = self._move(a, held_on)
                if new != a.status:
                    a.status = new
                    a.edits += 1
                if rng.random() < 0.5 or new != before[a.pk]:
                    said[a.pk] = rng.choice(ACTION_PROGRESS[a.status])
            rv = self.fill(held_on)
            text = self.say(CARE_REVIEW_PROGRESS if kind == "care" else
                            CORE_GROUP_PROGRESS if meeting_kind == "core_group" else REVIEW_PROGRESS, rv)
            shot = plan_snapshot(shown, outcomes, rows, before=before, progress=said,
                             plan_version=version + 1)
            version += 1
            last = held_on
            at = self.stamp(held_on, lag_hours=rng.choice([1, 3, 20, 26]))
            out.add("casework.PlanReview", ids, plan_id=plan, held_on=held_on,
                    meeting_kind=meeting_kind, meeting_label=label, meeting_id=meeting_pk,
                    progress=text, snapshot=shot, recorded_by_id=by, created_at=at, updated_at=at)
            if meeting_kind == "core_group":
                out.add("child_protection.CoreGroupMinutes", ids, meeting_id=meeting_pk,
                        attended="; ".join(self._people(held_on, review=True)[1]), progress=text,
                        recorded_by_id=by, created_at=at, updated_at=at)
        for a, row in zip(rows, action_rows, strict=True):
            row.update(status=a.status, version=1 + a.edits,
                       updated_at=self.stamp(last) if a.edits and last else written)
        plan_row.update(version=version, last_reviewed_on=last,
                        updated_at=self.stamp(last) if last else written)

    def _move(self, a, day: dt.date) -> str:
        """Where an action stands at a review on `day`: begun, then done (or not) once due."""
        r = self.rng.random()
        if a.status in ("done", "no_longer_needed"):
            return a.status
        if day >= a.by_when:
            return "done" if r < 0.7 else "not_done" if r < 0.85 else \
                "no_longer_needed" if r < 0.9 else "in_progress"
        if a.status in ("not_started", "not_done"):
            return "in_progress" if r < 0.6 else a.status
        return a.status
