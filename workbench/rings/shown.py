"""What a group's evidence shows next to its score: its counts, the kinds of evidence that
fired (its ``tier``) and whether it is a star (:func:`~workbench.rings.scoring.score_sums`
and, for many groups at once, :func:`~workbench.rings.batch.score_batch`).

Examples
--------
>>> s = {"n_calls": 8.0, "n_night": 6.0, "n_short": 2.0, "call_pairs": 3.0, "n_tx": 0.0,
...      "amount": 0.0, "top_paid": 0, "cases": 0.0, "kin": 0.0, "drug": 0.0, "met": 0.0}
>>> shown = shown_evidence(s, ["calls"], False)
>>> shown["night_share"], shown["tier"]
(0.75, 'calls')
"""

from __future__ import annotations

__all__ = ["shown_evidence"]


def shown_evidence(s: dict, tier: list[str], star: bool) -> dict:
    """The evidence shown with a group's score: its counts from
    :func:`~workbench.rings.scoring.group_sums` (one group's values), the kinds of evidence
    that fired (``tier``, in the order of :data:`~workbench.rings.scoring.KINDS`) and whether
    it is a star.

    >>> sums = {"n_calls": 40, "n_night": 30, "n_short": 10, "met": 0, "call_pairs": 3,
    ...         "n_tx": 2, "amount": 5000.0, "top_paid": 2, "cases": 0, "kin": 0, "drug": 1}
    >>> e = shown_evidence(sums, ["calls", "money"], star=False)
    >>> e["night_share"], e["transfers"], e["tier"]
    (0.75, 2, 'calls+money')
    """
    calls, night, short = float(s["n_calls"]), float(s["n_night"]), float(s["n_short"])
    met = int(s["met"])
    return {
        "calls": int(calls), "night_share": round(night / calls, 3) if calls else 0.0,
        "short_share": round(short / calls, 3) if calls else 0.0,
        "call_pairs": int(s["call_pairs"]), "transfers": int(s["n_tx"]),
        "amount": round(float(s["amount"]), 2), "payers_to_top": int(s["top_paid"]),
        "coarrest_links": int(s["cases"]), "kin_links": int(s["kin"]),
        "drug_arrests": int(s["drug"]), "meeting_pairs": met,
        "meeting_pairs_repeated": int(s.get("met_often", met)), "star": star,
        "tier": "+".join(tier) if tier else ("calls" if calls else "none"),
    }
