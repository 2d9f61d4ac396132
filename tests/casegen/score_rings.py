"""Score found groups (rings, money patterns) against planted truth by Jaccard overlap.

Also reads the ``--json`` output of ``workbench rings`` and ``workbench money`` (from text, a
file, or by running the command on a case store).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

#: a planted group counts as found when some found group overlaps it at least this much
MATCH = 0.6


def jaccard(a: set, b: set) -> float:
    """Jaccard overlap ``|a & b| / |a | b|`` (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def score(found: list[set], planted: list[set], match: float = MATCH) -> dict:
    """Compare found groups (best first) with planted ones.

    Parameters
    ----------
    found : list of set
        Groups the detector reported, best first.
    planted : list of set
        The planted groups (the truth).
    match : float, optional
        Jaccard at or above which a planted group counts as found (default 0.6).

    Returns
    -------
    dict
        ``best`` (best Jaccard per planted group, in planted order), ``best_index`` (the
        index in ``found`` of that best group, or None), ``found`` (per planted group: best
        Jaccard >= ``match``), ``recall`` (share of planted groups found), ``k`` (the
        number of planted groups), ``precision_at_k`` (share of the top ``k`` found groups
        that match some planted group at >= ``match``; found lists shorter than ``k`` count
        the missing places as misses), ``mean_best`` (mean best Jaccard).
    """
    found = [set(f) for f in found]
    planted = [set(p) for p in planted]
    best, best_index = [], []
    for p in planted:
        scores = [jaccard(p, f) for f in found]
        if scores:
            i = max(range(len(scores)), key=scores.__getitem__)
            best.append(scores[i])
            best_index.append(i)
        else:
            best.append(0.0)
            best_index.append(None)
    hit = [b >= match for b in best]
    k = len(planted)
    top = found[:k]
    good = sum(1 for f in top if any(jaccard(f, p) >= match for p in planted))
    return {
        "best": best,
        "best_index": best_index,
        "found": hit,
        "recall": sum(hit) / k if k else 0.0,
        "k": k,
        "precision_at_k": good / k if k else 0.0,
        "mean_best": sum(best) / k if k else 0.0,
    }


def score_by_kind(found: list[set], planted: list[set], kinds: list[str],
                  match: float = MATCH) -> dict:
    """Recall per planted kind: ``{kind: {"planted", "found", "recall"}}``."""
    result = score(found, planted, match)
    out: dict = {}
    for kind, hit in zip(kinds, result["found"], strict=True):
        row = out.setdefault(kind, {"planted": 0, "found": 0})
        row["planted"] += 1
        row["found"] += int(hit)
    for row in out.values():
        row["recall"] = row["found"] / row["planted"]
    return out


# -- truth -------------------------------------------------------------------------------------
def planted_rings(truth: dict, kinds: Iterable[str] | None = None,
                  meetings: bool = False) -> list[set]:
    """Member sets of the truth's rings (optionally only some kinds).

    With ``meetings``, the rings that meet instead of phoning (``workbench sample``'s
    ``meeting_rings``, planted rings since issue 17, as ``benchmarks/rings.py`` counts
    them) come after the others. A ring's kind is its ``kind`` (``tests.casegen``
    counties) or its ``type`` (``workbench sample``).

    Examples
    --------
    >>> truth = {"rings": [{"type": "cell", "members": ["P1", "P2", "P3"]}],
    ...          "meeting_rings": [{"type": "meeting", "members": ["P4", "P5", "P6"]}]}
    >>> len(planted_rings(truth)), len(planted_rings(truth, meetings=True))
    (1, 2)
    """
    kinds = set(kinds) if kinds is not None else None
    rings = list(truth["rings"]) + (list(truth.get("meeting_rings", [])) if meetings else [])
    return [set(r["members"]) for r in rings if kinds is None or _kind(r) in kinds]


def _kind(ring: dict) -> str:
    return str(ring.get("kind", ring.get("type", "")))


def planted_patterns(truth: dict, kinds: Iterable[str] | None = None) -> list[set]:
    """Account sets of the truth's money patterns (optionally only some kinds)."""
    kinds = {normalize_kind(k) for k in kinds} if kinds is not None else None
    return [{normalize_account(a) for a in p["accounts"]} for p in truth["patterns"]
            if kinds is None or normalize_kind(p["kind"]) in kinds]


def normalize_kind(kind: str) -> str:
    """A pattern kind in one spelling: ``fan-in``, ``Fan In`` -> ``fan_in``.

    ``bipartite layering``, ``bipartite`` and ``layering`` all become ``bipartite``.
    """
    k = str(kind).strip().lower().replace("-", "_").replace(" ", "_")
    if "bipartite" in k or k == "layering":
        return "bipartite"
    return k


def normalize_account(account) -> str:
    """An account number without spaces or dashes."""
    return str(account).replace(" ", "").replace("-", "")


# -- workbench output --------------------------------------------------------------------------
def _load(doc) -> dict:
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, Path) or (isinstance(doc, str) and not doc.lstrip().startswith("{")):
        return json.loads(Path(doc).read_text(encoding="utf-8"))
    return json.loads(doc)


def read_rings(doc) -> list[set]:
    """Member sets of ``workbench rings --json`` output, in its order (best first).

    Parameters
    ----------
    doc : dict, str or pathlib.Path
        The parsed document, its JSON text, or a path to a file holding it.
    """
    return [set(map(str, r["members"])) for r in _load(doc)["rings"]]


def read_rings_full(doc) -> list[dict]:
    """The ring records of ``workbench rings --json`` (``members``, ``family``, ...)."""
    return list(_load(doc)["rings"])


def read_money(doc, kinds: Iterable[str] | None = None) -> list[set]:
    """Account sets of ``workbench money --json`` output, in its order (best first).

    Parameters
    ----------
    doc : dict, str or pathlib.Path
        The parsed document, its JSON text, or a path to a file holding it.
    kinds : iterable of str, optional
        Keep only patterns of these kinds (compared after :func:`normalize_kind`).
    """
    kinds = {normalize_kind(k) for k in kinds} if kinds is not None else None
    return [{normalize_account(a) for a in p["accounts"]} for p in _load(doc)["patterns"]
            if kinds is None or normalize_kind(p.get("kind", "")) in kinds]


def run_workbench(command: str, db, *args: str, cwd=None, timeout: float = 1800) -> dict:
    """Run ``python -m workbench COMMAND --db DB --json ARGS`` and parse its stdout.

    Raises
    ------
    RuntimeError
        When the command exits non-zero (with its stderr).
    """
    cmd = [sys.executable, "-m", "workbench", command, "--db", str(db), "--json", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def run_rings(db, *args: str, **kw) -> list[set]:
    """Found rings of a case store (``workbench rings --db DB --json``)."""
    return read_rings(run_workbench("rings", db, *args, **kw))


def run_money(db, *args: str, **kw) -> list[set]:
    """Found money patterns of a case store (``workbench money --db DB --json``)."""
    return read_money(run_workbench("money", db, *args, **kw))


def main(argv: list[str] | None = None) -> dict:
    """Score a ``--json`` output file against a ``truth.json``; print and return the score.

    ``python -m tests.casegen.score_rings TRUTH.json FOUND.json`` (rings or money output,
    told apart by the truth: ``rings`` or ``patterns``); ``--meetings`` counts the truth's
    meeting rings as planted rings too (``k`` grows by their number).
    """
    import argparse

    parser = argparse.ArgumentParser(description="score found rings/patterns against truth")
    parser.add_argument("truth")
    parser.add_argument("found")
    parser.add_argument("--meetings", action="store_true",
                        help="count the truth's meeting_rings as planted rings too")
    args = parser.parse_args(argv)
    truth = _load(Path(args.truth))
    if "rings" in truth:
        planted = planted_rings(truth, meetings=args.meetings)
        found = read_rings(Path(args.found))
        kinds = [_kind(r) for r in truth["rings"]
                 + (truth.get("meeting_rings", []) if args.meetings else [])]
    else:
        planted, found = planted_patterns(truth), read_money(Path(args.found))
        kinds = [normalize_kind(p["kind"]) for p in truth["patterns"]]
    result = score(found, planted)
    result["by_kind"] = score_by_kind(found, planted, kinds)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
