"""Table-driven tests of every value format in the contract, with hostile strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from workbench.contract.values import (
    parse_account,
    parse_amount,
    parse_date,
    parse_duration,
    parse_id_number,
    parse_phone,
    parse_timestamp,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("138.0013.8000", "+8613800138000"),
        ("(138) 0013 8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("+8613800138000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("86-138-0013-8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),  # full-width digits (NFKC)
        ("13800138000.0", "+8613800138000"),  # Excel float read as text
        ("\ufeff13800138000 ", "+8613800138000"),
        ("0571-87654321", "+8657187654321"),
        ("0571-87654321转802", "+8657187654321"),  # extension dropped
        ("+1 202-555-0143", "+12025550143"),
        ("110", "110"),
        ("10086", "10086"),
        ("95338", "95338"),
        ("123456", "123456"),
    ],
)
def test_phone_formats(raw, expected):
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("1380013800O", "letters"),
        ("abc", "letters"),
        ("1.38001380E+10", "letters"),
        ("<script>alert(1)</script>", "letters"),
        ("'; DROP TABLE calls; --", "letters"),
        ("138*0013#8000", "invalid characters"),
        ("12", "too short"),
        ("", "empty"),
        ("   ", "empty"),
        ("1380013800", "not a valid"),  # 10 digits
        ("138001380001", "not a valid"),  # 12 digits
        ("1234567", "not a valid"),  # local number without area code
        ("13+800138000", "misplaced"),
    ],
)
def test_phone_rejects(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_phone(raw)


def test_phone_region_option():
    assert parse_phone("(202) 555-0143", region="US") == "+12025550143"


@pytest.mark.parametrize(
    "raw, utc",
    [
        ("2019-04-01 23:30:15", dt.datetime(2019, 4, 1, 15, 30, 15, tzinfo=UTC)),
        ("2019-04-01 23:30", dt.datetime(2019, 4, 1, 15, 30, tzinfo=UTC)),
        ("2019-04-01T23:30:15", dt.datetime(2019, 4, 1, 15, 30, 15, tzinfo=UTC)),
        ("2019-04-01T23:30", dt.datetime(2019, 4, 1, 15, 30, tzinfo=UTC)),
        ("2019/04/01 23:30:15", dt.datetime(2019, 4, 1, 15, 30, 15, tzinfo=UTC)),
        ("2019/04/01 23:30", dt.datetime(2019, 4, 1, 15, 30, tzinfo=UTC)),
        ("20190401233015", dt.datetime(2019, 4, 1, 15, 30, 15, tzinfo=UTC)),
        ("20190401 2330", dt.datetime(2019, 4, 1, 15, 30, tzinfo=UTC)),
        ("2019-04-01", dt.datetime(2019, 3, 31, 16, 0, tzinfo=UTC)),  # a date: midnight
        ("2020-02-29 00:00:00", dt.datetime(2020, 2, 28, 16, 0, tzinfo=UTC)),
    ],
)
def test_timestamp_formats_are_local_time(raw, utc):
    assert parse_timestamp(raw) == utc


def test_timestamp_zone_option():
    assert parse_timestamp("2019-07-01 12:00", tz="Europe/Madrid") == dt.datetime(
        2019, 7, 1, 10, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "raw",
    ["2019-02-30 10:00", "2019-02-29 10:00", "2019-13-01 10:00", "2019-04-01 24:00",
     "20190230100000", "yesterday", "2019-04-01 10:00:00+08:00", "<b>2019</b>", "1554130000"],
)
def test_timestamp_rejects(raw):
    with pytest.raises(ValueError, match="invalid timestamp"):
        parse_timestamp(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [("2019-04-01", dt.date(2019, 4, 1)), ("2019/04/01", dt.date(2019, 4, 1)),
     ("20190401", dt.date(2019, 4, 1)), ("2000-02-29", dt.date(2000, 2, 29))],
)
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["1990-02-30", "1900-02-29", "2019-4-1x", "01/04/2019"])
def test_date_rejects(raw):
    with pytest.raises(ValueError, match="invalid date"):
        parse_date(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [("1200", Decimal("1200")), ("1200.5", Decimal("1200.50")), ("¥1,200.50", Decimal("1200.50")),
     ("￥ 88", Decimal("88")), ("CNY 1,000,000.00", Decimal("1000000.00")),
     ("RMB300", Decimal("300")), ("0.01", Decimal("0.01"))],
)
def test_amounts(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    "raw, reason",
    [("0", "greater than 0"), ("-5", "greater than 0"), ("0.00", "greater than 0"),
     ("1.234", "more than 2 decimal"), ("abc", "invalid amount"), ("1e5", "invalid amount"),
     ("$100", "invalid amount"), ("1,2,3.4.5", "invalid amount")],
)
def test_amount_rejects(raw, reason):
    with pytest.raises(ValueError, match=reason):
        parse_amount(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [("0", 0), ("65", 65), ("0:01:05", 65), ("1:00:00", 3600), ("12:34:56", 45296)],
)
def test_durations(raw, expected):
    assert parse_duration(raw) == expected


@pytest.mark.parametrize("raw", ["-5", "1.5", "1:5:00", "0:60:00", "abc", "01:05"])
def test_duration_rejects(raw):
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(raw)


def test_id_numbers():
    assert parse_id_number("11010519491231002X") == "11010519491231002X"
    assert parse_id_number("110105491231002") == "11010519491231002X"  # legacy: 15 -> 18
    for bad, reason in [("110105194912310021", "checksum"), ("1101051949123100", "18 char"),
                        ("110105194902300027", "birth date"), ("<img>", "18 char")]:
        with pytest.raises(ValueError, match=reason):
            parse_id_number(bad)


def test_accounts():
    assert parse_account("6222 0212-3456 7890") == "6222021234567890"
    assert parse_account("6222021234567890.0") == "6222021234567890"
    with pytest.raises(ValueError, match="control"):
        parse_account("6222\x00021")
    with pytest.raises(ValueError, match="longer"):
        parse_account("9" * 65)


def test_mobile_fast_path_agrees_with_phonenumbers():
    import numpy as np
    import phonenumbers

    rng = np.random.default_rng(3)
    for n in rng.integers(10_000_000_000, 20_000_000_000, size=3000):
        raw = str(n)
        try:
            num = phonenumbers.parse(raw, "CN")
            expected = (phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
                        if phonenumbers.is_valid_number(num) else None)
        except phonenumbers.NumberParseException:
            expected = None
        try:
            got = parse_phone(raw)
        except ValueError:
            got = None
        assert got == expected, raw
