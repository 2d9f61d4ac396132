"""Regional rings: most members registered in one county or prefecture that is rare here.

The first six digits of a resident ID number are the registration county; the first four
its prefecture. Place names and code histories come from python-stdnum's birthplace table
(``stdnum.cn.loc``). A code that no longer exists is mapped to the current code of the
same county (same name stem, same province, the same prefecture preferred); a code with no
successor stays as it is (its prefecture still counts).

Only ID numbers decide: never surnames or addresses. The case's local majority (the most
common code, and its prefecture) is never regional.

Examples
--------
>>> pop = {"330681": 900, "330683": 60, "513431": 5, "110101": 35}
>>> regional_flag(["513431", "513431", "513431", "330681"], pop)["place"]
'四川省凉山彝族自治州昭觉县'
>>> regional_flag(["330681", "330681", "330681"], pop) is None
True
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

import duckdb

__all__ = ["regional_flag", "registration_codes", "population_counts", "current_code",
           "place_name"]

_SEGMENT = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
_SUFFIX = re.compile(r"(各族自治县|自治县|自治旗|特区|林区|县|市|区|旗)$")


@functools.lru_cache(maxsize=1)
def region_tables() -> tuple[dict, dict, dict]:
    """``current``: code -> name of codes in use; ``old``: code -> last name of codes no
    longer in use; ``province``: 2-digit code -> name."""
    from stdnum import numdb

    current, old, province = {}, {}, {}
    for _, prov, _, pinfo, children in numdb.get("cn/loc").prefixes:
        province[prov] = pinfo.get("province", "")
        for _, suffix, _, cinfo, _ in children:
            code = prov + suffix
            names = []
            for seg in cinfo.get("county", "").split(","):
                m = _SEGMENT.match(seg)
                names.append((m.group(3), not m.group(2)) if m else (seg, True))
            live = [n for n, open_ in names if open_]
            if live:
                current[code] = live[-1]
            elif names:
                old.setdefault(code, names[-1][0])
    return current, old, province


@functools.lru_cache(maxsize=4096)
def current_code(code: str | None) -> str | None:
    """The current county code of a (possibly old) 6-digit code.

    Examples
    --------
    >>> current_code("131027")  # 霸县 (to 1990) became 霸州市
    '131081'
    >>> current_code("330681"), current_code(None)
    ('330681', None)
    """
    if not code or not re.fullmatch(r"\d{6}", code):
        return None
    current, old, _ = region_tables()
    if code in current or code not in old:
        return code
    stem = _SUFFIX.sub("", old[code])
    if len(stem) < 1 or stem in ("市", "郊", "城", "矿"):  # 市区, 郊区: no one successor
        return code
    candidates = [c for c, name in current.items() if c[:2] == code[:2]
                  and c[4:] != "00" and name != "市辖区" and name.startswith(stem)]
    same = [c for c in candidates if c[:4] == code[:4]]
    pick = same or candidates
    return pick[0] if len(pick) == 1 else code


def place_name(code: str) -> str:
    """Province, prefecture and county names of a 6-digit (or prefecture, 4-digit) code.

    Examples
    --------
    >>> place_name("513431"), place_name("5134")
    ('四川省凉山彝族自治州昭觉县', '四川省凉山彝族自治州')
    """
    current, old, province = region_tables()
    prov = province.get(code[:2], "")
    pref = current.get(code[:4] + "00") or old.get(code[:4] + "00", "")
    if pref in (prov, "市辖区", "县"):
        pref = ""
    if len(code) == 4:
        return prov + pref
    county = current.get(code) or old.get(code, "")
    if county in ("市辖区", prov, pref):
        county = ""
    return prov + pref + county


def _binom_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))


def regional_flag(member_codes: list[str | None], population_counts: dict[str, int],
                  max_base_rate: float = 0.05, alpha: float = 1e-3,
                  min_members: int = 2) -> dict | None:
    """The contract's ``regional`` field of one ring, or ``None``.

    Parameters
    ----------
    member_codes : list of str or None
        Each member's registration county (6 digits, current), ``None`` when unknown.
    population_counts : dict
        County code -> people of the case population registered there.
    max_base_rate : float
        A county (prefecture) holding at least this share of the population is not rare.
    alpha : float
        Most members must share the code, and that many of them sharing it by chance
        (binomial, the code's base rate) must be less likely than ``alpha``.
    min_members : int
        At least this many members share it.

    Returns
    -------
    dict or None
        ``{"code", "place", "members", "base_rate"}``: county tried first, then prefecture.
    """
    total = sum(population_counts.values())
    n = len(member_codes)
    if not total or not n:
        return None
    local = max(sorted(population_counts), key=lambda c: population_counts[c])
    for width in (6, 4):
        shared = Counter(c[:width] for c in member_codes if c)
        if not shared:
            return None
        code, k = min(shared.items(), key=lambda kv: (-kv[1], kv[0]))
        if k < min_members or 2 * k <= n or code == local[:width]:
            continue
        base = sum(v for c, v in population_counts.items() if c[:width] == code) / total
        if base >= max_base_rate or _binom_tail(k, n, base) >= alpha:
            continue
        return {"code": code, "place": place_name(code), "members": k,
                "base_rate": round(base, 6)}
    return None


_NODES_SQL = """
SELECT person_id AS node, id_number FROM persons
WHERE id_number IS NOT NULL AND person_id IS NOT NULL
UNION
SELECT person_id AS node, id_number FROM identity_persons WHERE id_number IS NOT NULL
"""


def registration_codes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Node id -> current registration county code, for every node with an ID number:
    persons, and people known only by the ID number on a stay, visit or trip."""
    rows = con.execute(f"SELECT node, min(id_number) FROM ({_NODES_SQL}) GROUP BY node "
                       "ORDER BY node").fetchall()
    out = {}
    for node, idn in rows:
        code = current_code(idn[:6])
        if code:
            out[node] = code
    return out


def population_counts(con: duckdb.DuckDBPyConnection,
                      codes: dict[str, str] | None = None) -> dict[str, int]:
    """Registration county -> number of people in the case registered there."""
    codes = registration_codes(con) if codes is None else codes
    return dict(sorted(Counter(codes.values()).items()))


#: what ``params["regional"]["rule"]`` says of the rule
REGIONAL_RULE = ("most members share a county (or prefecture) whose share of the case's people "
                 "is at most 5% and whose count among them is unlikely by chance (binomial, "
                 "p < 0.001); never the most common code")


def flag_rings(result, codes: dict[str, str]) -> None:
    """Set each ring's ``regional`` field of ``result`` (a ring result) from its members'
    registration counties ``codes`` (:func:`registration_codes`), and record the rule's
    inputs in ``result.params["regional"]``; the same on every path that finds rings.

    >>> from types import SimpleNamespace
    >>> result = SimpleNamespace(rings=[SimpleNamespace(members=["a", "b"])], params={})
    >>> flag_rings(result, {"a": "330681", "b": "330681"})
    >>> result.rings[0].regional, result.params["regional"]["people_with_codes"]
    (None, 2)
    """
    population = population_counts(None, codes)
    for ring in result.rings:
        ring.regional = regional_flag([codes.get(m) for m in ring.members], population)
    result.params["regional"] = {"people_with_codes": len(codes), "counties": len(population),
                                 "rule": REGIONAL_RULE}
