"""Score a store's identity resolution against ``identity_truth.json``.

:func:`score` opens an ingested case store read-only and reads each record's resolved person
as the data contract promises (``SELECT phone, person_id FROM phones``, likewise
``accounts``, ``arrests``, ``stays``, ``visits``, ``trips``), matching stored rows to the
truth by file name and physical line (``_source`` → ``sources.file``, ``_line``), or, for
``phones``/``accounts``/``arrests`` without provenance columns, by a key that is unique in
both the store and the truth.

Each record ends as one of:

``correct``
    the true person: the registry ``person_id``; for a person the registry does not hold
    (no registry, or a traveller known only by ID number), the store's own person id that
    holds most of that person's records;
``wrong``
    another person (a registry person, or a store-made person who is mostly someone else);
``split``
    a store-made person who is mostly this person but is not their main id (a registry
    person's records under a second, made-up id; a second made-up id for one person);
``unresolved``
    ``person_id`` NULL;
``missing``
    no stored row matched (rejected, deduplicated, or not stored).

Organisation accounts (employers, the power company) are scored apart: they belong to no
registry person, so ``unresolved`` or a store-made id is right and a registry person wrong.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

__all__ = ["KINDS", "score"]

KINDS = ("phones", "accounts", "arrests", "stays", "visits", "trips")
_KEYS = {"phones": "phone", "accounts": "account_id", "arrests": "arrest_id"}
_OUTCOMES = ("correct", "wrong", "split", "unresolved", "missing")


def _stats(outcomes: list[str]) -> dict:
    c = Counter(outcomes)
    n = len(outcomes)
    out = {"n": n, **{k: c.get(k, 0) for k in _OUTCOMES}}
    for k in ("correct", "wrong", "unresolved", "split", "missing"):
        out[f"share_{k}"] = round(c.get(k, 0) / n, 4) if n else None
    return out


def _read_store(db_path: Path) -> tuple[dict, dict, list[str]]:
    """Predictions by (file name, line) and by (kind, key); kinds the store lacks."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cols: dict[str, set[str]] = defaultdict(set)
        for table, column in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns").fetchall():
            cols[table].add(column)
        files = {}
        if {"source_id", "file"} <= cols.get("sources", set()):
            files = {sid: Path(str(f)).name
                     for sid, f in con.execute("SELECT source_id, file FROM sources").fetchall()}
        by_line: dict[tuple, str | None] = {}
        by_key: dict[tuple, list] = defaultdict(list)
        missing = []
        for kind in KINDS:
            have = cols.get(kind, set())
            if "person_id" not in have:
                missing.append(kind)
                continue
            key = _KEYS.get(kind)
            select = ["person_id",
                      "_source" if "_source" in have else "NULL",
                      "_line" if "_line" in have else "NULL",
                      f'"{key}"' if key in have else "NULL"]
            for pid, src, line, k in con.execute(
                    f'SELECT {", ".join(select)} FROM "{kind}"').fetchall():
                pid = None if pid is None else str(pid)
                if src is not None and line is not None:
                    by_line[(files.get(src, str(src)), int(line))] = pid
                if k is not None:
                    by_key[(kind, str(k))].append(pid)
        return by_line, by_key, missing
    finally:
        con.close()


def score(db_path: Path, truth: dict | Path) -> dict:
    """Share of records attributed to the true person, to another, or left unresolved.

    Parameters
    ----------
    db_path : Path
        The DuckDB case store after ingest of the re-keyed files (opened read-only).
    truth : dict or Path
        The document :func:`tests.casegen.rekey.rekey_county` returns (or its
        ``identity_truth.json``).

    Returns
    -------
    dict
        ``categories``: ``id`` (the record carries an ID number: valid, mistyped or
        15-digit), ``name_only`` (no ID number) and ``all``, each with ``n``, the counts
        of ``correct``/``wrong``/``split``/``unresolved``/``missing`` and their
        ``share_*``; the same by ``kind``, by ``fault`` and for name-only records of
        names several persons share (``name_only_shared``); ``org`` (organisation
        accounts: ``unresolved``, ``made`` (a store-made id) and ``wrong``);
        ``relatives_phones`` (rows registered to a parent: attributed to the registered
        parent as the contract says); ``recycled_rows`` (phones rows of recycled
        numbers); ``missing_kinds`` (kinds whose table or ``person_id`` column the store
        lacks); ``wrong_examples`` (up to 20).
    """
    if not isinstance(truth, dict):
        truth = json.loads(Path(truth).read_text(encoding="utf-8"))
    by_line, by_key, missing_kinds = _read_store(Path(db_path))
    registry_ids = ({p for p, v in truth.get("persons", {}).items() if v.get("in_registry")}
                    if truth.get("registry", True) else set())
    key_count = Counter((r["kind"], r["key"]) for r in truth["records"])
    recs = [r for r in truth["records"] if r["kind"] in KINDS]

    def predicted(rec: dict) -> tuple[bool, str | None]:
        hit = (rec["file"], rec["line"])
        if hit in by_line:
            return True, by_line[hit]
        k = (rec["kind"], str(rec["key"]))
        if k in by_key and len(by_key[k]) == 1 and key_count[k] == 1:
            return True, by_key[k][0]
        return False, None

    preds = [predicted(r) for r in recs]
    # who each store-made id mostly is, and each person's main store-made id
    made: dict[str, Counter] = defaultdict(Counter)
    for rec, (found, p) in zip(recs, preds, strict=True):
        if found and p is not None and p not in registry_ids and rec["category"] != "org":
            made[p][rec["true_person"]] += 1
    owner = {p: max(sorted(c), key=lambda t, c=c: c[t]) for p, c in made.items()}
    main: dict[str, str] = {}
    for p in sorted(made, key=lambda p: (-made[p][owner[p]], p)):
        main.setdefault(owner[p], p)

    def outcome(rec: dict, found: bool, p: str | None) -> str:
        t = rec["true_person"]
        if not found:
            return "missing"
        if p is None:
            return "unresolved"
        if p in registry_ids:
            return "correct" if p == t else "wrong"
        if owner.get(p) != t:
            return "wrong"
        return "split" if t in registry_ids or main.get(t) != p else "correct"

    groups: dict[str, list[str]] = defaultdict(list)
    org = Counter()
    wrong_examples = []
    rel_lines = {(x["file"], x["line"]) for x in truth.get("relatives_phones", [])}
    rec_lines = {(x["file"], per["line"]) for x in truth.get("recycled", [])
                 for per in x["periods"]}
    for rec, (found, p) in zip(recs, preds, strict=True):
        if rec["category"] == "org":
            org["missing" if not found else "unresolved" if p is None
                else "wrong" if p in registry_ids else "made"] += 1
            continue
        o = outcome(rec, found, p)
        cat = rec["category"]
        groups[f"categories/{cat}"].append(o)
        groups["categories/all"].append(o)
        groups[f"by_kind/{rec['kind']}"].append(o)
        groups[f"by_fault/{rec['fault'] or 'none'}"].append(o)
        if cat == "name_only" and rec.get("shared_name"):
            groups["name_only_shared/all"].append(o)
        if (rec["file"], rec["line"]) in rel_lines:
            groups["relatives_phones/all"].append(o)
        if (rec["file"], rec["line"]) in rec_lines:
            groups["recycled_rows/all"].append(o)
        if o == "wrong" and len(wrong_examples) < 20:
            wrong_examples.append({**rec, "predicted": p})
    report: dict = {"categories": {}, "by_kind": {}, "by_fault": {}}
    for name, outs in sorted(groups.items()):
        head, tail = name.split("/")
        if tail == "all" and head not in ("categories",):
            report[head] = _stats(outs)
        else:
            report.setdefault(head, {})[tail] = _stats(outs)
    for cat in ("id", "name_only", "all"):
        report["categories"].setdefault(cat, _stats([]))
    report["org"] = {"n": sum(org.values()), **{k: org.get(k, 0)
                                                for k in ("unresolved", "made", "wrong",
                                                          "missing")}}
    report["missing_kinds"] = missing_kinds
    report["wrong_examples"] = wrong_examples
    return report


if __name__ == "__main__":  # python -m tests.casegen.score_identity DB IDENTITY_TRUTH.json
    import argparse

    parser = argparse.ArgumentParser(description="score identity resolution against truth")
    parser.add_argument("db", type=Path)
    parser.add_argument("truth", type=Path)
    args = parser.parse_args()
    print(json.dumps(score(args.db, args.truth), ensure_ascii=False, indent=1))
