"""The genogram (family tree) and ecomap (the child's network) drawn as SVG from the records the
network selector read: pure functions, no database, the same picture for the same records.

Genogram conventions (McGoldrick, Gerson and Petry, "Genograms: assessment and treatment"): a
square for a male, a circle for a female, a diamond when sex is not known; the person the genogram
is about with a double outline; a cross through someone who has died; a horizontal line joins
parents, the children hang from a line beneath them, oldest on the left.

The pictures are accessible: `role="img"` with a `<title>` and a `<desc>` that says in words what the
picture shows (a screen reader reads the desc, not the shapes), text labels rather than colour alone,
and every name escaped (names are typed by users)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from dateutil.relativedelta import relativedelta

from safeguard.core.errors import today

from .models import Relationship

K = Relationship.Kind
#: Rows of the genogram, top to bottom: (heading, kinds). The child's row is "0".
_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Grandparents", (K.GRANDPARENT,)),
    ("Parents' generation", (K.FATHER, K.MOTHER, K.STEP_PARENT, K.PARTNER_OF_PARENT,
                             K.AUNT_OR_UNCLE)),
    ("The child and siblings", (K.SIBLING, K.HALF_SIBLING)),
    ("The child's own children", (K.CHILD,)),
    ("Others in the child's life", (K.CARER, K.HOUSEHOLD_MEMBER, K.OTHER)),
)
_CHILD_ROW = 2
_PARTNERS = (K.STEP_PARENT, K.PARTNER_OF_PARENT)

COL = 180  # horizontal room for one person and their label
ROW = 140  # vertical room for one generation
SHAPE = 44  # side of a square, diameter of a circle
MARGIN = 30
LABEL_CHARS = 24  # a longer name is shortened in the label (the desc has it whole)
FONT = 'font-family="Arial, Helvetica, sans-serif"'
_DASH = ' stroke-dasharray="6 4"'
_ENDED = ' data-ended="true"'


@dataclass(frozen=True)
class Someone:
    """What a picture needs to know of one person, whoever's record holds them."""

    key: str
    name: str
    sex: str  # "M", "F" or "U"
    date_of_birth: dt.date | None
    date_of_death: dt.date | None
    role: str  # "Mother", "Class teacher, Oak School"
    kind: str = ""
    is_child: bool = False
    ended: bool = False
    lives_with_child: bool = False

    def age(self, on: dt.date) -> str:
        """'aged 34', 'died 2020, aged 60', or '' when no date of birth is known."""
        if self.date_of_birth is None:
            return "died" if self.date_of_death else ""
        end = self.date_of_death or on
        years = max(relativedelta(end, self.date_of_birth).years, 0)
        if self.date_of_death:
            return f"died {self.date_of_death.year}, aged {years}"
        return f"aged {years}"

    def described(self, on: dt.date) -> str:
        age = self.age(on)
        return f"{self.role} {self.name}" + (f", {age}" if age else "")


def _sex(value: str, kind: str = "") -> str:
    if value in ("M", "F"):
        return value
    return {K.MOTHER: "F", K.FATHER: "M"}.get(kind, "U")  # the relationship says, if nothing else


def _child(child) -> Someone:
    return Someone(key=f"c{child.pk}", name=f"{child.first_name} {child.last_name}".strip(),
                   sex=_sex(child.sex), date_of_birth=child.date_of_birth,
                   date_of_death=child.date_of_death, role="The child", is_child=True)


def _relative(rel) -> Someone:
    """The person, the other child on the record, or the named relative of a relationship."""
    who = _loaded(rel, "person") or _loaded(rel, "relative")
    role = rel.get_kind_display()
    if who is not None:
        return Someone(key=f"r{rel.pk}", name=f"{who.first_name} {who.last_name}".strip(),
                       sex=_sex(who.sex, rel.kind), date_of_birth=who.date_of_birth,
                       date_of_death=who.date_of_death, role=role, kind=rel.kind,
                       ended=who.date_of_death is not None, lives_with_child=rel.lives_with_child)
    return Someone(key=f"r{rel.pk}", name=rel.relative_name or "Name not known",
                   sex=_sex("", rel.kind), date_of_birth=rel.relative_date_of_birth,
                   date_of_death=None, role=role, kind=rel.kind,
                   lives_with_child=rel.lives_with_child)


def _loaded(record, name: str):
    """A linked record as the caller loaded it (select_related, or built in memory); looked up
    only if it was not, which the selector's callers never need."""
    cached = record._state.fields_cache
    if name in cached:
        return cached[name]
    return getattr(record, name) if getattr(record, f"{name}_id") is not None else None


def _professional(pro, on: dt.date) -> Someone:
    org = _loaded(pro, "organisation")
    role = pro.role + (f", {org.name}" if org is not None else "")
    ended = pro.end_date is not None and pro.end_date < on
    return Someone(key=f"p{pro.pk}", name=pro.name, sex="U", date_of_birth=None,
                   date_of_death=None, role=role, ended=ended)


def _live(records: Iterable) -> list:
    """Records not marked recorded in error, in a fixed order (keys, then names)."""
    kept = [r for r in records if not getattr(r, "recorded_in_error", False)]
    return sorted(kept, key=lambda r: (r.pk is None, r.pk or 0))


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _n(value: float) -> str:
    """A coordinate written the same way every time (deterministic output)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(kind: str, ident: str, width: float, height: float, title: str, desc: str,
         body: list[str]) -> str:
    w, h = _n(width), _n(height)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sg-{kind}" role="img" width="{w}" '
        f'height="{h}" viewBox="0 0 {w} {h}" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{_e(title)}</title>',
        f'<desc id="{ident}-desc">{_e(desc)}</desc>',
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
        *body,
        "</svg>",
    ])


def _shape(p: Someone, x: float, y: float) -> list[str]:
    """A person's symbol centred on (x, y): square, circle or diamond; double outline for the
    child; a cross if they have died."""
    s = SHAPE / 2
    style = 'fill="#ffffff" stroke="#0b0c0c" stroke-width="2"'
    out = []
    for grow in ((0, 6) if p.is_child else (0,)):
        r = s + grow
        if p.sex == "M":
            out.append(f'<rect x="{_n(x - r)}" y="{_n(y - r)}" width="{_n(2 * r)}" '
                       f'height="{_n(2 * r)}" {style if not grow else _outline()}/>')
        elif p.sex == "F":
            out.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" '
                       f'{style if not grow else _outline()}/>')
        else:
            out.append(f'<polygon points="{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},'
                       f'{_n(y + r)} {_n(x - r)},{_n(y)}" {style if not grow else _outline()}/>')
    if p.date_of_death:
        c = s * 0.75
        out.append(f'<path d="M{_n(x - c)} {_n(y - c)}L{_n(x + c)} {_n(y + c)}M{_n(x + c)} '
                   f'{_n(y - c)}L{_n(x - c)} {_n(y + c)}" stroke="#0b0c0c" stroke-width="2"/>')
    return out


def _group(p: Someone) -> str:
    """One person's shapes and label, with their whole name as a tooltip (the label may be cut)."""
    kind = "child" if p.is_child else (p.kind or "professional")
    return (f'<g class="sg-node" data-key="{_e(p.key)}" data-kind="{_e(kind)}"'
            f'{_ENDED if p.ended else ""}><title>{_e(p.name)}</title>')


def _outline() -> str:
    return 'fill="none" stroke="#0b0c0c" stroke-width="2"'


def _label(lines: Sequence[str], x: float, y: float, *, bold_first: bool = True) -> str:
    spans = []
    for i, line in enumerate(lines):
        if not line:
            continue
        weight = ' font-weight="bold"' if i == 0 and bold_first else ""
        spans.append(f'<tspan x="{_n(x)}" dy="{"0" if not spans else "15"}"{weight}>'
                     f"{_e(_short(line))}</tspan>")
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="middle" font-size="12" {FONT} '
            f'fill="#0b0c0c">{"".join(spans)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, *, dashed: bool = False,
          width: float = 2) -> str:
    dash = _DASH if dashed else ""
    return (f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="#0b0c0c" '
            f'stroke-width="{_n(width)}"{dash}/>')


def _by_birth(people: list[Someone]) -> list[Someone]:
    """Oldest first (genogram convention), those with no date of birth after, by name."""
    return sorted(people, key=lambda p: (p.date_of_birth is None, p.date_of_birth or dt.date.min,
                                         p.name, p.key))


def genogram_svg(child, relationships: Iterable, *, on: dt.date | None = None) -> str:
    """A family tree of the child as accessible SVG: grandparents, the parents' generation, the
    child with their siblings, the child's own children, then others in the child's life.
    `relationships` are the child's (with person or relative loaded); those recorded in error are
    left out. `on` is the day ages are counted to (today by default)."""
    on = on or today()
    me = _child(child)
    rels = _live(relationships)
    rows: list[list[Someone]] = []
    for i, (_, kinds) in enumerate(_ROWS):
        people = [_relative(r) for r in rels if r.kind in kinds]
        if i == 1:  # fathers, mothers, then partners and aunts/uncles: parents stand together
            people.sort(key=lambda p: (kinds.index(p.kind), p.date_of_birth or dt.date.min,
                                       p.name, p.key))
        else:
            people = _by_birth(people + ([me] if i == _CHILD_ROW else []))
        rows.append(people)
    shown = [(i, row) for i, row in enumerate(rows) if row]
    widest = max(len(row) for _, row in shown)
    width = max(2 * MARGIN + COL * widest, 420)
    top = MARGIN + 26  # room for the row headings
    height = top + ROW * len(shown) + 40
    pos: dict[str, tuple[float, float]] = {}
    body: list[str] = []
    for level, (i, row) in enumerate(shown):
        y = top + level * ROW + SHAPE / 2 + 14
        body.append(f'<text x="{MARGIN}" y="{_n(y - SHAPE / 2 - 20)}" font-size="12" {FONT} '
                    f'fill="#505a5f">{_e(_ROWS[i][0])}</text>')
        for j, p in enumerate(row):
            pos[p.key] = (width / 2 + (j - (len(row) - 1) / 2) * COL, y)
    lines = _family_lines(rows, pos)
    for _, row in shown:
        for p in row:
            x, y = pos[p.key]
            body.append(_group(p))
            body.extend(_shape(p, x, y))
            body.append(_label([p.name, p.role, p.age(on)], x,
                               y + SHAPE / 2 + (24 if p.is_child else 18)))
            body.append("</g>")
    body[:0] = lines  # lines first, so shapes and labels are drawn over them
    body.append(_legend(height - 16, genogram=True))
    title = f"Family tree (genogram) of {me.name}"
    desc = _genogram_desc(me, rows, on)
    return _svg("genogram", f"genogram-{child.pk or 0}", width, height, title, desc, body)


def _family_lines(rows: list[list[Someone]], pos: dict[str, tuple[float, float]]) -> list[str]:
    """Parents joined by a line; their children hang from a line beneath; partners of a parent
    joined to them by a dashed line; the child's own children hang beneath the child."""
    out: list[str] = []
    half = SHAPE / 2
    parents_row, kids = rows[1], rows[_CHILD_ROW]
    father = next((p for p in parents_row if p.kind == K.FATHER), None)
    mother = next((p for p in parents_row if p.kind == K.MOTHER), None)
    parents = [p for p in (father, mother) if p is not None]
    if father and mother:
        (fx, fy), (mx, _) = pos[father.key], pos[mother.key]
        out.append(_line(fx + half, fy, mx - half, fy))
    for k, partner in enumerate(p for p in parents_row if p.kind in _PARTNERS):
        if not parents:
            break
        (px, py), (qx, _) = pos[partner.key], pos[parents[-1].key]
        lift = py - half - 10 - 6 * k
        out.append(f'<polyline points="{_n(px)},{_n(py - half)} {_n(px)},{_n(lift)} {_n(qx)},'
                   f'{_n(lift)} {_n(qx)},{_n(py - half)}" fill="none" stroke="#0b0c0c" '
                   f'stroke-width="1.5" stroke-dasharray="6 4"/>')
    xs = [pos[p.key][0] for p in kids]
    kid_y = pos[kids[0].key][1]
    bar_y = kid_y - half - 24
    if parents:
        drop_x = sum(pos[p.key][0] for p in parents) / len(parents)
        out.append(_line(drop_x, pos[parents[0].key][1] + (0 if len(parents) == 2 else half),
                         drop_x, bar_y))
        xs.append(drop_x)
    if len(xs) > 1:
        out.append(_line(min(xs), bar_y, max(xs), bar_y))
        for p in kids:
            x, _ = pos[p.key]
            out.append(_line(x, bar_y, x, kid_y - half - (6 if p.is_child else 0),
                             dashed=p.kind == K.HALF_SIBLING))
    own = rows[3]
    if own:
        me = next(p for p in kids if p.is_child)
        mx, my = pos[me.key]
        own_y = pos[own[0].key][1]
        own_bar = own_y - half - 20
        start = my + half + 62  # below the child's label
        out.append(_line(mx, start, mx, own_bar))
        oxs = [pos[p.key][0] for p in own] + [mx]
        out.append(_line(min(oxs), own_bar, max(oxs), own_bar))
        for p in own:
            out.append(_line(pos[p.key][0], own_bar, pos[p.key][0], own_y - half))
    return out


def _genogram_desc(me: Someone, rows: list[list[Someone]], on: dt.date) -> str:
    parts = []
    for i, row in enumerate(rows):
        people = [p for p in row if not p.is_child]
        if i == _CHILD_ROW:
            age = me.age(on)
            parts.append(f"The child: {me.name}" + (f", {age}" if age else "") + ".")
            heading = "Siblings"
        else:
            heading = _ROWS[i][0]
        if people:
            parts.append(f"{heading}: " + "; ".join(p.described(on) for p in people) + ".")
    if len(parts) == 1:
        parts.append("No family members are recorded.")
    return " ".join(parts)


def _legend(y: float, *, genogram: bool) -> str:
    text = ("Key: square male, circle female, diamond sex not known; double outline the child; "
            "cross died; dashed line half-sibling or partner of a parent." if genogram else
            "Key: solid line current, dashed line ended; thick line lives with the child.")
    return f'<text x="{MARGIN}" y="{_n(y)}" font-size="11" {FONT} fill="#505a5f">{_e(text)}</text>'


def ecomap_svg(child, relationships: Iterable, professionals: Iterable, *,
               on: dt.date | None = None) -> str:
    """The child's network as accessible SVG: the child in the centre; family, household and
    professionals around on a circle, each joined to the child by a line (solid while current,
    dashed once ended; thick for those the child lives with). Records in error are left out."""
    on = on or today()
    me = _child(child)
    family = [_relative(r) for r in _live(relationships)]
    family.sort(key=lambda p: (_KIND_RANK.get(p.kind, 99), p.key))
    pros = [_professional(p, on) for p in _live(professionals)]
    around = family + pros
    box_w, box_h = 160, 46
    radius = max(170.0, len(around) * (box_w + 20) / (2 * math.pi))
    size = 2 * (radius + box_w / 2 + MARGIN)
    cx, cy = size / 2, size / 2
    height = size + 30
    lines, boxes = [], []
    for i, p in enumerate(around):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(around), 1)
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        lines.append(_line(cx, cy, x, y, dashed=p.ended, width=4 if p.lives_with_child else 2))
        fill = "#f3f2f1" if p.key.startswith("r") else "#e8f1f8"
        boxes.append(_group(p))
        boxes.append(f'<rect x="{_n(x - box_w / 2)}" y="{_n(y - box_h / 2)}" width="{box_w}" '
                     f'height="{box_h}" rx="6" fill="{fill}" stroke="#0b0c0c" stroke-width="1.5"'
                     f'{_DASH if p.ended else ""}/>')
        boxes.append(_label([p.name, p.role + (" (ended)" if p.ended and p.key.startswith("p")
                                               else "")], x, y - 4))
        boxes.append("</g>")
    centre = [f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="50" fill="#ffffff" stroke="#0b0c0c" '
              f'stroke-width="2"/>',
              f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="56" fill="none" stroke="#0b0c0c" '
              f'stroke-width="2"/>',
              _label([me.name, me.age(on)], cx, cy - 2)]
    body = lines + boxes + centre + [_legend(height - 16, genogram=False)]
    title = f"Ecomap of {me.name}: family and professionals"
    desc = _ecomap_desc(me, family, pros, on)
    return _svg("ecomap", f"ecomap-{child.pk or 0}", size, height, title, desc, body)


_KIND_RANK = {kind: i for i, kind in enumerate(
    k for _, kinds in (_ROWS[1], _ROWS[2], _ROWS[3], _ROWS[0], _ROWS[4]) for k in kinds)}


def _ecomap_desc(me: Someone, family: list[Someone], pros: list[Someone], on: dt.date) -> str:
    parts = [f"{me.name} in the centre."]
    if family:
        parts.append("Family and household: " + "; ".join(
            p.described(on) + (" (lives with the child)" if p.lives_with_child else "")
            for p in family) + ".")
    current = [p for p in pros if not p.ended]
    ended = [p for p in pros if p.ended]
    if current:
        parts.append("Professionals now: " + "; ".join(f"{p.name}, {p.role}" for p in current) + ".")
    if ended:
        parts.append("Professionals before: " + "; ".join(f"{p.name}, {p.role}" for p in ended) + ".")
    if len(parts) == 1:
        parts.append("No family or professionals are recorded.")
    return " ".join(parts)
