"""DfE code lists, spelled as the DfE spells them (CIN census XSD 2024, SSDA903 2025-26/2026-27).

Labels are short forms of the DfE descriptions (shared/reference/STANDARDS.md §1.2, §2.2).
"""

import datetime as dt

from django.db import models


class Sex(models.TextChoices):
    M = "M", "Male"
    F = "F", "Female"
    U = "U", "Unknown / unborn / indeterminate"


#: SSDA903 SEX to 2023-24 (903 rule 101 then: 1 or 2) -> the Sex the record keeps.
LEGACY_SEX_903 = {"1": "M", "2": "F"}
#: CIN census GenderCurrent to 2023-24 (1 male, 2 female, 0 not known, 9 indeterminate) -> Sex.
LEGACY_GENDER_CURRENT = {"1": "M", "2": "F", "0": "U", "9": "U"}


class Ethnicity(models.TextChoices):
    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WOTH = "WOTH", "Any other White background"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other Mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Disability(models.TextChoices):
    NONE = "NONE", "No disability"
    MOB = "MOB", "Mobility"
    HAND = "HAND", "Hand function"
    PC = "PC", "Personal care"
    INC = "INC", "Incontinence"
    COMM = "COMM", "Communication"
    LD = "LD", "Learning"
    HEAR = "HEAR", "Hearing"
    VIS = "VIS", "Vision"
    BEH = "BEH", "Behaviour"
    CON = "CON", "Consciousness"
    AUT = "AUT", "Autism / Asperger syndrome"
    DDA = "DDA", "Other DDA"


class UPNUnknown(models.TextChoices):
    UN1 = "UN1", "Child is not of school age and has not yet had a UPN allocated"
    UN2 = "UN2", "Never attended a maintained school in England"
    UN3 = "UN3", "Educated outside England"
    UN4 = "UN4", "Newly looked after; UPN not yet known"
    UN5 = "UN5", "Sources show discrepancies preventing reliable matching"
    UN6 = "UN6", "UPN not known (CIN census)"
    UN7 = "UN7", "Referral with no further action"


class ReferralSource(models.TextChoices):
    S1A = "1A", "Individual: family member/relative/carer"
    S1B = "1B", "Individual: acquaintance"
    S1C = "1C", "Individual: self"
    S1D = "1D", "Individual: other"
    S2A = "2A", "Schools"
    S2B = "2B", "Education services"
    S3A = "3A", "Health: GP"
    S3B = "3B", "Health: health visitor"
    S3C = "3C", "Health: school nurse"
    S3D = "3D", "Health: other primary health services"
    S3E = "3E", "Health: A&E"
    S3F = "3F", "Health: other"
    S4 = "4", "Housing"
    S5A = "5A", "LA services: social care (e.g. adults)"
    S5B = "5B", "LA services: other internal"
    S5C = "5C", "LA services: external (another LA)"
    S5D = "5D", "LA services: early help"
    S6 = "6", "Police"
    S7 = "7", "Other legal agency"
    S8 = "8", "Other"
    S9 = "9", "Anonymous"
    S10 = "10", "Unknown"


class PrimaryNeed(models.TextChoices):
    N0 = "N0", "Not stated"
    N1 = "N1", "Abuse or neglect"
    N2 = "N2", "Child's disability"
    N3 = "N3", "Parental illness or disability"
    N4 = "N4", "Family in acute stress"
    N5 = "N5", "Family dysfunction"
    N6 = "N6", "Socially unacceptable behaviour"
    N7 = "N7", "Low income"
    N8 = "N8", "Absent parenting"
    N9 = "N9", "Cases other than children in need"


class ReasonForClosure(models.TextChoices):
    RC1 = "RC1", "Adopted"
    RC2 = "RC2", "Died"
    RC3 = "RC3", "Child arrangements order"
    RC4 = "RC4", "Special guardianship order"
    RC5 = "RC5", "Transferred to another LA"
    RC6 = "RC6", "Transferred to adult social care"
    RC7 = "RC7", "Services ceased for any other reason, incl. no longer in need"
    RC8 = "RC8", "Case closed after assessment, no further action"
    RC9 = "RC9", "Case closed after assessment, referred to early help"


class AssessmentFactor(models.TextChoices):
    F1A = "1A", "Alcohol misuse: child"
    F1B = "1B", "Alcohol misuse: parent"
    F1C = "1C", "Alcohol misuse: other person in household"
    F2A = "2A", "Drug misuse: child"
    F2B = "2B", "Drug misuse: parent"
    F2C = "2C", "Drug misuse: other person in household"
    F3A = "3A", "Domestic abuse: child subject"
    F3B = "3B", "Domestic abuse: parent subject"
    F3C = "3C", "Domestic abuse: other person in household subject"
    F4A = "4A", "Mental health: child"
    F4B = "4B", "Mental health: parent"
    F4C = "4C", "Mental health: other person in household"
    F5A = "5A", "Learning disability: child"
    F5B = "5B", "Learning disability: parent"
    F5C = "5C", "Learning disability: other person in household"
    F6A = "6A", "Physical disability or illness: child"
    F6B = "6B", "Physical disability or illness: parent"
    F6C = "6C", "Physical disability or illness: other person in household"
    F7A = "7A", "Young carer"
    F8B = "8B", "Privately fostered: overseas, intending to return"
    F8C = "8C", "Privately fostered: overseas, intending to stay"
    F8D = "8D", "Privately fostered: UK, educational reasons"
    F8E = "8E", "Privately fostered: UK, alternative family arrangements"
    F8F = "8F", "Privately fostered: other"
    F9A = "9A", "Unaccompanied asylum-seeking child"
    F10A = "10A", "Missing"
    F11A = "11A", "Child sexual exploitation"
    F12A = "12A", "Trafficking"
    F13A = "13A", "Gangs"
    F14A = "14A", "Socially unacceptable behaviour"
    F15A = "15A", "Self-harm"
    F16A = "16A", "Neglect"
    F17A = "17A", "Emotional abuse"
    F18B = "18B", "Physical abuse: child on child"
    F18C = "18C", "Physical abuse: adult on child"
    F19B = "19B", "Sexual abuse: child on child"
    F19C = "19C", "Sexual abuse: adult on child"
    F20 = "20", "Other"
    F21 = "21", "No factors identified"
    F22A = "22A", "Female genital mutilation"
    F23A = "23A", "Abuse linked to faith or belief"
    F24A = "24A", "Child criminal exploitation"


class CategoryOfAbuse(models.TextChoices):
    NEG = "NEG", "Neglect"
    PHY = "PHY", "Physical abuse"
    SAB = "SAB", "Sexual abuse"
    EMO = "EMO", "Emotional abuse"
    MUL = "MUL", "Multiple / not recommended"


class ReasonForNewEpisode(models.TextChoices):
    S = "S", "Started to be looked after"
    L = "L", "Change of legal status only"
    P = "P", "Change of placement and carer(s) only"
    T = "T", "Change of placement (same carer(s)) only"
    B = "B", "Change of legal status and placement and carer(s)"
    U = "U", "Change of legal status and placement (same carer(s))"


class LegalStatus(models.TextChoices):
    C1 = "C1", "Interim care order"
    C2 = "C2", "Full care order"
    D1 = "D1", "Freeing order granted"
    E1 = "E1", "Placement order granted"
    V2 = "V2", "Single period of accommodation under section 20"
    V3 = "V3", "Accommodated under an agreed series of short-term breaks (episodes recorded)"
    V4 = "V4", "Accommodated under an agreed series of short-term breaks (agreements recorded)"
    L1 = "L1", "Under police protection and in LA accommodation"
    L2 = "L2", "Emergency protection order"
    L3 = "L3", "Child assessment order and in LA accommodation"
    J1 = "J1", "Remanded to LA accommodation or youth detention accommodation"
    J2 = "J2", "Placed in LA accommodation under PACE 1984"
    J3 = "J3", "Sentenced to a youth rehabilitation order with residence requirement"


class CategoryOfNeed(models.TextChoices):
    N1 = "N1", "Abuse or neglect"
    N2 = "N2", "Child's disability"
    N3 = "N3", "Parental illness or disability"
    N4 = "N4", "Family in acute stress"
    N5 = "N5", "Family dysfunction"
    N6 = "N6", "Socially unacceptable behaviour"
    N7 = "N7", "Low income"
    N8 = "N8", "Absent parenting"


class Placement(models.TextChoices):
    """Placement types valid from 2025-26 (H5, P2 and Z1 withdrawn; K3 and Z11-Z14 added)."""

    A3 = "A3", "Placed for adoption with consent, with current foster carer(s)"
    A4 = "A4", "Placed for adoption with consent, not with current foster carer(s)"
    A5 = "A5", "Placed for adoption with placement order, with current foster carer(s)"
    A6 = "A6", "Placed for adoption with placement order, not with current foster carer(s)"
    K1 = "K1", "Secure children's home"
    K2 = "K2", "Children's home"
    K3 = "K3", "Registered supported accommodation"
    P1 = "P1", "Placed with own parent(s) or person with parental responsibility"
    P3 = "P3", "Residential employment"
    R1 = "R1", "Residential care home"
    R2 = "R2", "NHS/health trust or other medical or nursing establishment"
    R3 = "R3", "Family centre or mother and baby unit"
    R5 = "R5", "Young offender institution or prison"
    S1 = "S1", "Residential school"
    T0 = "T0", "Temporary move: all types"
    T1 = "T1", "Temporary period in hospital"
    T2 = "T2", "Temporary absence on holiday"
    T3 = "T3", "Temporary accommodation while normal foster carer on holiday"
    T4 = "T4", "Temporary accommodation of seven days or less"
    U1 = "U1", "Foster placement with relative or friend: long term"
    U2 = "U2", "Foster placement with relative or friend who is an approved adopter: FFA"
    U3 = "U3", "Foster placement with relative or friend: not long term or FFA"
    U4 = "U4", "Foster placement with other carer: long term"
    U5 = "U5", "Foster placement with other carer who is an approved adopter: FFA"
    U6 = "U6", "Foster placement with other carer: not long term or FFA"
    Z11 = "Z11", "Other placement (Z11)"
    Z12 = "Z12", "Other placement (Z12)"
    Z13 = "Z13", "Other placement (Z13)"
    Z14 = "Z14", "Other placement (Z14)"


#: Placement codes withdrawn in 2025-26; kept so history imported from older returns stays valid.
LEGACY_PLACEMENTS = {"H5": "Semi-independent living", "P2": "Independent living", "Z1": "Other"}
#: The last day an episode could begin in H5, P2 or Z1: the SSDA903 lists them to 2024-25 (903 146).
LEGACY_PLACEMENTS_UNTIL = dt.date(2025, 3, 31)


def placements_on(day: dt.date | None) -> frozenset[str]:
    """The placement codes an episode beginning on `day` may hold: today's list, and the codes
    withdrawn in 2025-26 for an episode begun before then (history from earlier returns)."""
    today = frozenset(Placement.values)
    if day is not None and day <= LEGACY_PLACEMENTS_UNTIL:
        return today | frozenset(LEGACY_PLACEMENTS)
    return today


class PlacementProvider(models.TextChoices):
    PR0 = "PR0", "Parent(s) or other person with parental responsibility"
    PR1 = "PR1", "Own provision (by the LA)"
    PR2 = "PR2", "Other LA provision"
    PR3 = "PR3", "Other public provision"
    PR4 = "PR4", "Private provision"
    PR5 = "PR5", "Voluntary/third sector provision"


class ReasonEpisodeCeased(models.TextChoices):
    X1 = "X1", "Episode ceases, new episode begins on same day"
    E11 = "E11", "Adopted: application unopposed"
    E12 = "E12", "Adopted: consent dispensed with"
    E13 = "E13", "Left care to live with parent/relative/other person with no PR"
    E14 = "E14", "Accommodation on remand ended"
    E15 = "E15", "Age assessment determined child aged 18 or over"
    E16 = "E16", "Child moved abroad"
    E17 = "E17", "Aged 18+ and remained with current carers"
    E2 = "E2", "Died"
    E3 = "E3", "Care taken over by another LA in the UK"
    E41 = "E41", "Residence order or child arrangements order granted"
    E45 = "E45", "SGO made to former foster carer who is a relative or friend"
    E46 = "E46", "SGO made to former foster carer who is not a relative or friend"
    E47 = "E47", "SGO made to carer, not former foster carer, who is a relative or friend"
    E48 = "E48", "SGO made to carer, not former foster carer, who is not a relative or friend"
    E4A = "E4A", "Returned home to live with parent(s) as part of care planning"
    E4B = "E4B", "Returned home to live with parent(s) not as part of care planning"
    E5 = "E5", "Moved into independent living arrangement with formalised support"
    E6 = "E6", "Moved into independent living arrangement without formalised support"
    E7 = "E7", "Transferred to residential care funded by adult social care"
    E8 = "E8", "Period of being looked after ceased for any other reason"
    E9 = "E9", "Sentenced to custody"


class ReasonPlaceChange(models.TextChoices):
    CARPL = "CARPL", "Change to/implementation of care plan"
    CLOSE = "CLOSE", "Resignation/closure of provision"
    ALLEG = "ALLEG", "Allegation (s47)"
    STAND = "STAND", "Standards of care concern"
    APPRR = "APPRR", "Approval removed"
    CREQB = "CREQB", "Carer requests end due to child's behaviour"
    CREQO = "CREQO", "Carer requests end for other reasons"
    CHILD = "CHILD", "Child requests placement end"
    LAREQ = "LAREQ", "Responsible/area authority requests end"
    PLACE = "PLACE", "Change in status of placement only"
    CUSTOD = "CUSTOD", "Custody arrangement"
    OTHER = "OTHER", "Other"


class ReviewParticipation(models.TextChoices):
    PN0 = "PN0", "Child aged under 4 at the time of the review"
    PN1 = "PN1", "Child physically attends and speaks for themselves"
    PN2 = "PN2", "Child physically attends; an advocate speaks on their behalf"
    PN3 = "PN3", "Child attends and conveys views symbolically (non-verbally)"
    PN4 = "PN4", "Child physically attends but does not speak for themselves"
    PN5 = "PN5", "Child does not attend but briefs an advocate"
    PN6 = "PN6", "Child does not attend but conveys views by a facilitative medium"
    PN7 = "PN7", "Child does not attend and views are not conveyed"


class MissingType(models.TextChoices):
    M = "M", "Missing from care (whereabouts unknown)"
    A = "A", "Away from placement without authorisation (whereabouts known)"


class ReasonPlacedCeased(models.TextChoices):
    RD1 = "RD1", "Child's needs changed"
    RD2 = "RD2", "Court did not make a placement order"
    RD3 = "RD3", "Prospective adopters could not be found"
    RD4 = "RD4", "Any other reason"


class PreviousPermanence(models.TextChoices):
    P1 = "P1", "Adoption"
    P2 = "P2", "Special guardianship order"
    P3 = "P3", "Residence order / child arrangements order"
    P4 = "P4", "Unknown"
    Z1 = "Z1", "No previous permanence option"


class SexOfAdopters(models.TextChoices):
    M1 = "M1", "Single male"
    F1 = "F1", "Single female"
    MM = "MM", "Male couple"
    FF = "FF", "Female couple"
    MF = "MF", "Mixed-sex couple"


class LegalStatusOfAdopters(models.TextChoices):
    L0 = "L0", "Single adopter"
    L11 = "L11", "Married couple"
    L12 = "L12", "Civil partners"
    L2 = "L2", "Unmarried couple"
    L3 = "L3", "Other (L3)"
    L4 = "L4", "Other (L4)"


class SDQReason(models.TextChoices):
    SDQ1 = "SDQ1", "Child under 4 or over 16"
    SDQ2 = "SDQ2", "Carer refused"
    SDQ3 = "SDQ3", "Disability too severe"
    SDQ4 = "SDQ4", "Other"
    SDQ5 = "SDQ5", "Young person refused"


class CareLeaverInTouch(models.TextChoices):
    YES = "YES", "In touch"
    NO = "NO", "Not in touch"
    DIED = "DIED", "Died"
    REFU = "REFU", "Refuses contact"
    NREQ = "NREQ", "No longer requires services"
    RHOM = "RHOM", "Returned home for 6+ months"


class CareLeaverActivity(models.TextChoices):
    F1 = "F1", "Full-time higher education"
    P1 = "P1", "Part-time higher education"
    F2 = "F2", "Full-time other education"
    P2 = "P2", "Part-time other education"
    F4 = "F4", "Full-time apprenticeship"
    P4 = "P4", "Part-time apprenticeship"
    F5 = "F5", "Full-time training or employment"
    P5 = "P5", "Part-time training or employment"
    G4 = "G4", "NEET: illness or disability"
    G5 = "G5", "NEET: other reasons"
    G6 = "G6", "NEET: pregnancy or parenting"
    NA = "0", "Not in touch, died or returned home"


_ACCOM = {
    "B": "With parents or relatives", "C": "Community home or residential care",
    "D": "Semi-independent, transitional", "E": "Supported lodgings", "G": "Gone abroad",
    "H": "Deported", "K": "Ordinary lodgings", "R": "Residence not known", "S": "No fixed abode",
    "T": "Foyers", "U": "Independent living", "V": "Emergency accommodation", "W": "Bed and breakfast",
    "X": "In custody", "Y": "Other", "Z": "With former foster carer(s)",
}
CareLeaverAccommodation = models.TextChoices(
    "CareLeaverAccommodation",
    [(f"{k}{n}", (f"{k}{n}", f"{v} ({'suitable' if n == 1 else 'not suitable'})"))
     for k, v in _ACCOM.items() for n in (1, 2)] + [("NA", ("0", "Not in touch, died or returned home"))],
)


class SocialWorkerChangeReason(models.TextChoices):
    MANAGE = "MANAGE", "Management decision"
    FCONTA = "FCONTA", "Family contact"
    LEFTRL = "LEFTRL", "Worker left role"
    ORGRST = "ORGRST", "Organisational restructure"
    TSPROC = "TSPROC", "Transfer between service/process"
    ABSENC = "ABSENC", "Worker absence"
    CHCHAN = "CHCHAN", "Child's change of circumstances"
    PCCHAN = "PCCHAN", "Placement change"
    SWDIED = "SWDIED", "Social worker died"
    OTHERS = "OTHERS", "Other"


def label(choices, code: str) -> str:
    """The description of a code, or the code itself if it is not in the list."""
    return dict(choices.choices).get(code, code)
