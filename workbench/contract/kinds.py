"""The data contract as data: record kinds, columns, value types, header aliases.

Nothing here has logic beyond lookups; ``ingest`` and ``store`` read these tables.

Examples
--------
>>> KINDS["calls"].required
('caller', 'callee', 'started_at')
>>> kind_from_filename("2019-04_calls.xlsx")
'calls'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "Column",
    "Kind",
    "PERSON_KINDS",
    "IDENTITY_COLUMNS",
    "IDENTITY_ALIASES",
    "GIVEN_PERSON_ID",
    "stored_column",
    "KINDS",
    "KIND_NAMES",
    "PRESENCE_KINDS",
    "RELATIONS",
    "SEX_VALUES",
    "TRAFFICKING_CHARGE",
    "DRUG_CHARGE",
    "kind_from_filename",
    "canonical_header",
]


@dataclass(frozen=True)
class Column:
    """One canonical column of a record kind.

    ``vtype`` names the parser: ``id``, ``text``, ``phone``, ``account``, ``id_number``,
    ``timestamp``, ``date``, ``amount``, ``duration``, ``quantity``, ``relation``, ``sex``,
    ``currency``.
    """

    name: str
    vtype: str
    required: bool = False


@dataclass(frozen=True)
class Kind:
    """A record kind: its canonical columns and the Chinese header aliases."""

    name: str
    columns: tuple[Column, ...]
    aliases: dict[str, str]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _k(name: str, cols: list[tuple[str, str, bool]], aliases: dict[str, str]) -> Kind:
    if name in PERSON_KINDS:
        aliases = {**IDENTITY_ALIASES, **aliases}
        if name != "persons":
            aliases.pop("绰号", None)
            aliases.pop("别名", None)
    return Kind(name, tuple(Column(n, t, r) for n, t, r in cols), aliases)


#: kinds whose records name a person (by person_id, ID number or name: "Who a record names")
PERSON_KINDS: tuple[str, ...] = ("persons", "phones", "accounts", "arrests", "stays",
                                 "visits", "trips")
#: the identity columns of a record that names a person, as its source gave them
IDENTITY_COLUMNS: tuple[str, ...] = ("person_id", "id_number", "name", "birth_date", "sex")
#: Chinese headers of the identity columns, for every kind that names a person
IDENTITY_ALIASES: dict[str, str] = {
    "姓名": "name", "机主姓名": "name", "户名": "name", "开户人": "name", "客户名称": "name",
    "身份证号": "id_number", "证件号码": "id_number", "机主证件号码": "id_number",
    "开户证件号": "id_number", "身份证号码": "id_number", "出生日期": "birth_date",
    "性别": "sex", "绰号": "aliases", "别名": "aliases",
}
# the identity columns added to a kind after person_id, in their stored order
_WHO = [("id_number", "id_number", False), ("name", "text", False),
        ("birth_date", "date", False), ("sex", "sex", False)]
_WHO_DATES = [("birth_date", "date", False), ("sex", "sex", False)]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        _k(
            "persons",
            [
                ("person_id", "id", False),
                ("name", "text", True),
                ("id_number", "id_number", False),
                ("birth_date", "date", False),
                ("sex", "sex", False),
                ("address", "text", False),
                ("household_id", "id", False),
                ("aliases", "text", False),
            ],
            {
                "人员编号": "person_id",
                "姓名": "name",
                "身份证号": "id_number",
                "出生日期": "birth_date",
                "性别": "sex",
                "住址": "address",
                "户号": "household_id",
            },
        ),
        _k(
            "phones",
            [
                ("phone", "phone", True),
                ("person_id", "id", False),
                ("since", "date", False),
                ("until", "date", False),
                *_WHO,
            ],
            {
                "手机号码": "phone",
                "号码": "phone",
                "人员编号": "person_id",
                "启用日期": "since",
                "停用日期": "until",
            },
        ),
        _k(
            "accounts",
            [
                ("account_id", "account", True),
                ("person_id", "id", False),
                ("bank", "text", False),
                *_WHO,
            ],
            {"账号": "account_id", "卡号": "account_id", "人员编号": "person_id", "开户行": "bank"},
        ),
        _k(
            "calls",
            [
                ("caller", "phone", True),
                ("callee", "phone", True),
                ("started_at", "timestamp", True),
                ("duration_s", "duration", False),
                ("cell_id", "text", False),
            ],
            {
                "主叫号码": "caller",
                "被叫号码": "callee",
                "通话开始时间": "started_at",
                "通话时间": "started_at",
                "通话时长": "duration_s",
                "基站": "cell_id",
            },
        ),
        _k(
            "transactions",
            [
                ("from_account", "account", True),
                ("to_account", "account", True),
                ("amount", "amount", True),
                ("occurred_at", "timestamp", True),
                ("tx_id", "text", False),
                ("currency", "currency", False),
                ("channel", "text", False),
                ("memo", "text", False),
            ],
            {
                "交易流水号": "tx_id",
                "付款账号": "from_account",
                "收款账号": "to_account",
                "交易金额": "amount",
                "交易时间": "occurred_at",
                "币种": "currency",
                "交易渠道": "channel",
                "备注": "memo",
            },
        ),
        _k(
            "arrests",
            [
                ("person_id", "id", False),
                ("arrested_at", "timestamp", True),
                ("arrest_id", "text", False),
                ("case_id", "text", False),
                ("charge", "text", False),
                ("drug", "text", False),
                ("quantity_g", "quantity", False),
                ("location", "text", False),
                *_WHO,
            ],
            {
                "抓获编号": "arrest_id",
                "人员编号": "person_id",
                "案件编号": "case_id",
                "抓获时间": "arrested_at",
                "涉嫌罪名": "charge",
                "毒品种类": "drug",
                "数量克": "quantity_g",
                "抓获地点": "location",
            },
        ),
        _k(
            "kinship",
            [
                ("person_a", "id", True),
                ("person_b", "id", True),
                ("relation", "relation", True),
            ],
            {"人员编号a": "person_a", "人员编号b": "person_b", "关系": "relation"},
        ),
        _k(
            "stays",
            [
                ("place_id", "id", True),
                ("checked_in", "timestamp", True),
                ("person_id", "id", False),
                ("id_number", "id_number", False),
                ("checked_out", "timestamp", False),
                ("room", "text", False),
                ("place_name", "text", False),
                ("name", "text", False),
                ("address", "text", False),
                *_WHO_DATES,
            ],
            {
                "证件号码": "id_number",
                "身份证号": "id_number",
                "人员编号": "person_id",
                "姓名": "name",
                "旅馆编码": "place_id",
                "旅馆名称": "place_name",
                "房间号": "room",
                "入住时间": "checked_in",
                "退房时间": "checked_out",
                "地址": "address",
            },
        ),
        _k(
            "visits",
            [
                ("place_id", "id", True),
                ("seen_at", "timestamp", True),
                ("person_id", "id", False),
                ("id_number", "id_number", False),
                ("place_name", "text", False),
                ("place_kind", "text", False),
                ("source", "text", False),
                ("name", "text", False),
                ("test_result", "text", False),
                *_WHO_DATES,
            ],
            {
                "证件号码": "id_number",
                "身份证号": "id_number",
                "人员编号": "person_id",
                "姓名": "name",
                "场所编码": "place_id",
                "场所名称": "place_name",
                "场所类型": "place_kind",
                "核查时间": "seen_at",
                "来源": "source",
                "尿检结果": "test_result",
            },
        ),
        _k(
            "trips",
            [
                ("service", "id", True),
                ("departs_at", "timestamp", True),
                ("person_id", "id", False),
                ("id_number", "id_number", False),
                ("origin", "text", False),
                ("destination", "text", False),
                ("seat", "text", False),
                ("mode", "text", False),
                ("name", "text", False),
                *_WHO_DATES,
            ],
            {
                "证件号码": "id_number",
                "身份证号": "id_number",
                "人员编号": "person_id",
                "姓名": "name",
                "车次": "service",
                "航班号": "service",
                "出发时间": "departs_at",
                "出发站": "origin",
                "到达站": "destination",
                "座位号": "seat",
                "交通方式": "mode",
            },
        ),
    ]
}

KIND_NAMES: tuple[str, ...] = tuple(KINDS)

#: kinds that name a person by ``person_id`` or by resident ID number (``id_number``)
PRESENCE_KINDS: tuple[str, ...] = ("stays", "visits", "trips")

#: where a record's ``person_id`` as its source gave it is stored (``person_id`` itself holds
#: the resolved person, NULL when unresolved: see :mod:`workbench.identity`)
GIVEN_PERSON_ID = "given_person_id"


def stored_column(kind: str, column: str) -> str:
    """The store column a contract column is written to: ``person_id`` of a kind that
    names a person goes to :data:`GIVEN_PERSON_ID`.

    >>> stored_column("phones", "person_id"), stored_column("calls", "caller")
    ('given_person_id', 'caller')
    >>> stored_column("kinship", "person_a")  # an id or an ID number, resolved like others
    'given_person_a'
    """
    if column == "person_id" and kind in PERSON_KINDS:
        return GIVEN_PERSON_ID
    if kind == "kinship" and column in ("person_a", "person_b"):
        return "given_" + column
    return column


#: kinship vocabulary: accepted spellings -> canonical relation
RELATIONS: dict[str, str] = {
    "spouse": "spouse",
    "配偶": "spouse",
    "parent": "parent",
    "父母": "parent",
    "sibling": "sibling",
    "兄弟姐妹": "sibling",
    "relative": "relative",
    "亲属": "relative",
}

#: sex vocabulary (GB/T 2261.1 codes 1 and 2 included) -> 'M' / 'F'
SEX_VALUES: dict[str, str] = {
    "m": "M",
    "male": "M",
    "男": "M",
    "1": "M",
    "f": "F",
    "female": "F",
    "女": "F",
    "2": "F",
}

#: regular expression (lower-cased charge text) of trafficking charges: selling, transporting,
#: making, smuggling drugs (Criminal Law art. 347) and their English spellings
TRAFFICKING_CHARGE = (r"贩卖|运输|制造|走私|贩毒|容留|"
                      r"traffick|sell|sale|supply|distribut|smuggl|manufactur")
#: any drug-related charge, use included (吸毒: drug use)
DRUG_CHARGE = TRAFFICKING_CHARGE + r"|毒|drug|narcotic|possess"

# file-name words that tell a kind: singular and plural names, and common Chinese export names
_STEM_WORDS: dict[str, str] = {}
for _name in KIND_NAMES:
    _STEM_WORDS[_name] = _name
    _STEM_WORDS[_name.rstrip("s")] = _name
_STEM_WORDS["kinships"] = "kinship"
_STEM_WORDS.update(
    {
        "人员": "persons",
        "号码": "phones",
        "手机": "phones",
        "账户": "accounts",
        "通话": "calls",
        "话单": "calls",
        "交易": "transactions",
        "流水": "transactions",
        "抓获": "arrests",
        "亲属": "kinship",
        "住宿": "stays",
        "旅馆": "stays",
        "场所": "visits",
        "核查": "visits",
        "出行": "trips",
        "票务": "trips",
        "乘车": "trips",
    }
)


def kind_from_filename(filename: str) -> str | None:
    """Tell the record kind from a file name, or ``None`` when it cannot be told.

    The stem is split on ``_ - . space`` and digits; exactly one word must name a kind.

    Examples
    --------
    >>> kind_from_filename("calls_2019-04.csv"), kind_from_filename("Person.xlsx")
    ('calls', 'persons')
    >>> kind_from_filename("data.csv") is None
    True
    """
    stem = filename.rsplit("/", 1)[-1]
    stem = stem.split(".", 1)[0] if "." in stem else stem
    words = [w for w in re.split(r"[\s_\-.0-9]+", stem.lower()) if w]
    found = {_STEM_WORDS[w] for w in words if w in _STEM_WORDS}
    if not found:
        for word, kind in _STEM_WORDS.items():
            if not word.isascii() and word in stem:
                found.add(kind)
    return found.pop() if len(found) == 1 else None


def canonical_header(header: str) -> str:
    """The comparison key of a header: NFKC, trimmed, BOM removed, lower case.

    Examples
    --------
    >>> canonical_header("\\ufeff Caller ")
    'caller'
    """
    return unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip().lower()
