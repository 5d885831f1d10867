"""The genogram and ecomap (issue 16, part 2): drawn as accessible SVG from records in memory, no
database; the same records always give the same picture; every name escaped."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from safeguard.people.genogram import ecomap_svg, genogram_svg
from safeguard.people.models import Child, Organisation, Person, Professional, Relationship

D = dt.date
ON = D(2025, 6, 1)
K = Relationship.Kind
NS = {"s": "http://www.w3.org/2000/svg"}


def _child(**extra) -> Child:
    fields = dict(pk=1, first_name="Alex", last_name="Smith", date_of_birth=D(2015, 6, 1), sex="F")
    fields.update(extra)
    return Child(**fields)


_next = iter(range(100, 10_000))


def _rel(kind: str, first: str = "", *, sex: str = "", born=None, died=None, child=None,
         **extra) -> Relationship:
    """A relationship to a person (or, with `child`, to another child on the record)."""
    pk = next(_next)
    if child is not None:
        return Relationship(pk=pk, kind=kind, relative=child, **extra)
    person = Person(pk=pk, first_name=first, last_name="Smith", sex=sex, date_of_birth=born,
                    date_of_death=died)
    return Relationship(pk=pk, kind=kind, person=person, **extra)


def _family() -> list[Relationship]:
    return [
        _rel(K.MOTHER, "Jo", sex="F", born=D(1990, 3, 1), lives_with_child=True),
        _rel(K.FATHER, "Sam", sex="M", born=D(1988, 1, 1)),
        _rel(K.STEP_PARENT, "Chris", born=D(1985, 1, 1)),
        _rel(K.GRANDPARENT, "Nan", sex="F", born=D(1950, 1, 1), died=D(2020, 2, 1)),
        _rel(K.SIBLING, "Older", sex="M", born=D(2012, 1, 1)),
        _rel(K.HALF_SIBLING, "Younger", sex="F", born=D(2019, 1, 1)),
        _rel(K.CARER, "Pat", born=D(1970, 1, 1)),
    ]


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def _nodes(root: ET.Element) -> dict[str, ET.Element]:
    """Each person's group by the name in its tooltip."""
    return {g.find("s:title", NS).text: g for g in root.iter("{http://www.w3.org/2000/svg}g")}


def _label_y(node: ET.Element) -> float:
    return float(node.find("s:text", NS).get("y"))


def _centre_y(node: ET.Element) -> float:
    """The centre of a person's symbol (square, circle or diamond)."""
    shape = node[1]
    if shape.get("cy") is not None:
        return float(shape.get("cy"))
    if shape.get("height") is not None:
        return float(shape.get("y")) + float(shape.get("height")) / 2
    ys = [float(p.split(",")[1]) for p in shape.get("points").split()]
    return (min(ys) + max(ys)) / 2


def _label_x(node: ET.Element) -> float:
    return float(node.find("s:text", NS).get("x"))


def _shape(node: ET.Element) -> str:
    return node[1].tag.split("}")[1]  # after the <title>


def test_genogram_is_an_accessible_image_with_size_and_viewbox():
    """WCAG 2.2 1.1.1 (non-text content): the picture is role="img" with a title and a description
    that says in words who is in the family; width, height and viewBox are given."""
    svg = genogram_svg(_child(), _family(), on=ON)
    root = _tree(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root.get("aria-labelledby") == "genogram-1-title genogram-1-desc"
    assert root.find("s:title", NS).text == "Family tree (genogram) of Alex Smith"
    desc = root.find("s:desc", NS).text
    assert "The child: Alex Smith, aged 10." in desc
    assert "Mother Jo Smith, aged 35" in desc and "Grandparent Nan Smith, died 2020, aged 70" in desc
    assert "Siblings: Sibling Older Smith, aged 13; Half-sibling Younger Smith, aged 6." in desc


def test_genogram_places_generations_and_draws_the_conventional_symbols():
    """Genogram conventions (McGoldrick, Gerson and Petry): parents' generation above, the child
    and siblings in the middle (oldest on the left), own children below; males as squares,
    females as circles, sex unknown as a diamond; the child with a double outline; a cross
    through someone who has died."""
    rels = [*_family(), _rel(K.CHILD, "Baby", born=D(2024, 1, 1))]
    nodes = _nodes(_tree(genogram_svg(_child(date_of_birth=D(2014, 1, 1)), rels, on=ON)))
    y = {name: _centre_y(node) for name, node in nodes.items()}
    assert y["Nan Smith"] < y["Jo Smith"] == y["Sam Smith"] == y["Chris Smith"]
    assert y["Jo Smith"] < y["Alex Smith"] == y["Older Smith"] == y["Younger Smith"]
    assert y["Alex Smith"] < y["Baby Smith"] < y["Pat Smith"]  # others last
    assert _label_x(nodes["Older Smith"]) < _label_x(nodes["Alex Smith"]) < _label_x(nodes["Younger Smith"])
    assert _shape(nodes["Sam Smith"]) == "rect" and _shape(nodes["Jo Smith"]) == "circle"
    assert _shape(nodes["Chris Smith"]) == "polygon"  # sex not recorded
    me = nodes["Alex Smith"]
    assert me.get("data-kind") == "child" and len(me.findall("s:circle", NS)) == 2
    assert me.find("s:circle[2]", NS).get("fill") == "none"  # the outer outline
    assert nodes["Nan Smith"].find("s:path", NS) is not None  # the cross
    assert nodes["Jo Smith"].find("s:path", NS) is None


def test_a_mother_or_father_with_no_sex_recorded_takes_it_from_the_relationship():
    """Genogram conventions: a mother is drawn as a female, a father as a male, unless the person's
    own record says otherwise."""
    nodes = _nodes(_tree(genogram_svg(_child(), [_rel(K.MOTHER, "Jo"), _rel(K.FATHER, "Sam")],
                                      on=ON)))
    assert _shape(nodes["Jo Smith"]) == "circle" and _shape(nodes["Sam Smith"]) == "rect"


def test_names_are_escaped_in_the_genogram_and_the_ecomap():
    """OWASP XSS prevention (names are user input): a name holding markup is shown as text,
    never as markup, in the picture, its tooltip and its description."""
    evil = '<script>alert("x")</script> & Co'
    child = _child(first_name="<b>Al</b>", last_name="O'Neil & Sons")
    rels = [_rel(K.MOTHER, evil, sex="F")]
    org = Organisation(pk=1, kind="school", name="<img src=x onerror=alert(1)>")
    pros = [Professional(pk=1, role="Teacher & tutor", name=evil, organisation=org)]
    for svg in (genogram_svg(child, rels, on=ON), ecomap_svg(child, rels, pros, on=ON)):
        assert "<script" not in svg and "<b>" not in svg and "<img" not in svg
        assert "&lt;script&gt;" in svg and "&amp; Co" in svg and "O&#x27;Neil &amp; Sons" in svg
        root = _tree(svg)
        assert any(evil in (g.find("s:title", NS).text or "")
                   for g in root.iter("{http://www.w3.org/2000/svg}g"))
        assert not list(root.iter("{http://www.w3.org/2000/svg}script"))


def test_genogram_is_deterministic_and_grows_with_the_family():
    """Issue 16: the same records give the same picture whatever order they are read in, and the
    picture grows with the number of people instead of crowding them."""
    rels = _family()
    assert genogram_svg(_child(), rels, on=ON) == genogram_svg(_child(), rels[::-1], on=ON)
    small = _tree(genogram_svg(_child(), rels[:2], on=ON))
    siblings = [_rel(K.SIBLING, f"S{i}", born=D(2010, 1, 1 + i)) for i in range(10)]
    large = _tree(genogram_svg(_child(), [*rels, *siblings], on=ON))
    assert float(large.get("width")) > float(small.get("width"))
    assert float(large.get("height")) > float(small.get("height"))
    nodes = _nodes(large)
    xs = sorted(_label_x(n) for n in nodes.values() if _label_y(n) == _label_y(nodes["Alex Smith"]))
    assert all(b - a >= 150 for a, b in zip(xs, xs[1:], strict=False))  # no overlapping labels


def test_genogram_leaves_out_entries_recorded_in_error_and_copes_with_none():
    """Issue 16 (corrections, never deletions): an entry recorded in error is hidden from the
    everyday view; a child with no family recorded still gets a picture that says so."""
    wrong = _rel(K.FATHER, "Wrong", sex="M", recorded_in_error=True)
    svg = genogram_svg(_child(), [wrong], on=ON)
    assert "Wrong" not in svg and "No family members are recorded." in svg
    root = _tree(svg)
    assert list(_nodes(root)) == ["Alex Smith"]


def test_genogram_draws_another_child_on_the_record_and_a_named_relative():
    """SSDA903 guidance (MOTHER and MC_DOB): a relationship may link another child on the record
    or only name someone; both are drawn with what is known."""
    sib = Child(pk=2, first_name="Kim", last_name="Smith", date_of_birth=D(2013, 1, 1), sex="M")
    named = Relationship(pk=5, kind=K.CHILD, relative_name="Baby Smith",
                         relative_date_of_birth=D(2024, 2, 1))
    nodes = _nodes(_tree(genogram_svg(_child(), [_rel(K.SIBLING, child=sib), named], on=ON)))
    assert _shape(nodes["Kim Smith"]) == "rect" and _shape(nodes["Baby Smith"]) == "polygon"
    assert "aged 1" in "".join(nodes["Baby Smith"].find("s:text", NS).itertext())


def test_ecomap_puts_the_child_in_the_centre_with_current_and_ended_links():
    """Working Together 2023 (multi-agency working): the ecomap shows the child at the centre and
    every family member and professional around, a solid line for a current link and a dashed
    one for an ended one; a thick line for those the child lives with."""
    school = Organisation(pk=1, kind="school", name="Oak Primary")
    pros = [Professional(pk=1, role="Class teacher", name="Ms Green", organisation=school,
                         start_date=D(2023, 9, 1)),
            Professional(pk=2, role="Health visitor", name="Ann Lee", start_date=D(2015, 7, 1),
                         end_date=D(2018, 1, 1)),
            Professional(pk=3, role="GP", name="Dr Mistake", recorded_in_error=True)]
    svg = ecomap_svg(_child(), _family(), pros, on=ON)
    root = _tree(svg)
    assert root.get("role") == "img" and root.get("viewBox").startswith("0 0 ")
    assert root.find("s:title", NS).text == "Ecomap of Alex Smith: family and professionals"
    desc = root.find("s:desc", NS).text
    assert "Professionals now: Ms Green, Class teacher, Oak Primary." in desc
    assert "Professionals before: Ann Lee, Health visitor." in desc
    assert "Mother Jo Smith, aged 35 (lives with the child)" in desc and "Mistake" not in svg
    lines = root.findall("s:line", NS)
    assert len(lines) == len(_family()) + 2
    width, height = float(root.get("width")), float(root.get("height"))
    assert all(abs(float(ln.get("x1")) - width / 2) < 0.1 for ln in lines)  # all from the centre
    assert all(abs(float(ln.get("y1")) - (height - 30) / 2) < 0.1 for ln in lines)
    dashed = [ln for ln in lines if ln.get("stroke-dasharray")]
    assert len(dashed) == 2  # the ended professional and the grandmother who died
    assert [ln.get("stroke-width") for ln in lines].count("4") == 1  # lives with the child
    nodes = _nodes(root)
    assert nodes["Ann Lee"].get("data-ended") == "true" and nodes["Ms Green"].get("data-ended") is None
    assert "(ended)" in "".join(nodes["Ann Lee"].itertext())


def test_ecomap_is_deterministic_and_grows_with_the_network():
    """Issue 16: the same network always gives the same picture; more people, a bigger circle."""
    few = [_rel(K.MOTHER, "Jo", sex="F")]
    many = [_rel(K.OTHER, f"P{i}") for i in range(30)]
    assert ecomap_svg(_child(), many, []) == ecomap_svg(_child(), many[::-1], [])
    small, large = _tree(ecomap_svg(_child(), few, [])), _tree(ecomap_svg(_child(), many, []))
    assert float(large.get("width")) > float(small.get("width"))
    empty = ecomap_svg(_child(), [], [])
    assert "No family or professionals are recorded." in empty
