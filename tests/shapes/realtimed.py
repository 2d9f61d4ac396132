"""The networks of ``../shared/realdata`` turned into timed calls.

Each tie of weight ``w`` becomes about ``calls_per_weight * w`` calls spread over ``days``
(two thirds at night, mostly short, a third in the evening and longer), so the case looks
like a wiretap of the network. Known answers come from the data, never from the tool: the
four Spanish operations are written into one case (rings must not mix operations), Montreal's
gangs carry their allegiance (Bloods, Crips), London's members their rank in the gang, and
each network's weighted degree names its busiest member.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from .. import realcases as rc
from . import write_csv
from .calls import EVENING, NIGHT, Calls, mobiles

START = dt.datetime(2023, 9, 1)
NETWORKS = {**rc.NETWORKS,
            "montreal_gangs": "montreal_street_gangs/derived/MONTREALGANG.arcs.csv"}
SPAIN = ("cocaine_acero", "cocaine_jake", "cocaine_juanes", "cocaine_mambo")


def edges_of(name: str) -> dict[tuple[str, str], int]:
    """``{(a, b): weight}`` of one network (undirected, larger weight kept)."""
    return rc.undirected(rc.REALDATA / NETWORKS[name])


def write_timed(out: Path, edges: dict[tuple[str, str], int], *, seed: int = 0,
                days: int = 180, calls_per_weight: int = 4,
                numbers_only: bool = False) -> dict[str, str]:
    """Write persons, phones (unless ``numbers_only``) and timed calls for ``edges``;
    returns label -> entity (person id, or E.164 number when numbers only)."""
    rng = np.random.default_rng(seed)
    labels = sorted({x for e in edges for x in e})
    index = {x: i for i, x in enumerate(labels)}
    numbers = mobiles(rng, len(labels))
    calls = Calls(numbers, rng, days)
    pairs = sorted(edges.items())
    a = np.array([index[x] for (x, _), _ in pairs])
    b = np.array([index[y] for (_, y), _ in pairs])
    w = np.array([max(1, v) for _, v in pairs])
    counts = calls_per_weight * w + rng.poisson(1, len(w))
    night = rng.binomial(counts, 2 / 3)
    calls.pairs(a, b, night, NIGHT, 45, lognormal=False)
    calls.pairs(a, b, counts - night, EVENING, 180)
    out.mkdir(parents=True, exist_ok=True)
    calls.write(out / "calls.csv", START, local_share=0.3)
    ids = {x: f"RN{i + 1:04d}" for i, x in enumerate(labels)}
    if numbers_only:
        return {x: str(numbers[index[x]]) for x in labels}
    write_csv(out / "persons.csv", ["person_id", "name"], [(ids[x], x) for x in labels])
    write_csv(out / "phones.csv", ["phone", "person_id"],
              [(str(numbers[index[x]]), ids[x]) for x in labels])
    return ids


def weighted_degree(edges: dict[tuple[str, str], int]) -> dict[str, int]:
    deg: dict[str, int] = {}
    for (a, b), w in edges.items():
        deg[a] = deg.get(a, 0) + w
        deg[b] = deg.get(b, 0) + w
    return deg


def timed(out: Path, name: str, *, seed: int = 0, numbers_only: bool = False,
          bridges: int = 6) -> dict:
    """One network as a timed-call case (``spain``: the four operations in one case, with
    ``bridges`` weak ties across them). Truth: ``groups`` (known group memberships, when
    the data has them), ``by_degree`` (entities by weighted degree, busiest first) and, for
    London, ``ranking`` (entity -> rank in the gang, 1 = top)."""
    if name == "spain":
        edges: dict[tuple[str, str], int] = {}
        groups_labels: list[list[str]] = []
        for op in SPAIN:
            sub = edges_of(op)
            edges.update({(f"{op}:{a}", f"{op}:{b}"): v for (a, b), v in sub.items()})
            groups_labels.append(sorted({f"{op}:{x}" for e in sub for x in e}))
        # a few weak ties across operations (a shared supplier's contact, a lawyer), so
        # that keeping the operations apart is the detector's work, not the data's
        pick = np.random.default_rng(seed + 1)
        for _ in range(bridges):
            g1, g2 = pick.choice(len(groups_labels), size=2, replace=False)
            a = groups_labels[g1][pick.integers(len(groups_labels[g1]))]
            b = groups_labels[g2][pick.integers(len(groups_labels[g2]))]
            edges[(min(a, b), max(a, b))] = 1
    else:
        edges = edges_of(name)
        groups_labels = []
    ids = write_timed(out, edges, seed=seed, numbers_only=numbers_only)
    deg = weighted_degree(edges)
    truth = {
        "entity": "number" if numbers_only else "person",
        "name": name,
        "by_degree": [ids[x] for x in sorted(deg, key=lambda x: (-deg[x], x))],
        "degree": {ids[x]: d for x, d in deg.items()},
        "groups": [sorted(ids[x] for x in g) for g in groups_labels],
        "edges": len(edges),
        "rings": [],
        "hubs": [],
    }
    if name == "montreal_gangs":
        path = rc.REALDATA / "montreal_street_gangs" / "MONTREALGANG_ATTR.csv"
        with path.open(encoding="utf-8-sig", newline="") as f:
            allegiance = {row[""]: row["Allegiances"] for row in csv.DictReader(f)}
        truth["groups"] = [sorted(ids[x] for x in ids if allegiance.get(x) == side)
                           for side in ("1", "2")]
    if name == "london_gang":
        truth["ranking"] = {ids[x]: r for x, r in _london(ids).items()}
    return truth


def _london(ids: dict[str, str]) -> dict[str, int]:
    path = rc.REALDATA / "london_gang" / "LONDON_GANG_ATTR.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row[""]: int(row["Ranking"]) for row in csv.DictReader(f) if row[""] in ids}
