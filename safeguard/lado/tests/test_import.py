"""Importing past LADO referrals: whole file or nothing, every problem with its line and field."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from safeguard.audit.models import AuditEvent
from safeguard.lado import importer
from safeguard.lado.importer import COLUMNS, ImportRefused, import_allegations
from safeguard.lado.models import Allegation, StrategyMeeting
from safeguard.timescales.models import Clock

HEADER = ",".join(COLUMNS)
GOOD = [
    "L-001,2016-05-10,2016-05-09,EDUCATION,education,education,Teacher,physical,Threshold met,"
    "2016-05-12,Yes,no,,no,substantiated,Dismissal,2016-06-10",
    "L-002,2016-07-01,,health,,,,,consultation,,,,Yes,,,,2016-07-01",
    "L-003,2016-09-01,2016-08-31,Vol Organisations,Vol Organisation,Voluntary,Scout leader,"
    "Risk of Harm,threshold met,,,,,,,,",
]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def write(tmp_path, lines, name="past.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def state():
    return (Allegation.objects.count(), StrategyMeeting.objects.count(), Clock.objects.count(),
            AuditEvent.objects.exclude(reason__startswith="refused").count())


def test_good_file_imported_whole_and_kept(tmp_path, lado, var_dir):
    """KCSIE Part 4 records kept: past referrals imported through the same validation as entry."""
    result = import_allegations(write(tmp_path, [HEADER, *GOOD]), by=lado)
    assert result.created == 3
    a = Allegation.objects.get(reference="L-001")
    assert (a.referring_agency, a.response, a.police_involved, a.court_proceedings, a.disability) == (
        "education", "threshold_met", True, False, None)
    assert (a.outcome, a.employer_action, a.closure_date) == ("substantiated", "dismissal",
                                                                dt.date(2016, 6, 10))
    assert list(a.strategy_meetings.values_list("held_on", flat=True)) == [dt.date(2016, 5, 12)]
    c = Allegation.objects.get(reference="L-003")
    assert (c.referring_agency, c.employing_agency, c.setting, c.category_of_harm) == (
        "voluntary", "voluntary", "voluntary", "risk_of_harm")
    assert Clock.objects.filter(subject_type="lado.Allegation", code="T16S", subject_id=c.pk).exists()
    kept = list((var_dir / "imports" / "lado").iterdir())
    assert len(kept) == 1 and kept[0].name.endswith("-past.csv")
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_bad_rows_reported_precisely_and_nothing_changes(tmp_path, lado, var_dir):
    """KCSIE Part 4 outcome definitions and local rules: every bad row refused with line and field."""
    from safeguard.lado import services

    services.allegation_record(by=lado, local_authority=lado.local_authority, reference="OLD-1",
                               referral_date=dt.date(2015, 1, 5), referring_agency="police")
    before = state()
    lines = [
        HEADER,
        GOOD[0],                                                                  # line 2 fine
        "L-010,2016-13-01,,education,,,,,,,,,,,,,",                              # 3 bad date
        "L-011,2016-05-10,,Schools,,,,,,,,,,,,,",                                # 4 unknown agency
        "L-012,2016-05-10,2016-05-12,education,,,,,consultation,,,,,,,,",       # 5 aware after
        "L-013,2016-05-10,,education,,,,,consultation,,,,,,,,2016-05-01",       # 6 closed before
        "L-001,2016-05-10,,education,,,,,,,,,,,,,",                              # 7 dup in file
        "OLD-1,2016-05-10,,education,,,,,,,,,,,,,",                              # 8 already stored
        "L-014,2016-05-10,,education,,,,,consultation,,maybe,,,,,,",            # 9 bad flag
        "L-015,2016-05-10,,education,,,,,threshold met,,,,,,,,2016-06-01",      # 10 no outcome
        "L-016,2016-05-10,,education,,,,,consultation,2016-05-11,,,,,,,",       # 11 meeting w/o thr
    ]
    with pytest.raises(ImportRefused) as exc:
        import_allegations(write(tmp_path, lines), by=lado)
    found = {(p.line, p.field) for p in exc.value.problems}
    assert found == {
        (3, "referral_date"), (4, "referring_agency"), (5, "employer_aware_date"), (6, "closure_date"),
        (7, "reference"), (8, "reference"), (9, "police_involved"), (10, "outcome"),
        (11, "strategy_meeting_date"),
    }
    assert any("KCSIE" in p.reason for p in exc.value.problems if p.line == 10)
    assert state() == before
    assert not (var_dir / "imports").exists()


def test_headers_checked(tmp_path, lado):
    """Local rule: the file has exactly the issue's columns, so nothing is silently dropped."""
    header = HEADER.replace("setting", "sector").replace(",closure_date", "")
    with pytest.raises(ImportRefused) as exc:
        import_allegations(write(tmp_path, [header, "x"]), by=lado)
    text = " ".join(str(p) for p in exc.value.problems)
    assert "unknown column(s): sector" in text and "missing column(s): setting, closure_date" in text
    assert Allegation.objects.count() == 0


def test_not_utf8(tmp_path, lado):
    """Local rule: text must be UTF-8; a spreadsheet's legacy encoding is refused, not garbled."""
    path = write(tmp_path, [HEADER, GOOD[0].replace("Teacher", "Enseignant résident")], encoding="latin-1")
    with pytest.raises(ImportRefused) as exc:
        import_allegations(path, by=lado)
    assert exc.value.problems[0].line == 2 and "UTF-8" in exc.value.problems[0].reason


def test_too_large(tmp_path, lado, monkeypatch):
    """Local rule: files over 20 MB are refused before reading."""
    monkeypatch.setattr(importer, "MAX_BYTES", 10)
    with pytest.raises(ImportRefused) as exc:
        import_allegations(write(tmp_path, [HEADER, *GOOD]), by=lado)
    assert "20 MB" in exc.value.problems[0].reason


def test_cli_import_reports_problems_without_traceback(tmp_path, lado, capsys):
    """The command prints each problem (line, field, reason) and refuses the whole file."""
    path = write(tmp_path, [HEADER, GOOD[0], "L-2,2016-02-30,,education,,,,,,,,,,,,,"])
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("lado", "import", str(path), "--user", lado.username)
    assert "line 3: referral_date: '2016-02-30' is not a date" in capsys.readouterr().err
    assert Allegation.objects.count() == 0
    call_command("lado", "import", str(write(tmp_path, [HEADER, *GOOD], "ok.csv")), "--user", "lado1")
    assert Allegation.objects.count() == 3


def test_cli_import_refuses_user_without_role(tmp_path, worker):
    """KCSIE Part 4 confidentiality: only the LADO service may load allegations."""
    with pytest.raises(CommandError, match="may not see allegations"):
        call_command("lado", "import", str(write(tmp_path, [HEADER, *GOOD])), "--user", worker.username)
    assert Allegation.objects.count() == 0
