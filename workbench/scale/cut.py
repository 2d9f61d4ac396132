"""The suspicious subgraph: the part of the pair tables that can hold a ring, cut before
the core at province scale.

A province's pair tables do not fit one machine; the rings sit in a small part of them. The
cut runs on the heavy stage's engine (DuckDB or Spark: plain ``SELECT`` builders on the
engine seam) after the layers are built:

1. **Seeds**, by kind (a node may be several):

   * ``arrest``: persons with arrests in the window;
   * ``ringlike``: both ends of pairs whose calls look like a ring's: at least
     ``min_calls`` calls (the case's mean calls per pair rounded up, at least 2), with the
     night share **and** the short share each above the case's own share by the ring
     search's signal excess (:data:`workbench.rings.scoring.SIGNAL_AT` of the way from the
     case's share to 1; one of the two alone is the night-shift look-alike);
   * ``money``: both ends of pairs with repeated money, transfers per pair a far outlier of
     the case's own distribution (above ``Q3 + 3 x IQR``, at least 2), the service rule's
     test.

2. **Expansion**: ``hops`` steps from the seeds over the pairs that are relationships, not
   contact: at least ``min_contacts`` calls or transfers, or any co-arrest, kinship or
   shared phone/account. A service number or account flagged by
   :func:`workbench.evidence.services.detect_services` (or a person owning one) is reached but
   never expanded through, and neither is a node with more than ``max_degree`` such pairs
   (no cap by default: busy people are expanded; services are not).

3. **Output**: every pair table restricted to pairs with both ends kept, and the node
   tables (persons, owners, arrests) to the kept nodes: the same tables with the same
   columns, so the one-machine core runs on them unchanged.

Every threshold is derived from the case and reported in :attr:`Cut.params`, with the
seeds by kind and the pairs and nodes before and after.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass

from ..engine import Engine, Handle, Query
from ..errors import CutError
from ..rings import SIGNAL_AT

__all__ = ["CutParams", "Cut", "cut_layers", "SEED_KINDS", "PAIR_TABLES", "NODE_TABLES"]

log = logging.getLogger(__name__)

SEED_KINDS = ("arrest", "ringlike", "money")
#: pair tables (``u``, ``v``) the cut restricts to kept nodes
PAIR_TABLES = ("_l_calls", "_l_money", "_l_coarrest", "_l_kinship", "_l_shared",
               "_l_copresence")
#: node tables and the column holding the node id
NODE_TABLES = {"_persons": "person_id", "_own_phones": "person_id",
               "_own_accounts": "person_id", "_arrests_w": "person_id"}


@dataclass(frozen=True)
class CutParams:
    """How the suspicious subgraph is cut; every field is reported with the result.

    Parameters
    ----------
    hops : int
        Expansion steps from the seeds (0 keeps the seeds alone).
    max_degree : int or None
        A node with more relationship pairs than this is reached, not expanded through
        (``None``: no cap; services are never expanded through).
    min_contacts : int
        A pair is a relationship with at least this many calls or transfers (the ring
        search's own strong-link rule: a pair seen once is contact); co-arrest, kinship and
        shared pairs always are.
    seeds : tuple of str
        Kinds of seeds used (:data:`SEED_KINDS`).

    Examples
    --------
    >>> CutParams(hops=1, seeds=("arrest",)).as_dict()
    {'hops': 1, 'max_degree': None, 'min_contacts': 2, 'seeds': ['arrest']}
    """

    hops: int = 2
    max_degree: int | None = None
    min_contacts: int = 2
    seeds: tuple[str, ...] = SEED_KINDS

    def __post_init__(self) -> None:
        if self.hops < 0 or self.min_contacts < 1:
            raise CutError(f"hops must be >= 0 and min_contacts >= 1, got {self.hops}, "
                           f"{self.min_contacts}")
        if self.max_degree is not None and self.max_degree < 1:
            raise CutError(f"max_degree must be >= 1, got {self.max_degree}")
        unknown = set(self.seeds) - set(SEED_KINDS)
        if unknown or not self.seeds:
            raise CutError(f"seed kinds must be among {SEED_KINDS}, got {self.seeds}")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["seeds"] = list(self.seeds)
        return d


@dataclass
class Cut:
    """The cut tables (handles by table name, the input's names) and what was kept."""

    handles: dict[str, Handle]
    params: dict
    kept: Handle


# -- SELECT builders --------------------------------------------------------------------
def calls_baseline_query(calls: Handle) -> Query:
    """The case's night and short shares and mean calls per pair."""
    return ("SELECT sum(n_night) / nullif(sum(n_calls), 0) AS night, "
            "sum(n_short) / nullif(sum(n_calls), 0) AS short, "
            "sum(n_calls) / nullif(count(*), 0) AS per_pair FROM " + str(calls)), []


def money_spread_query(money: Handle) -> Query:
    """Quartiles of transfers per pair."""
    return (f"SELECT quantile_cont(n_tx, 0.25) AS q1, quantile_cont(n_tx, 0.75) AS q3 "
            f"FROM {money}"), []


def seeds_query(handles: dict[str, Handle], kinds, thresholds: dict) -> Query:
    """``(id, kind)`` rows of the seeds (distinct)."""
    parts, args = [], []
    if "arrest" in kinds:
        parts.append(f"SELECT person_id AS id, 'arrest' AS kind FROM {handles['_arrests_w']}")
    if "ringlike" in kinds and thresholds.get("ringlike"):
        t = thresholds["ringlike"]
        pairs = (f"SELECT u, v FROM {handles['_l_calls']} WHERE n_calls >= ? "
                 "AND n_night >= ? * n_calls AND n_short >= ? * n_calls")
        for end in ("u", "v"):
            parts.append(f"SELECT {end} AS id, 'ringlike' AS kind FROM ({pairs}) r")
            args += [t["min_calls"], t["night_share_at"], t["short_share_at"]]
    if "money" in kinds and thresholds.get("money"):
        for end in ("u", "v"):
            parts.append(f"SELECT {end} AS id, 'money' AS kind FROM {handles['_l_money']} "
                         "WHERE n_tx >= ?")
            args.append(thresholds["money"]["min_transfers"])
    if not parts:
        return ("SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS VARCHAR) AS kind "
                "WHERE FALSE"), []
    return "SELECT DISTINCT id, kind FROM (" + " UNION ALL ".join(parts) + ") s", args


def relations_query(handles: dict[str, Handle], min_contacts: int) -> Query:
    """Directed relationship edges ``(a, b)``, both directions, distinct."""
    pairs = (f"SELECT u, v FROM {handles['_l_calls']} WHERE n_calls >= ? "
             f"UNION SELECT u, v FROM {handles['_l_money']} WHERE n_tx >= ? "
             f"UNION SELECT u, v FROM {handles['_l_coarrest']} "
             f"UNION SELECT u, v FROM {handles['_l_kinship']} "
             f"UNION SELECT u, v FROM {handles['_l_shared']}")
    return (f"WITH p AS ({pairs}) SELECT u AS a, v AS b FROM p "
            "UNION SELECT v AS a, u AS b FROM p"), [int(min_contacts), int(min_contacts)]


def blocked_query(handles: dict[str, Handle], relations: Handle,
                  max_degree: int | None) -> Query:
    """Nodes never expanded through: services (numbers, accounts and their owners, as
    :func:`workbench.graph.fused.node_query` marks them) and nodes above ``max_degree``."""
    services, own_p, own_a = (handles["_services"], handles["_own_phones"],
                              handles["_own_accounts"])
    sql = (f"SELECT id FROM {services} WHERE id IS NOT NULL "
           f"UNION SELECT 'acct:' || id FROM {services} WHERE kind = 'account' "
           f"UNION SELECT o.person_id FROM {own_p} o JOIN {services} s "
           "ON s.kind = 'phone' AND s.id = o.id "
           f"UNION SELECT o.person_id FROM {own_a} o JOIN {services} s "
           "ON s.kind = 'account' AND s.id = o.id")
    args: list = []
    if max_degree is not None:
        sql += f" UNION SELECT a FROM {relations} GROUP BY a HAVING count(*) > ?"
        args.append(int(max_degree))
    return sql, args


def hop_query(kept: Handle, relations: Handle, blocked: Handle) -> Query:
    """The kept nodes and every neighbour of a kept node that is not blocked."""
    return (f"SELECT id FROM {kept} UNION "
            f"SELECT r.b AS id FROM {kept} k JOIN {relations} r ON r.a = k.id "
            f"LEFT JOIN {blocked} x ON x.id = k.id WHERE x.id IS NULL"), []


def restrict_pairs_query(table: Handle, kept: Handle) -> Query:
    """``table``'s rows (all columns) with both ends kept."""
    return (f"SELECT t.* FROM {table} t WHERE t.u IN (SELECT id FROM {kept}) "
            f"AND t.v IN (SELECT id FROM {kept})"), []


def restrict_nodes_query(table: Handle, column: str, kept: Handle) -> Query:
    """``table``'s rows (all columns) whose ``column`` is a kept node."""
    return f"SELECT t.* FROM {table} t WHERE t.{column} IN (SELECT id FROM {kept})", []


def graph_size_queries(handles: dict[str, Handle]) -> tuple[Query, Query]:
    """Distinct linked pairs, and distinct nodes, over every pair table (two plain
    aggregates: scalar subqueries over one union make Spark broadcast inside them)."""
    tables = [handles[t] for t in PAIR_TABLES if t in handles]
    pairs = " UNION ".join(f"SELECT u, v FROM {t}" for t in tables)
    ends = " UNION ALL ".join(f"SELECT u AS id FROM {t} UNION ALL SELECT v FROM {t}"
                              for t in tables)
    return ((f"SELECT count(*) AS edges FROM ({pairs}) p", []),
            (f"SELECT count(DISTINCT id) AS nodes FROM ({ends}) n WHERE id IS NOT NULL", []))


def _size(engine: Engine, handles: dict[str, Handle]) -> dict:
    edges, nodes = graph_size_queries(handles)
    return {"edges": int(engine.scalar(*edges)), "nodes": int(engine.scalar(*nodes))}


# -- the stage ----------------------------------------------------------------------------
def thresholds(engine: Engine, handles: dict[str, Handle]) -> dict:
    """The seed thresholds derived from the case's calls and money layers."""
    out: dict = {}
    base = engine.fetch_rows(*calls_baseline_query(handles["_l_calls"]))[0]
    if base["per_pair"] is not None:
        night, short = float(base["night"] or 0.0), float(base["short"] or 0.0)
        out["ringlike"] = {
            "case_night_share": round(night, 6), "case_short_share": round(short, 6),
            "case_calls_per_pair": round(float(base["per_pair"]), 4),
            "signal_excess": SIGNAL_AT,
            "night_share_at": round(night + SIGNAL_AT * (1.0 - night), 6),
            "short_share_at": round(short + SIGNAL_AT * (1.0 - short), 6),
            "min_calls": max(2, math.ceil(float(base["per_pair"]))),
        }
    spread = engine.fetch_rows(*money_spread_query(handles["_l_money"]))[0]
    if spread["q3"] is not None:
        q1, q3 = float(spread["q1"]), float(spread["q3"])
        out["money"] = {"case_q1": q1, "case_q3": q3,
                        "min_transfers": max(2, math.floor(q3 + 3 * (q3 - q1)) + 1)}
    return out


def cut_layers(engine: Engine, handles: dict[str, Handle],
               params: CutParams | None = None, *,
               source: dict[str, Handle] | None = None) -> Cut:
    """Cut the suspicious subgraph out of the tables in ``handles`` (see the module
    docstring); thresholds come from ``source`` (default ``handles``: the layers before
    any candidate filtering, so the case's own shares are the whole case's).

    Returns the cut tables under the same names (tables the cut does not touch, such as
    ``_services``, are passed through) and the parameters.
    """
    params = params or CutParams()
    source = source or handles
    limits = thresholds(engine, source)
    seeds = engine.materialize("_cut_seeds", *seeds_query(source, params.seeds, limits))
    by_kind = {row["kind"]: int(row["n"]) for row in engine.fetch_rows(
        f"SELECT kind, count(*) AS n FROM {seeds} GROUP BY kind ORDER BY kind")}
    relations = engine.materialize("_cut_rel", *relations_query(handles, params.min_contacts))
    blocked = engine.materialize("_cut_blocked",
                                 *blocked_query(handles, relations, params.max_degree))
    n_blocked = blocked.count()
    kept = engine.materialize("_cut_kept_0", f"SELECT DISTINCT id FROM {seeds}")
    reached = [kept.count()]
    engine.drop(seeds)
    for hop in range(1, params.hops + 1):
        nxt = engine.materialize(f"_cut_kept_{hop}", *hop_query(kept, relations, blocked))
        reached.append(nxt.count())  # computed (and on Spark cached) before the last goes
        engine.drop(kept)
        kept = nxt
    engine.drop(relations)
    engine.drop(blocked)
    out: dict[str, Handle] = {}
    # the cut tables are read three times (their sizes, their counts, the pair Parquet):
    # Spark, which plans lazily, keeps them as views over the kept nodes rather than
    # caching each; DuckDB stores them (a DuckDB view would run its query each time)
    lazy = engine.dialect != "duckdb"
    for name, handle in handles.items():
        if name in PAIR_TABLES:
            out[name] = engine.materialize(f"{name}_sub", *restrict_pairs_query(handle, kept),
                                           transient=lazy)
        elif name in NODE_TABLES:
            out[name] = engine.materialize(
                f"{name}_sub", *restrict_nodes_query(handle, NODE_TABLES[name], kept),
                transient=lazy)
        else:
            out[name] = handle
    before, after = _size(engine, handles), _size(engine, out)
    info = {
        **params.as_dict(), "thresholds": limits,
        "seeds": {k: by_kind.get(k, 0) for k in params.seeds} | {"total": reached[0]},
        "blocked": n_blocked, "kept_per_hop": reached,
        "nodes": {"before": int(before["nodes"]), "after": int(after["nodes"])},
        "edges": {"before": int(before["edges"]), "after": int(after["edges"])},
        "pairs": {name: {"before": handles[name].count(), "after": out[name].count()}
                  for name in PAIR_TABLES if name in handles},
    }
    log.info("cut: %d seeds, %d -> %d nodes, %d -> %d edges in %d hops", reached[0],
             info["nodes"]["before"], info["nodes"]["after"], info["edges"]["before"],
             info["edges"]["after"], params.hops)
    return Cut(handles=out, params=info, kept=kept)
