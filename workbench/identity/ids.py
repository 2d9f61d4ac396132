"""Resident ID numbers as identity evidence: form, 15 -> 18, check character, what the
number says (birth date, sex, region) and the numbers one typo away.

A PRC resident ID has 18 characters: six digits of the county of household registration,
eight of the birth date, three of a sequence whose last digit is odd for men and even for
women, and a check character (ISO 7064 MOD 11-2, ``X`` for 10). A legacy number has 15
digits (no century, no check). The check catches every single changed digit and every swap
of two adjacent digits, so a typo always shows: :func:`id_form` says ``bad_check`` and
:func:`typo_neighbours` lists the valid numbers it could have been.

Examples
--------
>>> id_form("11010519491231002X"), id_form("110105491231002"), id_form("110105194912310021")
('valid', 'legacy', 'bad_check')
>>> to18("110105491231002")
'11010519491231002X'
>>> id_facts("11010519491231002X")
{'region': '110105', 'birth_date': datetime.date(1949, 12, 31), 'sex': 'F'}
>>> "11010519491231002X" in typo_neighbours("11010519491231007X")  # one digit changed
True
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = ["ID_SHAPE", "as_given", "check_char", "id_form", "to18", "id_facts",
           "typo_neighbours", "typo_kind"]

#: what an ID number looks like after :func:`as_given`: 18 characters or 15 digits
ID_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_CHECK = "10X98765432"


def as_given(raw: str) -> str:
    """The number as its source gave it, in one spelling: NFKC, no spaces, upper case; a
    legacy 15-digit number with a possible birth date converted to 18 characters (its
    check character computed). A wrong check character is kept: it is resolved later.

    Raises
    ------
    ValueError
        When it is not an ID number at all (letters, wrong length): the reject reason.

    Examples
    --------
    >>> as_given(" 11010519491231002x "), as_given("110105491231002")
    ('11010519491231002X', '11010519491231002X')
    >>> as_given("1101051949123100")
    Traceback (most recent call last):
    ...
    ValueError: ID number must have 18 characters (or 15 digits): '1101051949123100'
    """
    s = unicodedata.normalize("NFKC", raw).replace("\ufeff", "").strip().upper()
    s = re.sub(r"[\s\-]", "", s)
    if not ID_SHAPE.fullmatch(s):
        raise ValueError(f"ID number must have 18 characters (or 15 digits): {raw!r}")
    if len(s) == 15 and id_form(s) == "legacy":
        return to18(s)
    return s


def check_char(body17: str) -> str:
    """The check character of the first 17 digits.

    >>> check_char("11010519491231002")
    'X'
    """
    return _CHECK[sum(int(c) * w for c, w in zip(body17, _WEIGHTS, strict=True)) % 11]


def _birth(s: str) -> dt.date | None:
    try:
        return dt.date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


def id_form(s: str | None) -> str | None:
    """``valid``, ``legacy`` (15 digits), ``bad_check`` (check character or birth date
    wrong: a typo) or None (no number).

    >>> id_form(None) is None
    True
    """
    if not s:
        return None
    if len(s) == 15:
        return "legacy" if _birth("19" + s[6:12]) else "bad_check"
    if check_char(s[:17]) != s[17] or _birth(s[6:14]) is None:
        return "bad_check"
    return "valid"


def to18(s: str) -> str:
    """The 18-character form of a legacy number (century 19 inserted, check added); an
    18-character number is returned as it is.

    >>> to18("11010519491231002X")
    '11010519491231002X'
    """
    if len(s) == 15:
        body = s[:6] + "19" + s[6:]
        return body + check_char(body)
    return s


def id_facts(s: str | None) -> dict:
    """What an 18-character number says: ``region`` (first six digits), ``birth_date``
    (None when impossible) and ``sex`` (``M`` for an odd 17th digit).

    >>> id_facts("110105194912310021")["sex"]
    'F'
    """
    if not s or len(s) != 18:
        return {"region": None, "birth_date": None, "sex": None}
    return {"region": s[:6], "birth_date": _birth(s[6:14]),
            "sex": "M" if int(s[16]) % 2 else "F"}


def typo_neighbours(s: str) -> list[str]:
    """The valid 18-character numbers one typo away from ``s``: one character changed, or
    two adjacent characters swapped.

    The weighted sum of the first 17 digits is computed once; each change moves it by a
    known amount, so the check is arithmetic, not a new sum per candidate.

    >>> "11010519491231002X" in typo_neighbours("11010519491231020X")
    True
    """
    if len(s) != 18 or not s[:17].isdigit():
        return []
    digits = [int(c) for c in s[:17]]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    out = set()
    last = s[17]
    for i in range(17):
        d, w = digits[i], _WEIGHTS[i]
        for c in range(10):
            if c != d and _CHECK[(total + (c - d) * w) % 11] == last:
                out.add(s[:i] + str(c) + s[i + 1:])
    right = _CHECK[total % 11]
    if right != last:
        out.add(s[:17] + right)
    for i in range(16):  # swaps among the 17 digits
        a, b = digits[i], digits[i + 1]
        if a != b:
            moved = total + (b - a) * _WEIGHTS[i] + (a - b) * _WEIGHTS[i + 1]
            if _CHECK[moved % 11] == last:
                out.add(s[:i] + s[i + 1] + s[i] + s[i + 2:])
    if last.isdigit() and s[16] != last:  # the 17th digit swapped with the check
        body = s[:16] + last
        if check_char(body) == s[16]:
            out.add(body + s[16])
    return sorted(c for c in out if _birth(c[6:14]) is not None)


def typo_kind(given: str, true: str) -> str:
    """How ``given`` differs from ``true``: ``digit <n>`` (1-based position) or
    ``swap <n>-<n+1>``; ``other`` otherwise.

    >>> typo_kind("11010519491231020X", "11010519491231002X")
    'swap 16-17'
    """
    diff = [i for i in range(min(len(given), len(true))) if given[i] != true[i]]
    if len(given) == len(true) == 18:
        if len(diff) == 1:
            return f"digit {diff[0] + 1}"
        if len(diff) == 2 and diff[1] == diff[0] + 1 and given[diff[0]] == true[diff[1]]:
            return f"swap {diff[0] + 1}-{diff[1] + 1}"
    return "other"
