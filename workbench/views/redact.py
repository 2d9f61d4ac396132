"""Redaction with consistent pseudonyms: the structure stays readable, no original is left.

Phone numbers, account numbers and ID numbers (and names, when asked) are replaced
everywhere they occur (node ids, labels, tooltips, evidence, parameters) by pseudonyms such
as ``PHONE-0003``; the same original always gets the same pseudonym within a snapshot. In
free text (memos, addresses, locations) any remaining run of 7 or more digits is masked too.

Examples
--------
>>> r = Redactor({"+8613800138000": "phone", "6222021234567890": "account"})
>>> r.text("call +8613800138000 / 13800138000, pay 6222021234567890")
'call PHONE-0001 / PHONE-0001, pay ACCT-0001'
>>> r.value({"memo": "ring me at 13912345678"}, key=None)
{'memo': 'ring me at ###########'}
"""

from __future__ import annotations

import re

__all__ = ["Redactor", "FREE_TEXT_KEYS"]

_PREFIX = {"phone": "PHONE", "account": "ACCT", "id_number": "ID", "name": "NAME"}
FREE_TEXT_KEYS = {"memo", "address", "location", "charge", "note", "notes", "channel", "name",
                  "label", "title", "reason", "raw", "text"}
_DIGITS = re.compile(r"\d{7,}")


class Redactor:
    """Replace identifiers by pseudonyms.

    Parameters
    ----------
    identifiers : dict
        Original value -> kind (``phone``, ``account``, ``id_number``, ``name``).
    names : bool
        Also replace values of kind ``name``.
    """

    def __init__(self, identifiers: dict[str, str], names: bool = False) -> None:
        self.mapping: dict[str, str] = {}
        counters: dict[str, int] = {}
        for original, kind in sorted(identifiers.items(), key=lambda kv: (kv[1], kv[0])):
            if not original or (kind == "name" and not names) or kind not in _PREFIX:
                continue
            counters[kind] = counters.get(kind, 0) + 1
            pseudonym = f"{_PREFIX[kind]}-{counters[kind]:04d}"
            self.mapping[original] = pseudonym
            for variant in _variants(original, kind):
                self.mapping.setdefault(variant, pseudonym)
        keys = sorted(self.mapping, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    def text(self, value: str) -> str:
        """The string with every known identifier replaced."""
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(lambda m: self.mapping[m.group(0)], value)

    def value(self, obj, key: str | None = None):
        """Redact a JSON-like structure (dict keys too); free-text fields lose digit runs."""
        if isinstance(obj, str):
            out = self.text(obj)
            if key in FREE_TEXT_KEYS:
                out = _DIGITS.sub(lambda m: "#" * len(m.group(0)), out)
            return out
        if isinstance(obj, dict):
            return {self.text(str(k)) if isinstance(k, str) else k: self.value(v, k)
                    for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.value(v, key) for v in obj]
        return obj


def _variants(original: str, kind: str) -> list[str]:
    if kind == "phone" and original.startswith("+86") and len(original) > 5:
        national = original[3:]
        return [national, "0" + national if not national.startswith("1") else national]
    if kind == "id_number":
        return [original.lower(), original.upper()]
    return []
