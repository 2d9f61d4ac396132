"""Links and people in words, and a link as one drawn edge per layer.

Every view says the same thing the same way: hover text, the evidence panel, the diagrams'
labels and the CLI all come from here. Money is told by direction, from the store's
``(u, v)`` convention (``u < v``; ``total_uv`` is what ``u`` paid ``v``).

Examples
--------
>>> d = {"n_calls": 14, "n_night": 10, "n_short": 10, "duration_s": 677, "n_tx": 6,
...      "n_uv_tx": 0, "n_vu_tx": 6, "total_uv": 0.0, "total_vu": 62030.0,
...      "w_calls": 2.1, "w_money": 1.9, "layers": "calls,money"}
>>> for line in link_words("P1", "P2", d, {"P1": "Li", "P2": "Wang"}):
...     print(line)
14 calls (10 at night, 10 short), 11 min 17 s in all
Wang (P2) paid Li (P1) ¥62,030 in 6 transfers
>>> [(e["layer"], e["from"], e["to"], e.get("label")) for e in link_edges("P1", "P2", d, 0)]
[('money', 'P2', 'P1', '¥62,030'), ('calls', 'P1', 'P2', None)]
"""

from __future__ import annotations

from .style import LAYER_STYLES, layer_style

__all__ = ["link_words", "link_edges", "node_words", "number_owners", "money_flows",
           "money_text", "link_layers", "layer_order"]

#: how far each layer's edge bends, so parallel layers of one link stay apart
def _bend(layer: str) -> list | None:
    """vis-network's smooth setting of a layer's edge, as JSON-native values (a list, so a
    snapshot read back compares equal to the view it came from)."""
    bend = _BEND.get(layer, ("curvedCCW", 0.45))
    return list(bend) if bend else None


_BEND = {"calls": None, "money": ("curvedCW", 0.18), "coarrest": ("curvedCCW", 0.15),
         "kinship": ("curvedCCW", 0.3), "shared": ("curvedCW", 0.38),
         "copresence": ("curvedCCW", 0.6)}


#: symbols of the currencies a case may hold; others print as their ISO code
CURRENCY_SIGNS = {"CNY": "\u00a5", "USD": "$", "EUR": "\u20ac", "HKD": "HK$", "GBP": "\u00a3"}


def money_text(amount, currency: str | None = "CNY", digits: int = 0) -> str:
    """An amount in its currency, grouped: ``¥62,030``; ``USD`` and others by sign or code.

    >>> money_text(62030), money_text(12.5, "MOP", 2)
    ('¥62,030', 'MOP 12.50')
    """
    code = (currency or "CNY").upper()
    sign = CURRENCY_SIGNS.get(code)
    number = f"{float(amount or 0):,.{digits}f}"
    return f"{sign}{number}" if sign else f"{code} {number}"


def link_layers(d: dict) -> list[str]:
    """The layers a link carries: its ``layers`` list and every ``w_<layer>`` above 0."""
    names = [x for x in str(d.get("layers") or "").split(",") if x]
    names += [k[2:] for k, v in d.items() if k.startswith("w_") and (v or 0) > 0]
    return sorted(set(names), key=layer_order)


def layer_order(name: str) -> tuple:
    """Legend order: the known layers first, in their usual order, then others by name."""
    known = list(LAYER_STYLES)
    return (known.index(name) if name in known else len(known), name)




def money_flows(u: str, v: str, d: dict) -> list[tuple[str, str, float, int]]:
    """(payer, payee, total, transfers) for each direction money went."""
    out = []
    for src, dst, total, count in ((u, v, d.get("total_uv"), d.get("n_uv_tx")),
                                   (v, u, d.get("total_vu"), d.get("n_vu_tx"))):
        if (total or 0) > 0 or (count or 0) > 0:
            out.append((src, dst, float(total or 0.0), int(count or 0)))
    return out


def _who(x: str, names: dict) -> str:
    name = names.get(x) or ""
    return f"{name} ({x})" if name else x


def _duration(seconds: float) -> str:
    s = int(round(seconds or 0))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s"


def link_words(u: str, v: str, d: dict, names: dict) -> list[str]:
    """What a link stands for, one sentence per layer."""
    out = []
    layers = link_layers(d)
    n_calls = int(d.get("n_calls") or 0)
    if n_calls:
        extra = [f"{int(d[k])} {w}" for k, w in (("n_night", "at night"), ("n_short", "short"))
                 if d.get(k)]
        out.append(f"{n_calls} call{'s' if n_calls != 1 else ''}"
                   + (f" ({', '.join(extra)})" if extra else "")
                   + (f", {_duration(d['duration_s'])} in all" if d.get("duration_s") else ""))
    for src, dst, total, count in money_flows(u, v, d):
        paid = money_text(total, d.get("currency"))
        out.append(f"{_who(src, names)} paid {_who(dst, names)} {paid} in "
                   f"{count} transfer{'s' if count != 1 else ''}")
    if d.get("n_cases"):
        n, t = int(d["n_cases"]), int(d.get("n_trafficking_cases") or 0)
        out.append(f"arrested together in {n} case{'s' if n != 1 else ''}"
                   + (f" ({t} trafficking)" if t else ""))
    if d.get("kin") or "kinship" in layers:
        out.append("family (kinship record)")
    if d.get("shared") or "shared" in layers:
        out.append("share a phone or an account")
    if d.get("n_meet"):
        n = int(d["n_meet"])
        out.append(f"met {n} time{'s' if n != 1 else ''} beyond chance (hotel, venue, trip "
                   f"or cell; strength {float(d.get('meet_weight') or 0):.1f})")
    for x in layers:
        if x not in LAYER_STYLES:
            out.append(f"{layer_style(x)['label']} (strength {float(d.get('w_' + x) or 0):.2f})")
    return out


def link_edges(u: str, v: str, d: dict, link: int) -> list[dict]:
    """vis-network edges for one link: one per layer (money one per direction, arrowed
    from payer to payee and labelled with the amount); width follows the layer's strength."""
    out = []
    for layer in link_layers(d):
        style = layer_style(layer)
        strength = float(d.get(f"w_{layer}") or 0.0) or 1.0
        base = {"layer": layer, "link": link, "color": style["color"],
                "dashes": style["dashes"], "width": round(min(1.0 + 1.5 * strength, 9.0), 2),
                "smooth": _bend(layer)}
        if layer == "money":
            for src, dst, total, _count in money_flows(u, v, d) or [(u, v, 0.0, 0)]:
                out.append({**base, "from": src, "to": dst, "arrows": "to",
                            "label": money_text(total, d.get("currency")) if total else None})
        else:
            out.append({**base, "from": u, "to": v})
    return out


def node_words(n, d: dict) -> list[list]:
    """A node's details, labelled: name, id, ring and role, score, arrests."""
    out = []
    if d.get("name"):
        out.append(["name", str(d["name"])])
    out.append(["id", str(n)])
    kind = d.get("kind", "person")
    if kind != "person":
        out.append(["kind", kind])
    role = d.get("role") or ""
    if d.get("ring"):
        out.append(["ring", f"{d['ring']} ({role or 'member'})"])
    elif role:
        out.append(["role", role + (" (links rings)" if role == "broker" else "")])
    if d.get("score"):
        out.append(["key-player score", f"{float(d['score']):.2f} of 1"])
    for key, label in (("drug_arrests", "drug arrests"),
                       ("trafficking_arrests", "trafficking arrests")):
        if d.get(key):
            out.append([label, int(d[key])])
    return out


def number_owners(records: dict) -> dict[str, str]:
    """Phone number or account -> the person it belongs to, from the evidence records."""
    out: dict[str, str] = {}
    for kind, pairs in (("calls", (("caller", "caller_person"), ("callee", "callee_person"))),
                        ("transactions", (("from_account", "from_person"),
                                          ("to_account", "to_person")))):
        for row in records.get(kind, []):
            for number, person in pairs:
                if row.get(number) and row.get(person):
                    out.setdefault(str(row[number]), str(row[person]))
    return dict(sorted(out.items()))
