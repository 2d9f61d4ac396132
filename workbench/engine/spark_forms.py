"""DuckDB forms that sqlglot leaves Spark unable to run (or running with other results),
rewritten so that Spark gives DuckDB's answer.

The ingest rules (:func:`workbench.contract.values.sql_value`) are written once, in DuckDB's
dialect; these rewrites let the same text run on Spark:

* ``try_strptime(v, ['%Y-%m-%d %H:%M', ...])``: the first format that parses, as
  ``coalesce(try_to_timestamp(v', 'y-M-d H:m'), ...)``. DuckDB reads a one- or two-digit
  month, day, hour... between separators and lets a space in the format match any run of
  whitespace; ``v'`` has its whitespace runs folded and the Java patterns use variable
  widths between separators, fixed ones where fields touch (``%Y%m%d`` -> ``yyyyMMdd``).
  One known difference: DuckDB also reads a compact value one digit short (``2019041`` as
  2019-04-01), Spark refuses it. The result is an instant read in the session time zone;
* ``timezone(zone, local)``: the wall clock of ``local`` (in the session zone) read in
  ``zone``;
* ``regexp_full_match(s, p)``: ``s RLIKE '^(?:p)\\z'`` (Spark's ``RLIKE`` finds, it does
  not match whole);
* ``regexp_replace(s, p, r, 'i')``: the flag as ``(?iu)`` in the pattern (sqlglot drops
  it); without ``'g'`` DuckDB replaces the first match only, which Spark cannot say unless
  the pattern is anchored at the start, so an unanchored one is refused;
* ``epoch_us(t)``: ``unix_micros(t)``; ``md5_number(s)``: ``md5(s)``, the same digest as
  hex text (Spark has no 128-bit integer; :func:`md5_number_sql` gives DuckDB's number as
  the decimal text ``export-parquet`` writes);
* ``json_object(k, v, ...)``: ``to_json(map(k, v, ...))``, the same text (keys in order,
  ``null`` kept).

Examples
--------
>>> import sqlglot
>>> tree = sqlglot.parse_one("SELECT regexp_full_match(x, '[0-9]+')", read="duckdb")
>>> tree.transform(lambda n: rewrite(n, "UTC")).sql(dialect="spark")
"SELECT x RLIKE '^(?:[0-9]+)\\\\\\\\z'"
"""

from __future__ import annotations

import re

from ..errors import EngineError

__all__ = ["rewrite", "java_pattern", "md5_hex_to_number", "md5_number_sql"]

_FIELDS = {"%Y": ("yyyy", "y"), "%m": ("MM", "M"), "%d": ("dd", "d"), "%H": ("HH", "H"),
           "%M": ("mm", "m"), "%S": ("ss", "s"), "%f": ("SSSSSS", "SSSSSS")}


def java_pattern(strftime: str) -> str:
    """A DuckDB ``strptime`` format as a Spark (Java) datetime pattern read the same way.

    Examples
    --------
    >>> java_pattern("%Y-%m-%dT%H:%M:%S.%f"), java_pattern("%Y%m%d %H%M")
    ("y-M-d'T'H:m:s.SSSSSS", 'yyyyMMdd HHmm')
    """
    tokens = re.findall(r"%.|[A-Za-z]+|[^%A-Za-z]+", strftime)
    out = []
    for i, token in enumerate(tokens):
        if token.startswith("%"):
            if token not in _FIELDS:
                raise EngineError(f"strptime format {token!r} has no Spark rewrite")
            touching = any(0 <= j < len(tokens) and tokens[j].startswith("%")
                           for j in (i - 1, i + 1))
            out.append(_FIELDS[token][0 if touching else 1])
        elif token[0].isalpha():
            out.append("'" + token + "'")
        else:
            out.append(token)
    return "".join(out)


def md5_hex_to_number(hex_digest: str) -> str:
    """DuckDB's ``md5_number`` (as decimal text) of an MD5 given as hex text.

    Examples
    --------
    >>> md5_hex_to_number("900150983cd24fb0d6963f7d28e17f72")  # md5('abc')
    '152195979970564155685860391459828531600'
    """
    return str(int.from_bytes(bytes.fromhex(hex_digest), "little"))


def _fn(name: str, *args):
    from sqlglot import exp

    return exp.Anonymous(this=name, expressions=list(args))


def _str(text: str):
    from sqlglot import exp

    return exp.Literal.string(text)


def _literal_text(node, what: str) -> str:
    from sqlglot import exp

    if not isinstance(node, exp.Literal) or not node.is_string:
        raise EngineError(f"{what} must be a string literal for the Spark rewrite")
    return node.this


def _strptime(value, formats):
    from sqlglot import exp

    if isinstance(formats, exp.Array):
        texts = [_literal_text(f, "a strptime format") for f in formats.expressions]
    else:
        texts = [_literal_text(formats, "a strptime format")]
    # DuckDB's strptime skips whitespace around the value; a space matches a run of it
    folded = _fn("regexp_replace", value, _str(r"^\s+|\s+$"), _str(""))
    folded = _fn("regexp_replace", folded, _str(r"\s+"), _str(" "))
    tries = [_fn("try_to_timestamp", folded.copy(), _str(java_pattern(t))) for t in texts]
    return tries[0] if len(tries) == 1 else exp.Coalesce(this=tries[0], expressions=tries[1:])


def _full_match(node):
    from sqlglot import exp

    pattern = _literal_text(node.expression, "a regexp_full_match pattern")
    return exp.RegexpLike(this=node.this, expression=_str("^(?:" + pattern + r")\z"))


def _replace(node):
    from sqlglot import exp

    flags = node.args.get("modifiers")
    flags = _literal_text(flags, "regexp_replace options") if flags is not None else ""
    pattern = _literal_text(node.expression, "a regexp_replace pattern")
    if "g" not in flags and not pattern.startswith("^"):
        raise EngineError("regexp_replace without 'g' replaces the first match only; Spark "
                          "cannot say so unless the pattern is anchored with '^'")
    if "i" in flags:
        pattern = "(?iu)" + pattern
    return exp.RegexpReplace(this=node.this, expression=_str(pattern),
                             replacement=node.args.get("replacement"))


def _timezone(args, session_tz: str):
    zone, local = args
    return _fn("to_utc_timestamp", _fn("from_utc_timestamp", local, _str(session_tz)), zone)


#: 2**(32 k) as (quotient, remainder) by 10**18, for the 128-bit number in decimals
_LIMBS = [(0, 1), (0, 2**32), (2**64 // 10**18, 2**64 % 10**18),
          (2**96 // 10**18, 2**96 % 10**18)]


def md5_number_sql(hex_column: str) -> str:
    """Spark SQL giving DuckDB's ``md5_number`` as decimal text from an MD5 hex column (the
    digest read little-endian, 128 bits), on the JVM: four 32-bit words, then base 10**18
    so no step passes 38 digits. ``hex_column`` is a plain column name.

    Examples
    --------
    >>> "conv(" in md5_number_sql("_h")
    True
    """
    big_endian = "concat(" + ", ".join(f"substr({hex_column}, {i}, 2)"
                                        for i in range(31, 0, -2)) + ")"
    words = [f"CAST(conv(substr({big_endian}, {25 - 8 * k}, 8), 16, 10) AS DECIMAL(38, 0))"
             for k in range(4)]
    low = " + ".join(f"{w} * {r}" for w, (_q, r) in zip(words, _LIMBS, strict=True))
    high = " + ".join(f"{w} * {q}" for w, (q, _r) in zip(words, _LIMBS, strict=True) if q)
    top = f"({high} + ({low}) div {10**18})"
    rest = f"CAST(({low}) % {10**18} AS STRING)"
    return (f"CASE WHEN {top} > 0 THEN concat(CAST({top} AS STRING), lpad({rest}, 18, '0')) "
            f"ELSE {rest} END")


def _json_object(node):
    from sqlglot import exp

    pairs = []
    for kv in node.expressions:
        if not isinstance(kv, exp.JSONKeyValue):
            raise EngineError("json_object arguments must be key, value pairs")
        pairs += [kv.this, kv.expression]
    return _fn("to_json", _fn("map", *pairs))


def rewrite(node, session_tz: str):
    """One sqlglot node (DuckDB dialect) rewritten for Spark, or the node unchanged.

    A replaced node's arguments are rewritten too (``transform`` does not visit them)."""

    new = _rewrite_one(node, session_tz)
    if new is node:
        return node
    for child in list(new.iter_expressions()):
        child.replace(child.transform(lambda n: rewrite(n, session_tz)))
    return new


def _rewrite_one(node, session_tz: str):
    from sqlglot import exp

    if isinstance(node, exp.RegexpFullMatch):
        return _full_match(node)
    if isinstance(node, exp.RegexpReplace) and not node.args.get("position") and (
            node.args.get("modifiers") is not None or node.args.get("single_replace")):
        return _replace(node)
    if isinstance(node, exp.JSONObject):
        return _json_object(node)
    if isinstance(node, exp.Anonymous):
        name, args = str(node.this).lower(), node.expressions
        if name == "try_strptime" and len(args) == 2:
            return _strptime(*args)
        if name == "timezone" and len(args) == 2:
            return _timezone(args, session_tz)
        if name == "epoch_us" and len(args) == 1:
            return _fn("unix_micros", args[0])
        if name == "md5_number" and len(args) == 1:
            return exp.MD5(this=args[0])
    return node
