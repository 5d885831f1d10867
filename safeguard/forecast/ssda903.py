"""Reading a council's SSDA903 history (Header and Episodes CSVs, one folder per year or all in one
folder) straight into the model's arrays, fast enough for a national-size history.

The returns importer (`safeguard.returns.ssda903`) checks every table and row for loading into the
record; the forecast needs only CHILD, DOB, DECOM, DEC, PLACE and PLACE_PROVIDER, so this reader
checks those columns (date format, presence in the Header: 903 INT03) and nothing else. Repeats of
an episode across consecutive years are merged by `model.prepare`.
"""

from __future__ import annotations

import csv
import io
from operator import itemgetter
from pathlib import Path

import numpy as np

from . import model

HEADER_COLUMNS = ("CHILD", "DOB")
EPISODE_COLUMNS = ("CHILD", "DECOM", "DEC", "PLACE", "PLACE_PROVIDER")


class ReadError(ValueError):
    """Input the forecast cannot use, naming the file, line and column."""


def _files(folder: Path, name: str) -> list[Path]:
    found = [p for p in sorted(folder.rglob("*.csv")) if p.name.lower() == name]
    return found


def _read_columns(path: Path, wanted: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip().upper() for h in next(reader)]
        except StopIteration as exc:
            raise ReadError(f"{path}: empty file (expected a header row with {', '.join(wanted)})") from exc
        missing = [c for c in wanted if c not in header and c not in optional]
        if missing:
            raise ReadError(f"{path}:1: missing column(s) {', '.join(missing)}")
        idx = [header.index(c) if c in header else None for c in wanted]
        present = [i for i in idx if i is not None]
        width = max(present) + 1
        get = itemgetter(*present)
        rows = []
        for line_no, row in enumerate(reader, start=2):
            if len(row) < width:
                if not any(cell.strip() for cell in row):
                    continue
                raise ReadError(f"{path}:{line_no}: {len(row)} cells, expected {len(header)}")
            rows.append(get(row))
    cols = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in present]
    out, k = [], 0
    for i in idx:
        if i is None:
            out.append([""] * len(rows))
        else:
            out.append(cols[k])
            k += 1
    return out


def _read_fast(
    path: Path, wanted: tuple[str, ...], optional: tuple[str, ...] = (), dates: frozenset[str] = frozenset()
) -> list[np.ndarray] | None:
    """The wanted columns, found by locating every comma and line end with numpy (no Python loop
    over rows): text columns as byte-string arrays, `dates` columns as day numbers. None when the
    file needs the full CSV reader (quoted cells, ragged rows), which `_read_columns` then does."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw[:3].tobytes() == b"\xef\xbb\xbf":
        raw = raw[3:]
    if len(raw) and raw[-1] != 10:
        raw = np.append(raw, np.uint8(10))
    newline = np.flatnonzero(raw == 10)
    if len(newline) == 0:
        return None
    header = [h.strip().upper() for h in raw[: newline[0]].tobytes().decode("utf-8").split(",")]
    missing = [c for c in wanted if c not in header and c not in optional]
    if missing:
        raise ReadError(f"{path}:1: missing column(s) {', '.join(missing)}")
    width = len(header)
    body = raw[newline[0] + 1 :]
    line_ends = newline[1:] - newline[0] - 1
    separators = np.flatnonzero(body == 44)
    if len(separators) != len(line_ends) * (width - 1) or (body == 34).any():
        return None
    commas = separators.reshape(len(line_ends), width - 1)
    first = np.r_[0, line_ends[:-1] + 1]
    if len(line_ends) and not ((commas[:, 0] >= first) & (commas[:, -1] < line_ends)).all():
        return None
    out = []
    for col in wanted:
        if col not in header:
            out.append(np.zeros(len(line_ends), dtype="S1"))
            continue
        k = header.index(col)
        s = first if k == 0 else commas[:, k - 1] + 1
        e = (line_ends if k == width - 1 else commas[:, k]).copy()
        cr = (e > s) & (body[np.maximum(e - 1, 0)] == 13)
        e[cr] -= 1
        length = e - s
        if col in dates and ((length == 0) | (length == 10)).all():
            last = len(body) - 1
            codes = np.stack([body[np.minimum(s + j, last)] for j in range(10)], axis=1)
            out.append(
                _days(
                    codes,
                    length == 0,
                    path,
                    col,
                    col != "DEC",
                    lambda i, s=s, e=e: body[s[i] : e[i]].tobytes().decode("utf-8", "replace"),
                )
            )
            continue
        n = max(int(length.max()) if len(length) else 1, 1)
        pos = s[:, None] + np.arange(n)[None, :]
        cells = np.where(pos < e[:, None], body[np.minimum(pos, len(body) - 1)], 0).astype(np.uint8)
        cells = cells.view(f"S{n}").ravel()
        if ((body[s[length > 0]] == 32) | (body[e[length > 0] - 1] == 32)).any():
            cells = np.char.strip(cells)
        out.append(parse_dates(cells, path, col, blank_ok=col == "DEC") if col in dates else cells)
    return out


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _days(codes: np.ndarray, blank: np.ndarray, path: Path, column: str, required: bool, shown) -> np.ndarray:
    """(n, 10) character codes of DD/MM/YYYY cells to day numbers (−1 for blank); a bad date is
    refused with its file, line and column. `shown(i)` gives row i's text for the message."""
    digits = codes.astype(np.int32) - 48
    ok = (codes[:, 2] == 47) & (codes[:, 5] == 47)
    ok &= ((digits[:, [0, 1, 3, 4, 6, 7, 8, 9]] >= 0) & (digits[:, [0, 1, 3, 4, 6, 7, 8, 9]] <= 9)).all(
        axis=1
    )
    day = digits[:, 0] * 10 + digits[:, 1]
    month = digits[:, 3] * 10 + digits[:, 4]
    year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1900)
    month, year, day = np.where(ok, month, 1), np.where(ok, year, 1970), np.where(ok, day, 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= day <= _MONTH_DAYS[month] + ((month == 2) & leap)
    days = model.days_from_civil(year, month, day)
    bad = ~ok & ~blank
    if required:
        bad |= blank
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ReadError(
            f"{path}:{i + 2}:{column}: {shown(i)!r} is not a date in DD/MM/YYYY "
            f"({int(bad.sum())} such row(s))"
        )
    return np.where(blank, -1, days)


def parse_dates(values, path: Path, column: str, *, blank_ok: bool) -> np.ndarray:
    """DD/MM/YYYY strings (or byte strings) to day numbers (−1 for blank)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "S":
        text = values.astype("S10")
        codes = text.view(np.uint8).reshape(len(text), 10)
    else:
        text = np.array([v.strip() for v in values], dtype="U10")
        codes = text.view(np.uint32).reshape(len(text), 10)
    if text.size == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = np.char.str_len(text)
    codes = np.where((lengths == 10)[:, None], codes, 0)

    def shown(i):
        v = values[i]
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else v

    return _days(codes, lengths == 0, path, column, not blank_ok, shown)


def _columns(
    path: Path, wanted: tuple[str, ...], optional: tuple[str, ...] = (), dates: frozenset[str] = frozenset()
) -> list[np.ndarray]:
    """Wanted columns as stripped byte-string arrays, `dates` as day numbers; fast path first."""
    fast = _read_fast(path, wanted, optional, dates)
    if fast is not None:
        return fast
    cols = [
        np.array([v.strip().encode() for v in col], dtype="S") if col else np.zeros(0, dtype="S1")
        for col in _read_columns(path, wanted, optional)
    ]
    return [
        parse_dates(c, path, name, blank_ok=name == "DEC") if name in dates else c
        for c, name in zip(cols, wanted, strict=True)
    ]


def _concat_bytes(parts: list[np.ndarray]) -> np.ndarray:
    width = max([p.dtype.itemsize for p in parts] + [1])
    return np.concatenate([p.astype(f"S{width}") for p in parts]) if parts else np.zeros(0, dtype="S1")


def _codes(ids: np.ndarray) -> np.ndarray:
    """A code per distinct id (byte strings), sorting them as 64-bit words rather than as strings."""
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    words = -(-ids.dtype.itemsize // 8)
    packed = np.ascontiguousarray(ids.astype(f"S{8 * words}")).view(np.uint64).reshape(len(ids), words)
    order = np.lexsort(packed.T[::-1])
    ranked = packed[order]
    new = np.ones(len(ids), dtype=bool)
    new[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    codes = np.empty(len(ids), dtype=np.int64)
    codes[order] = np.cumsum(new) - 1
    return codes


def read_folder(folder: str | Path) -> model.Episodes:
    """Every header.csv and episodes.csv under `folder` → cleaned episodes for the model."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReadError(f"{folder}: not a folder of SSDA903 CSVs")
    headers, episode_files = _files(folder, "header.csv"), _files(folder, "episodes.csv")
    if not headers or not episode_files:
        raise ReadError(f"{folder}: needs header.csv and episodes.csv (903 Header and Episodes tables)")
    h_child, h_dob = [], []
    for path in headers:
        child, dob = _columns(path, HEADER_COLUMNS, dates=frozenset({"DOB"}))
        h_child.append(child)
        h_dob.append(dob)
    e_child, e_start, e_end, e_place, e_provider, e_where = [], [], [], [], [], []
    for path in episode_files:
        child, decom, dec, place, provider = _columns(
            path, EPISODE_COLUMNS, optional=("PLACE_PROVIDER",), dates=frozenset({"DECOM", "DEC"})
        )
        e_child.append(child)
        e_start.append(decom)
        e_end.append(dec)
        e_place.append(place)
        e_provider.append(provider)
        e_where.append((path, len(child)))
    h_child = _concat_bytes(h_child)
    e_child = _concat_bytes(e_child)
    e_place, e_provider = _concat_bytes(e_place), _concat_bytes(e_provider)
    codes = _codes(np.concatenate([h_child, e_child]))
    h_codes, e_codes = codes[: len(h_child)], codes[len(h_child) :]
    dob = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, dtype=np.int64)
    dob[h_codes] = np.concatenate(h_dob)
    e_dob = dob[e_codes]
    if (e_dob < 0).any():
        i = int(np.flatnonzero(e_dob < 0)[0])
        who = e_child[i].decode("utf-8", "replace")
        where = e_where[0][0]
        for where, n in e_where:  # noqa: B007 - the file that holds row i
            if i < n:
                break
            i -= n
        raise ReadError(f"{where}:{i + 2}:CHILD: child {who!r} is not in any header.csv [903 INT03]")
    category = model.categorise(e_place, e_provider)
    return model.prepare(e_codes, e_dob, np.concatenate(e_start), np.concatenate(e_end), category)


def write_folder(folder: Path, child, dob, episodes) -> None:
    """Write a minimal Header and Episodes pair (used by tests and the benchmark's generator):
    `episodes` rows are (CHILD, DECOM, DEC, PLACE, PLACE_PROVIDER) with dates as dt.date or None."""
    folder.mkdir(parents=True, exist_ok=True)

    def fmt(d):
        return d.strftime("%d/%m/%Y") if d else ""

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])
    for c, d in zip(child, dob, strict=True):
        w.writerow([c, "1", fmt(d), "WBRI", "", "", ""])
    (folder / "header.csv").write_text(buf.getvalue(), encoding="utf-8")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        [
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ]
    )
    for c, start, end, place, provider in episodes:
        w.writerow(
            [c, fmt(start), "S", "C2", "N1", place, provider, fmt(end), "E11" if end else "", "", "", "", ""]
        )
    (folder / "episodes.csv").write_text(buf.getvalue(), encoding="utf-8")
