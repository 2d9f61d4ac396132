"""What a resolution measured, written for the analyst: the ``identity_params`` table.

Every weight and threshold the resolver used is derived from the case; this module writes
them down with their sources, one row each, so ``workbench identities --json`` and the
report can say why a record went where it did.

Examples
--------
>>> from workbench.identity.weights import bits
>>> round(bits(0.9, 0.1), 2)  # a row's value: log2 of m / u
3.17
"""

from __future__ import annotations

import json

from .weights import P_MIN, Weights, bits, threshold_bits

__all__ = ["write_params"]


def write_params(con, w: Weights, counts: dict, seconds: float, checks: dict,
                 again: dict) -> None:
    """Replace ``identity_params`` with what the last resolution measured and counted.

    ``w``: the first round's weights; ``counts``: the records per outcome; ``checks`` and
    ``again``: what the check round and the name-only round measured
    (:func:`workbench.identity.compare.check`, :func:`~workbench.identity.compare.by_id_numbers`).
    Each row is ``(name, value, what it means)``: ``weight.<field>.<level>`` in bits with its
    ``m`` and ``u``, ``again.*`` and ``check.*`` for the later rounds, the thresholds
    (``p_min``, ``threshold_bits``) and where every probability came from (``*_source``).
    """
    rows = [
        ("persons", str(w.n), "persons in the case: registry persons, given person ids "
         "and ID numbers no registry person has"),
        ("pi", f"{w.pi:.4f}", w.source.get("pi", "")),
        ("pi_by_kind", json.dumps({k: round(v, 4) for k, v in w.pi_kind.items()}),
         "pi of each kind with at least 30 ID-bearing records"),
        ("outsider_name_rate", json.dumps({k: float(f"{v:.3g}") for k, v in
                                           w.q_kind.items()}),
         "share of the ID-bearing records of persons outside the registry whose name is a "
         "registry person's (per kind, smoothed): how likely an outsider is to bear the "
         "name of a record's candidate"),
        ("eps_outside", f"{w.eps:.4f}", "chance a person of the case is outside a record's "
         "candidates: the name written unlike any of theirs (measured, at least 0.005)"),
        ("p_min", str(P_MIN), "posterior a weighed record needs to be attributed"),
        ("threshold_bits", f"{threshold_bits(n=w.n, pi=w.pi, eps=w.eps):.2f}",
         "match weight a lone "
         "candidate needs to reach p_min, from persons and pi"),
        ("m_source", w.source.get("m", ""), "where the m probabilities come from"),
        ("contacts_case_source", w.source.get("contacts_case", ""),
         "what an arrest's case as a contact was measured on (first round)"),
        ("u_source", w.source.get("u", ""), "where the u probabilities come from"),
        ("seconds", f"{seconds:.2f}", "time the last resolution took"),
    ]
    said = {"checked": "phone and account records the weights attributed, weighed again "
            "in the check round", "taken_back": "of those, left unresolved by the check "
            "round (the person's posterior fell below p_min)"}
    rows += [(k, str(v), said.get(k, "records " + k.replace("_", " ")))
             for k, v in counts.items()]
    for fld, level, m, u, b in w.table():
        rows.append((f"weight.{fld}.{level}", "" if b is None else str(b),
                     f"m={m} u={'per value (term frequency)' if u is None else u}"))
    for prefix, rnd, said_round in (
            ("again", again, "the name-only round's contacts, the numbers, accounts and "
             "arrests attributed on their own fields counted as their persons'"),
            ("check", checks, "the check round's contacts, weighed numbers, accounts and "
             "arrests counted as their persons'")):
        if rnd.get("contacts_case"):
            rows.append((f"{prefix}.contacts_case_source", rnd["contacts_case"],
                         "what an arrest's case was measured on in this round"))
        for (fld, level), m in sorted(rnd.get("contacts", {}).items()):
            u = rnd["contacts_u"].get((fld, level), 1.0)
            rows.append((f"{prefix}.weight.{fld}.{level}", str(round(bits(m, u), 3)),
                         f"m={m:.6g} u={u:.6g}: {said_round}"))
    con.execute("DELETE FROM identity_params")
    con.executemany("INSERT INTO identity_params VALUES (?, ?, ?)", rows)
