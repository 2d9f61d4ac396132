"""Real criminal and social networks from ``../shared/realdata`` turned into case exports.

The networks are public research data (wiretaps, co-offending, marriages); none carries the
records our tool reads (call times, transfers, arrests), so each tie becomes the record kind
that matches what it is: a wiretapped or "hang out" tie becomes calls (one call per unit of
weight, at daytime hours spread over a year), a co-offence becomes an arrest of both persons
under one case number, a kinship tie a kinship record, a marriage a spouse record. Nothing is
tuned: the graph the tool builds from these exports is compared with the original network.

Examples
--------
>>> sorted(NETWORKS)[:2]
['cocaine_acero', 'cocaine_jake']
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

#: name -> arcs file (long format ``source,target,weight``) of the call-like networks
NETWORKS = {
    "natarajan_cocaine": "natarajan_cocaine/derived/COCAINE_DEALING_natarajan.arcs.csv",
    "siren": "siren/derived/SIREN.arcs.csv",
    "cocaine_acero": "cocaine_smuggling_spain/derived/COCAINE_ACERO.arcs.csv",
    "cocaine_jake": "cocaine_smuggling_spain/derived/COCAINE_JAKE.arcs.csv",
    "cocaine_juanes": "cocaine_smuggling_spain/derived/COCAINE_JUANES.arcs.csv",
    "cocaine_mambo": "cocaine_smuggling_spain/derived/COCAINE_MAMBO.arcs.csv",
    "london_gang": "london_gang/derived/LONDON_GANG.arcs.csv",
}


def available() -> bool:
    """Whether the shared real data is present next to the project."""
    return (REALDATA / "README.md").exists()


def undirected(path: Path) -> dict[tuple[str, str], int]:
    """``{(a, b): weight}`` with ``a < b``, the larger weight where both directions exist."""
    edges: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            a, b = row["source"].strip(), row["target"].strip()
            if a == b:
                continue
            key = (min(a, b), max(a, b))
            edges[key] = max(edges.get(key, 0), int(float(row.get("weight") or 1)))
    return edges


def _write(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)


def person_ids(edges: dict[tuple[str, str], int]) -> dict[str, str]:
    """Original node label -> person id (``N001``...) in sorted label order."""
    labels = sorted({x for e in edges for x in e})
    return {label: f"N{i + 1:03d}" for i, label in enumerate(labels)}


def write_call_case(d: Path, edges: dict[tuple[str, str], int], *, seed: int = 0,
                    coarrest_from: int | None = None, kin_from: int | None = None,
                    charge: str = "故意伤害") -> dict[str, str]:
    """Exports for ``edges``: persons, phones, calls; optionally arrests and kinship.

    Ties of weight >= ``coarrest_from`` also become a joint arrest (one case number per tie,
    ``charge``); ties of weight >= ``kin_from`` also become a ``relative`` kinship record.
    Returns the label -> person id map.
    """
    rng = random.Random(seed)
    ids = person_ids(edges)
    phone = {label: f"+86139{i:08d}" for i, label in enumerate(sorted(ids))}
    start = dt.datetime(2019, 1, 1)
    calls, arrests, kin = [], [], []
    for n, ((a, b), w) in enumerate(sorted(edges.items())):
        for _ in range(max(1, w)):
            caller, callee = (a, b) if rng.random() < 0.5 else (b, a)
            t = start + dt.timedelta(days=rng.randrange(365), hours=rng.randrange(9, 21),
                                     minutes=rng.randrange(60), seconds=rng.randrange(60))
            calls.append((phone[caller], phone[callee], t.isoformat(sep=" "),
                          60 + rng.randrange(300)))
        if coarrest_from is not None and w >= coarrest_from:
            day = (start + dt.timedelta(days=rng.randrange(365))).date().isoformat()
            arrests += [(ids[x], day, f"AJ{n + 1:04d}", charge) for x in (a, b)]
        if kin_from is not None and w >= kin_from:
            kin.append((ids[a], ids[b], "relative"))
    _write(d / "persons.csv", ["person_id", "name"], [(ids[x], x) for x in sorted(ids)])
    _write(d / "phones.csv", ["phone", "person_id"], [(phone[x], ids[x]) for x in sorted(ids)])
    _write(d / "calls.csv", ["caller", "callee", "started_at", "duration_s"], calls)
    if arrests:
        _write(d / "arrests.csv", ["person_id", "arrested_at", "case_id", "charge"], arrests)
    if kin:
        _write(d / "kinship.csv", ["person_a", "person_b", "relation"], kin)
    return ids


def london_ranks(ids: dict[str, str]) -> dict[str, int]:
    """Person id -> gang hierarchy rank (1 = top) of the London gang's members."""
    path = REALDATA / "london_gang" / "LONDON_GANG_ATTR.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {ids[row[""]]: int(row["Ranking"]) for row in csv.DictReader(f)
                if row[""] in ids}


def write_florentine_case(d: Path) -> dict[str, str]:
    """Padgett's Florentine families: marriages as spouse records, families as persons."""
    path = REALDATA / "padgett_florentine" / "networkx_florentine_marriage_edges.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    pairs = [(a.strip(), b.strip()) for a, b, *_ in rows[1:]]
    edges = {(min(a, b), max(a, b)): 1 for a, b in pairs}
    ids = person_ids(edges)
    _write(d / "persons.csv", ["person_id", "name"], [(ids[x], x) for x in sorted(ids)])
    _write(d / "kinship.csv", ["person_a", "person_b", "relation"],
           [(ids[a], ids[b], "spouse") for a, b in sorted(edges)])
    return ids


def call_case(root: Path, name: str, **options):
    """Network ``name`` written as exports in a new folder under ``root`` and ingested.

    Returns ``(case, ids, edges, report)``; ``options`` go to :func:`write_call_case`.
    """
    from workbench.case.facade import Case

    edges = undirected(REALDATA / NETWORKS[name])
    d = Path(tempfile.mkdtemp(prefix=name + "-", dir=root))
    ids = write_call_case(d, edges, **options)
    case = Case(d / "case.duckdb")
    return case, ids, edges, case.ingest([d])


def florentine_case(root: Path):
    """Padgett's marriages written as exports under ``root`` and ingested: ``(case, ids)``."""
    from workbench.case.facade import Case

    d = Path(tempfile.mkdtemp(prefix="florence-", dir=root))
    ids = write_florentine_case(d)
    case = Case(d / "case.duckdb")
    case.ingest([d])
    return case, ids


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman rank correlation (average ranks for ties), without scipy.

    Examples
    --------
    >>> spearman([1, 2, 3, 4], [10, 20, 30, 40])
    1.0
    """
    def ranks(values):
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return out

    if len(x) != len(y) or len(x) < 2:
        raise ValueError("spearman needs two sequences of the same length >= 2")
    rx, ry = ranks(list(x)), ranks(list(y))
    n = len(rx)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return round(cov / (vx * vy), 6) if vx and vy else 0.0
