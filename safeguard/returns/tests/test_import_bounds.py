"""The statutory-return importers close their side doors (issue 15, finding 7, and the identifier
part of finding 3): an episode ending before it starts (903 rule 356), over-long values and control
characters are refused before the database, with file:line:field and the rule, the same on SQLite and
PostgreSQL; only imported files are kept, privately, and can be purged. A refused import stores
nothing."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from safeguard.audit.models import AuditEvent
from safeguard.core.errors import RecordInvalid
from safeguard.looked_after.models import Episode, PeriodOfCare
from safeguard.people.models import Child
from safeguard.returns import cin_census, ssda903
from safeguard.returns.cin_census import reading
from safeguard.returns.ssda903.tables import TABLES

HEADER = ",".join(TABLES["Header"][1])
EPISODES = ",".join(TABLES["Episodes"][1])
SW_EPISODES = ",".join(TABLES["SWEpisodes"][1])
GOOD_HEADER = f"{HEADER}\r\nK1,F,01/05/2010,WBRI,,0,\r\n"
# CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
GOOD_EPISODE = "K1,01/05/2025,S,C1,N1,U6,PR1,,,,CW1 2AB,CW2 3CD,SC123456"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_csv", ".csv")).write_text(text)
    return folder


def _refused_903(path: Path, by) -> dict[str, str]:
    before = (Child.objects.count(), Episode.objects.count(), PeriodOfCare.objects.count())
    with pytest.raises(RecordInvalid) as exc:
        ssda903.import_return(path, year=2026, by=by)
    assert (Child.objects.count(), Episode.objects.count(), PeriodOfCare.objects.count()) == before
    return {v.field: v.rule for v in exc.value.violations}


def _episode(**cells: str) -> str:
    values = dict(zip(TABLES["Episodes"][1], GOOD_EPISODE.split(","), strict=True))
    values.update(cells)
    return ",".join(values.values())


# --- SSDA903 ------------------------------------------------------------------------------------

def test_903_episode_ceasing_before_it_starts_is_refused(tmp_path, worker, var_dir):
    """Issue 15, finding 7; DfE 903 rule 356: "The date the episode ceased is before the date the
    same episode started". It was dropped silently, leaving the child looked after."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER, episodes_csv=(
        f"{EPISODES}\r\n{_episode(DEC='01/04/2025', REC='E8')}\r\n"))
    assert _refused_903(folder, worker) == {"episodes.csv:2:DEC": "903 356"}
    assert not (var_dir / "imports").exists()


@pytest.mark.parametrize(("cells", "where", "says"), [
    ({"HOME_POST": "CW1 2ABXY"}, "episodes.csv:2:HOME_POST", "the limit is 8"),
    ({"URN": "SC1234567"}, "episodes.csv:2:URN", "the limit is 8"),
    ({"PL_POST": "CW2\x003CD"}, "episodes.csv:2:PL_POST", "U+0000"),
    ({"PL_POST": "CW2\x1b3CD"}, "episodes.csv:2:PL_POST", "U+001B"),
    ({"REASON_PLACE_CHANGE": "X" * 7000}, "episodes.csv:2:REASON_PLACE_CHANGE", "the limit is 36"),
])
def test_903_overlong_values_and_control_characters_are_refused(tmp_path, worker, cells, where,
                                                                 says):
    """Issue 15, finding 7 (format): a value longer than its field or holding a control character
    made PostgreSQL fail with a traceback (SQLite stored it); now both refuse it at file:line:column
    before the database, and nothing is stored."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER,
                     episodes_csv=f"{EPISODES}\r\n{_episode(**cells)}\r\n")
    with pytest.raises(RecordInvalid) as exc:
        ssda903.import_return(folder, year=2026, by=worker)
    assert {v.field: v.rule for v in exc.value.violations} == {where: "format"}
    assert says in str(exc.value)
    assert not Child.objects.exists() and not Episode.objects.exists()


def test_903_overlong_child_and_sw_id_are_refused(tmp_path, worker):
    """Issue 15, finding 7: CHILD over 36 characters (LAchildID) and SW_ID over the 20 a user's
    registration number holds; every row naming the child is reported."""
    long_id = "K" * 37
    folder = _folder(
        tmp_path, header_csv=f"{HEADER}\r\n{long_id},F,01/05/2010,WBRI,,0,\r\n",
        episodes_csv=f"{EPISODES}\r\n{_episode(CHILD=long_id)}\r\n")
    assert _refused_903(folder, worker) == {"header.csv:2:CHILD": "format",
                                            "episodes.csv:2:CHILD": "format"}
    folder = _folder(tmp_path, header_csv=GOOD_HEADER,
                     episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE}\r\n",
                     sw_episodes_csv=f"{SW_EPISODES}\r\nK1,01/05/2010,{'S' * 21},01/05/2025,,FCONTA\r\n")
    assert _refused_903(folder, worker) == {"sw_episodes.csv:2:SW_ID": "format"}


@pytest.mark.parametrize("child_id", ["=1+1", "K'1", "K/1"])
def test_903_child_id_outside_the_pattern_is_refused(tmp_path, worker, child_id):
    """Issue 15, finding 3 (local rule): CHILD is letters, digits, '_' or '-'; a formula, quote or
    slash is refused at header.csv:2:CHILD."""
    folder = _folder(tmp_path, header_csv=f"{HEADER}\r\n{child_id},F,01/05/2010,WBRI,,0,\r\n",
                     episodes_csv=f"{EPISODES}\r\n{_episode(CHILD=child_id)}\r\n")
    assert _refused_903(folder, worker) == {"header.csv:2:CHILD": "local"}


def test_903_original_is_kept_privately(tmp_path, worker):
    """Issue 15, finding 7: the kept original holds children's records: folders 0700, files 0600."""
    folder = _folder(tmp_path, header_csv=GOOD_HEADER, episodes_csv=f"{EPISODES}\r\n{GOOD_EPISODE}\r\n")
    result = ssda903.import_return(folder, year=2026, by=worker)
    assert result.imported == 1
    assert stat.S_IMODE(result.kept_at.stat().st_mode) == 0o700
    assert stat.S_IMODE(result.kept_at.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(result.kept_at.parent.parent.stat().st_mode) == 0o700
    for kept in result.kept_at.iterdir():
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600


# --- CIN census ----------------------------------------------------------------------------------

CHILD_XML = """    <Child>
      <ChildIdentifiers>
        <LAchildID>{id}</LAchildID>
        <PersonBirthDate>2014-02-03</PersonBirthDate>
        <Sex>F</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>WBRI</Ethnicity>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2024-10-01</CINreferralDate>
        <ReferralSource>{source}</ReferralSource>
        <PrimaryNeedCode>N4</PrimaryNeedCode>
        <ReferralNFA>0</ReferralNFA>{extra}
      </CINdetails>
    </Child>
"""
CP_PLAN = """
        <ChildProtectionPlans>
          <CPPstartDate>2024-10-08</CPPstartDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>{n}</NumberOfPreviousCPP>
        </ChildProtectionPlans>"""


def _cin(id="X1", source="2A", extra="") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n  <Header>\n'
            "    <CollectionDetails><Collection>CIN</Collection><Year>2025</Year>"
            "<ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails>\n"
            "    <Source><SourceLevel>L</SourceLevel><LEA>895</LEA></Source>\n  </Header>\n"
            "  <Children>\n" + CHILD_XML.format(id=id, source=source, extra=extra)
            + "  </Children>\n</Message>\n")


def _refused_cin(tmp_path, text: str, name="bad.xml") -> RecordInvalid:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(RecordInvalid) as exc:
        cin_census.import_return(path, by=None)
    assert not Child.objects.exists()
    return exc.value


@pytest.mark.parametrize(("xml", "where", "rule"), [
    ({"source": "2A" + "x" * 7000}, "bad.xml:19:ReferralSource", "format"),
    ({"id": "X" * 37}, "bad.xml:10:LAchildID", "format"),
    ({"id": "A'1"}, "bad.xml:10:LAchildID", "local"),
    ({"id": "=1+1"}, "bad.xml:10:LAchildID", "local"),
    ({"extra": CP_PLAN.format(n=40000)}, "bad.xml:26:NumberOfPreviousCPP", "format"),
])
def test_cin_overlong_or_bad_values_are_refused(la, tmp_path, xml, where, rule):
    """Issue 15, findings 7 and 3: a value longer than any CIN census item (LAchildID: 36), an LA
    child ID outside the pattern, or a number of previous plans PostgreSQL's smallint cannot hold
    is refused at file:line:element, the same on SQLite and PostgreSQL."""
    exc = _refused_cin(tmp_path, _cin(**xml))
    assert (where, rule) in {(v.field, v.rule) for v in exc.violations}, exc.violations


def test_cin_control_characters_are_refused_by_the_xml_parser(la, tmp_path):
    """Issue 15, finding 7: XML 1.0 forbids NUL and the other C0 controls even as references."""
    exc = _refused_cin(tmp_path, _cin(id="X&#1;1"))
    assert exc.rules == {"format"} and "not well-formed" in str(exc)


def test_cin_file_over_50_mb_is_refused_unread_and_not_kept(la, tmp_path, var_dir):
    """Issue 15, finding 7: a 201 MB file was kept, readable by all; a file over 50 MB (far more
    than one council's census) is refused before it is parsed or kept, with a clear message."""
    path = tmp_path / "huge.xml"
    with path.open("wb") as fh:
        fh.truncate(reading.MAX_BYTES + 1)  # sparse: its size is all the reader looks at
    with pytest.raises(RecordInvalid) as exc:
        cin_census.import_return(path, by=None)
    [v] = exc.value.violations
    assert v.field == "huge.xml:0:file" and "50 MB" in v.message
    assert not (var_dir / "imports").exists()


def test_cin_refused_file_is_not_kept(la, tmp_path, var_dir):
    """Issue 15, finding 7: a refused file changed nothing and is not kept."""
    _refused_cin(tmp_path, _cin(source="ZZ"))
    assert not (var_dir / "imports").exists()


def test_cin_imported_file_is_kept_privately_and_can_be_purged(la, tmp_path, var_dir, capsys):
    """Issue 15, finding 7: the kept original is 0600 in 0700 folders, and `returns purge-kept
    --older-than-days N` removes originals kept longer than N days, with an audit row."""
    path = tmp_path / "good.xml"
    path.write_text(_cin())
    result = cin_census.import_return(path, by=None)
    assert result.imported == 1
    kept = result.kept_as
    assert kept.read_bytes() == path.read_bytes()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.parent.parent.stat().st_mode) == 0o700

    fresh = kept.parent / "20990101T000000000000-fresh.xml"
    fresh.write_text("x")
    old = time.time() - 40 * 86400
    os.utime(kept, (old, old))
    call_command("returns", "purge-kept", "--older-than-days", "30")
    out = capsys.readouterr().out
    assert f"removed cin_census/{kept.name}" in out and "1 kept original(s)" in out
    assert not kept.exists() and fresh.exists()
    event = AuditEvent.objects.get(action="delete", object_type="returns.KeptOriginal")
    assert event.detail["removed"] == [f"cin_census/{kept.name}"]
    call_command("returns", "purge-kept", "--older-than-days", "30", "--kind", "ssda903")
    assert fresh.exists() and "0 kept original(s)" in capsys.readouterr().out
