"""Value parsers of the data contract.

Two families, one definition each:

* identifiers with few distinct values per file (phones, accounts, ID numbers) are parsed in
  Python, once per distinct raw value (:func:`parse_phone`, :func:`parse_account`,
  :func:`parse_id_number`); each raises :class:`ValueError` whose message is the reject reason;
* values that are mostly distinct (timestamps, amounts, durations, dates, vocabularies) are
  parsed in SQL inside DuckDB: :func:`sql_value` returns the expression that parses a column
  and the expression that names the reason when it cannot.

:func:`parse_timestamp` and friends run the same SQL on a single value, for options such as
``--since`` and for tests.

Examples
--------
>>> parse_phone("+86 138-0013-8000")
'+8613800138000'
>>> parse_phone("10086")
'10086'
>>> str(parse_timestamp("20190401 2330"))
'2019-04-01 15:30:00+00:00'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo

import duckdb

from ..errors import WorkbenchError
from .kinds import RELATIONS, SEX_VALUES

__all__ = [
    "file_name",
    "DEFAULT_REGION",
    "DEFAULT_TZ",
    "TIMESTAMP_FORMATS",
    "DATE_FORMATS",
    "parse_phone",
    "is_service_code",
    "parse_account",
    "parse_id_number",
    "check_timezone",
    "sql_value",
    "parse_timestamp",
    "parse_date",
    "parse_amount",
    "parse_duration",
]

DEFAULT_REGION = "CN"
DEFAULT_TZ = "Asia/Shanghai"

TIMESTAMP_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y%m%d %H%M",
)
DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")

_EXTENSION = re.compile(r"(转|分机|ext\.?|x|#)\s*\d*\s*$", re.IGNORECASE)
_EXCEL_FLOAT = re.compile(r"^(\+?\d{5,})\.0+$")
_PHONE_NOISE = re.compile(r"[\s\-.()]")
_CN_MOBILE_86 = re.compile(r"^861[3-9]\d{9}$")


def _nfkc(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).replace("\ufeff", "").strip()


_SERVICE_CODE = re.compile(r"\d{3,6}", re.ASCII)


def is_service_code(number: str) -> bool:
    """Whether a number is a 3 to 6 digit service number (a carrier's 10086, a bank's
    95588, 110): an organization's line by its form, whoever calls it; :func:`parse_phone`
    keeps such a number as its digits.

    >>> is_service_code("10086"), is_service_code("+8613800138000"), is_service_code("P01")
    (True, False, False)
    """
    return bool(_SERVICE_CODE.fullmatch(number))


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Parse a phone number into E.164, or keep a short service number as it is.

    Parameters
    ----------
    raw : str
        The number as exported: full-width digits, spaces, dashes, dots, parentheses,
        ``+86`` / ``0086`` / bare ``86`` prefixes, an extension (``转123``), an Excel float.
    region : str
        Region for numbers written without a country code (ISO 3166 alpha-2).

    Returns
    -------
    str
        ``+8613812345678``, or the digits of a 3 to 6 digit service number (``10086``).

    Raises
    ------
    ValueError
        With the reject reason, when the value cannot be a phone number.

    Examples
    --------
    >>> parse_phone("0086 (138) 0013.8000"), parse_phone("8613800138000")
    ('+8613800138000', '+8613800138000')
    >>> parse_phone("0571-8765 4321转 802")
    '+8657187654321'
    >>> parse_phone("1380013800O")
    Traceback (most recent call last):
    ...
    ValueError: phone number contains letters: '1380013800O'
    """
    if region == "CN" and _PLAIN_MOBILE.fullmatch(raw):
        fast = _cn_mobile(raw)  # the common case: 11 plain digits
        if fast:
            return fast
    s = _nfkc(raw)
    if not s:
        raise ValueError("phone number is empty")
    m = _EXCEL_FLOAT.match(s)
    if m:
        s = m.group(1)
    s = _EXTENSION.sub("", s).strip()
    s = _PHONE_NOISE.sub("", s)
    if re.search(r"[^\d+]", s):
        if re.search(r"[^\W\d_]", s):
            raise ValueError(f"phone number contains letters: {raw!r}")
        raise ValueError(f"phone number contains invalid characters: {raw!r}")
    if s.count("+") > 1 or ("+" in s and not s.startswith("+")):
        raise ValueError(f"misplaced '+' in phone number: {raw!r}")
    if is_service_code(s):
        return s
    digits = s.lstrip("+")
    if len(digits) < 3:
        raise ValueError(f"phone number too short: {raw!r}")
    fast = _cn_mobile(s) if region == "CN" or s.startswith(("+86", "0086")) else None
    if fast:
        return fast
    if s.startswith("00"):
        s = "+" + s[2:]
    elif _CN_MOBILE_86.match(s):
        s = "+" + s
    import phonenumbers  # loaded when a number needs it (a ring search never does)

    try:
        num = phonenumbers.parse(s, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(num):
        raise ValueError(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


_PLAIN_MOBILE = re.compile(r"1\d{10}", re.ASCII)
_CN_PREFIXED = re.compile(r"(?:\+86|0086|86)?(1\d{10})")


@functools.cache
def _cn_mobile_patterns() -> tuple[re.Pattern, re.Pattern]:
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    return (re.compile(meta.general_desc.national_number_pattern),
            re.compile(meta.mobile.national_number_pattern))


def _cn_mobile(s: str) -> str | None:
    """E.164 of a Chinese mobile number by phonenumbers' own metadata patterns, else None.

    The same answer :func:`phonenumbers.is_valid_number` gives for these numbers, at a
    fraction of the cost: most call records hold nothing else.
    """
    m = _CN_PREFIXED.fullmatch(s)
    if not m:
        return None
    general, mobile = _cn_mobile_patterns()
    national = m.group(1)
    if general.fullmatch(national) and mobile.fullmatch(national):
        return "+86" + national
    return None


def parse_account(raw: str) -> str:
    """Normalize a bank card, account or e-wallet identifier.

    Spaces and dashes are dropped, full-width characters folded, an Excel float tail
    (``.0``) removed; letters are kept (e-wallet ids).

    Examples
    --------
    >>> parse_account("6222 0212-3456 7890"), parse_account("６２２２０２１２３４")
    ('6222021234567890', '6222021234')
    >>> parse_account("alipay:Wang.Li@example")
    'alipay:Wang.Li@example'
    """
    s = _nfkc(raw)
    m = _EXCEL_FLOAT.match(s)
    if m:
        s = m.group(1)
    s = re.sub(r"[\s\-]", "", s)
    if not s:
        raise ValueError("account number is empty")
    if any(unicodedata.category(ch).startswith("C") for ch in s):
        raise ValueError(f"account number contains control characters: {raw!r}")
    if len(s) > 64:
        raise ValueError(f"account number longer than 64 characters: {raw[:80]!r}")
    return s


def parse_id_number(raw: str) -> str:
    """Validate a PRC resident identity number; a legacy 15-digit number becomes 18.

    Only the check character (ISO 7064 MOD 11-2, by :mod:`stdnum.cn.ric`) and the birth
    date are checked. The birthplace code is advisory: real numbers carry county codes that
    did not exist in their birth year, so they are not rejected for it.

    Examples
    --------
    >>> parse_id_number("11010519491231002x")
    '11010519491231002X'
    >>> parse_id_number("110105491231002")  # legacy: century 19 inserted, check added
    '11010519491231002X'
    >>> parse_id_number("110105194912310022")
    Traceback (most recent call last):
    ...
    ValueError: ID number checksum does not match: '110105194912310022'
    """
    from stdnum.cn import ric

    s = _nfkc(raw).upper().replace(" ", "")
    if re.fullmatch(r"\d{15}", s):
        body = s[:6] + "19" + s[6:]
        s = body + ric.calc_check_digit(body + "0")
    elif not re.fullmatch(r"\d{17}[\dX]", s):
        raise ValueError(f"ID number must have 18 characters (or 15 digits): {raw!r}")
    try:
        dt.datetime.strptime(s[6:14], "%Y%m%d")
    except ValueError:
        raise ValueError(f"ID number holds an impossible birth date: {raw!r}") from None
    if ric.calc_check_digit(s) != s[17]:
        raise ValueError(f"ID number checksum does not match: {raw!r}")
    return s


def check_timezone(tz: str) -> str:
    """Return ``tz`` if it is an IANA zone name, else raise :class:`WorkbenchError`.

    Examples
    --------
    >>> check_timezone("Asia/Shanghai")
    'Asia/Shanghai'
    """
    if tz not in _zones():
        raise WorkbenchError(f"unknown time zone {tz!r} (use an IANA name like Asia/Shanghai)")
    return tz


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def _lit(text: str) -> str:
    """A SQL string literal for a constant the code owns (never for data)."""
    return "'" + text.replace("'", "''") + "'"


def _fmt_list(formats: tuple[str, ...]) -> str:
    return "[" + ", ".join(_lit(f) for f in formats) + "]"


def _map_case(v: str, mapping: dict[str, str], fold: str) -> str:
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(val)}" for k, val in mapping.items())
    return f"(CASE {fold}({v}) {whens} END)"


def sql_value(vtype: str, v: str, tz: str = DEFAULT_TZ) -> tuple[str, str]:
    """SQL that parses a trimmed VARCHAR expression ``v`` of a given value type.

    Returns ``(value_sql, error_sql)``: the typed value, and a VARCHAR reason that is NULL
    when the value is absent or valid. ``v`` must be an expression the caller built from
    whitelisted identifiers; ``tz`` is checked with :func:`check_timezone`.

    Examples
    --------
    >>> value, error = sql_value("duration", "x")
    >>> duckdb.sql(f"SELECT {value}, {error} FROM (SELECT '1:02:03' AS x)").fetchall()
    [(3723, None)]
    """
    tz = check_timezone(tz)
    if vtype in ("id", "text"):
        return v, "NULL"
    if vtype == "timestamp":
        parsed = f"try_strptime({v}, {_fmt_list(TIMESTAMP_FORMATS + DATE_FORMATS)})"
        value = f"timezone({_lit(tz)}, {parsed})"
        return value, f"CASE WHEN {v} IS NOT NULL AND {parsed} IS NULL THEN 'invalid timestamp' END"
    if vtype == "date":
        parsed = f"CAST(try_strptime({v}, {_fmt_list(DATE_FORMATS)}) AS DATE)"
        return parsed, f"CASE WHEN {v} IS NOT NULL AND {parsed} IS NULL THEN 'invalid date' END"
    if vtype in ("amount", "quantity"):
        bare = (
            f"replace(regexp_replace({v}, '^(¥|￥|CNY|RMB)\\s*', '', 'i'), ',', '')"
            if vtype == "amount"
            else v
        )
        number = f"(regexp_full_match({bare}, '-?[0-9]+(\\.[0-9]+)?'))"
        digits = 2 if vtype == "amount" else 3
        scale = f"(regexp_full_match({bare}, '-?[0-9]+(\\.[0-9]{{1,{digits}}})?'))"
        value = f"CASE WHEN {scale} THEN TRY_CAST({bare} AS DECIMAL(18,{digits})) END"
        if vtype == "amount":
            bound, bound_msg = f"{value} <= 0", "amount must be greater than 0"
        else:
            bound, bound_msg = f"{value} < 0", "quantity must not be negative"
        error = (
            f"CASE WHEN {v} IS NULL THEN NULL "
            f"WHEN NOT {number} THEN 'invalid {vtype}' "
            f"WHEN NOT {scale} THEN '{vtype} has more than {digits} decimal places' "
            f"WHEN {value} IS NULL THEN '{vtype} out of range' "
            f"WHEN {bound} THEN '{bound_msg}' END"
        )
        return f"CASE WHEN NOT ({bound}) THEN {value} END", error
    if vtype == "duration":
        secs = f"regexp_full_match({v}, '[0-9]{{1,9}}')"
        hms = f"regexp_full_match({v}, '[0-9]{{1,5}}:[0-5][0-9]:[0-5][0-9]')"
        value = (
            f"CASE WHEN {secs} THEN CAST({v} AS INTEGER) WHEN {hms} THEN "
            f"CAST(split_part({v}, ':', 1) AS INTEGER) * 3600 + "
            f"CAST(split_part({v}, ':', 2) AS INTEGER) * 60 + "
            f"CAST(split_part({v}, ':', 3) AS INTEGER) END"
        )
        error = (
            f"CASE WHEN {v} IS NOT NULL AND NOT ({secs} OR {hms}) "
            "THEN 'invalid duration (whole seconds >= 0 or H:MM:SS)' END"
        )
        return value, error
    if vtype == "relation":
        value = _map_case(v, RELATIONS, "lower")
        return value, (
            f"CASE WHEN {v} IS NOT NULL AND {value} IS NULL "
            "THEN 'unknown relation (spouse, parent, sibling, relative)' END"
        )
    if vtype == "sex":
        value = _map_case(v, SEX_VALUES, "lower")
        return value, f"CASE WHEN {v} IS NOT NULL AND {value} IS NULL THEN 'unknown sex' END"
    if vtype == "currency":
        value = f"CASE WHEN {v} IN ('人民币', '¥', '￥', 'RMB') THEN 'CNY' ELSE upper({v}) END"
        return value, (
            f"CASE WHEN {v} IS NOT NULL AND NOT regexp_full_match({value}, '[A-Z]{{3}}') "
            "THEN 'invalid currency (ISO 4217 code)' END"
        )
    raise ValueError(f"no SQL parser for value type {vtype!r}")


def _parse_one(vtype: str, raw: str, tz: str = DEFAULT_TZ):
    value, error = sql_value(vtype, "v", tz)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        got, reason = con.execute(
            f"SELECT {value}, {error} FROM (SELECT nullif(trim(CAST(? AS VARCHAR)), '') AS v)",
            [raw],
        ).fetchall()[0]
    finally:
        con.close()
    if reason is not None:
        raise ValueError(f"{reason}: {raw!r}")
    if got is None:
        raise ValueError(f"empty value: {raw!r}")
    return got


def parse_timestamp(raw: str, tz: str = DEFAULT_TZ) -> dt.datetime:
    """Parse a contract timestamp given in local time ``tz``; returns an aware UTC datetime.

    Examples
    --------
    >>> parse_timestamp("2019/04/01 08:00", tz="UTC").isoformat()
    '2019-04-01T08:00:00+00:00'
    """
    return _parse_one("timestamp", raw, tz).astimezone(dt.UTC)


def parse_date(raw: str) -> dt.date:
    """Parse a contract date.

    Examples
    --------
    >>> parse_date("20190228")
    datetime.date(2019, 2, 28)
    """
    return _parse_one("date", raw)


def parse_amount(raw: str):
    """Parse an amount (``¥1,200.50``) into a :class:`decimal.Decimal`.

    Examples
    --------
    >>> parse_amount("CNY 1,200.5")
    Decimal('1200.50')
    """
    return _parse_one("amount", raw)


def parse_duration(raw: str) -> int:
    """Parse a call duration into whole seconds.

    Examples
    --------
    >>> parse_duration("0:01:05")
    65
    """
    return _parse_one("duration", raw)


def file_name(path) -> str:
    r"""The name of a file without its directories (``/`` or ``\`` separated): what a shared
    file may say about where a record came from, never the analyst's folders.

    >>> file_name("/home/li wei/case <x>/stays.csv"), file_name(r"C:\Users\li\calls.csv")
    ('stays.csv', 'calls.csv')
    >>> file_name(None) is None
    True
    """
    if path is None or (isinstance(path, float) and path != path):
        return path
    return str(path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
