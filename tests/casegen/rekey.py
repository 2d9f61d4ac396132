"""Re-keyed county: the sample county written the way real exports name people.

:func:`rekey_county` reads a county written by ``workbench sample`` (every record carries the
case's ``person_id``; ``persons.csv`` is the registry) and writes the same case as the
sources would really send it, with the ground truth of who each record names in
``identity_truth.json``:

=====================  =====================================================================
``persons.csv``        the population registry (常住人口), its own person numbers (the
                       sample's ``person_id``), Chinese headers; omitted with
                       ``registry=False``
``phones.csv``         carrier subscriber file (机主信息): 手机号码, 机主姓名, 机主证件号码,
                       启用日期, 停用日期; no person id; recycled numbers and numbers
                       registered to a parent
``accounts.csv``       bank account-holder file (开户信息): 卡号, 户名, 开户证件号, 开户行;
                       about a fifth of the names in upper-case pinyin
``arrests.csv``        name and ID number, some rows name, birth date and sex only
``stays.csv`` ...      ``visits.csv``, ``trips.csv``: ID number and name only
``kinship.csv``        person numbers, or ID numbers for about half the rows (all rows
                       without a registry)
``calls.csv``          every valid call of the source, callers rewritten for recycled numbers
``transactions*.csv``  copied byte for byte
``truth.json``         the source's truth (rings by person id), ``files`` restated
=====================  =====================================================================

ID faults are drawn per record (``no_id``, ``digit``, ``swap``, ``id15``); see
:data:`DEFAULT_RATES`. Everything is deterministic in ``seed``: the same source and seed give
byte-identical files.

Examples
--------
>>> from pathlib import Path
>>> truth = rekey_county(Path("sample_data"), Path("/tmp/rekeyed"), seed=1)  # doctest: +SKIP
>>> truth["records"][0]["kind"]  # doctest: +SKIP
'persons'
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "COMMON_NAMES", "DEFAULT_RATES", "id15_to_18", "id18_to_15", "id_check_char", "id_valid",
    "read_frame", "rekey_county", "to_pinyin",
]

START = dt.datetime(2019, 1, 1)
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"

#: Fault rates. ``no_id``/``digit``/``swap``/``id15`` are per ID-bearing record (``id15`` among
#: records of persons born in the 1900s, the only ones a 15-digit number can exist for);
#: ``arrests.no_id`` overrides ``no_id`` for arrests; ``no_id_birth`` is the share of ID-less
#: arrest rows that carry birth date and sex; ``pinyin`` is per person account; ``relatives``
#: and ``recycled`` are per phones row of the source; ``kin_by_id`` per kinship row.
DEFAULT_RATES: dict[str, float] = {
    "no_id": 0.08, "digit": 0.04, "swap": 0.03, "id15": 0.05, "pinyin": 0.20,
    "relatives": 0.03, "recycled": 0.01, "kin_by_id": 0.5, "arrests.no_id": 0.30,
    "no_id_birth": 0.6,
}

#: Names made common in the county (name, sex): each is held by several persons.
COMMON_NAMES: list[tuple[str, str]] = [
    ("张伟", "M"), ("王芳", "F"), ("李娜", "F"), ("刘洋", "M"), ("王伟", "M"), ("李强", "M"),
    ("张敏", "F"), ("王静", "F"),
]

_ALIASES = {
    "人员编号": "person_id", "姓名": "name", "身份证号": "id_number", "证件号码": "id_number",
    "身份证号码": "id_number", "出生日期": "birth_date", "性别": "sex", "住址": "address",
    "户号": "household_id", "手机号码": "phone", "号码": "phone", "启用日期": "since",
    "停用日期": "until", "账号": "account_id", "卡号": "account_id", "开户行": "bank",
    "主叫号码": "caller", "被叫号码": "callee", "通话开始时间": "started_at",
    "通话时间": "started_at", "通话时长": "duration_s", "基站": "cell_id",
    "人员编号a": "person_a", "人员编号b": "person_b", "关系": "relation",
    "旅馆编码": "place_id", "旅馆名称": "place_name", "房间号": "room", "入住时间": "checked_in",
    "退房时间": "checked_out", "地址": "address", "场所编码": "place_id",
    "场所名称": "place_name", "场所类型": "place_kind", "核查时间": "seen_at", "来源": "source",
    "尿检结果": "test_result", "车次": "service", "航班号": "service", "出发时间": "departs_at",
    "出发站": "origin", "到达站": "destination", "座位号": "seat", "交通方式": "mode",
    "抓获编号": "arrest_id", "案件编号": "case_id", "抓获时间": "arrested_at",
    "涉嫌罪名": "charge", "毒品种类": "drug", "数量克": "quantity_g", "抓获地点": "location",
    "机主姓名": "name", "机主证件号码": "id_number", "户名": "name", "开户证件号": "id_number",
}
_RELATIONS = {"spouse": "spouse", "parent": "parent", "sibling": "sibling",
              "relative": "relative", "配偶": "spouse", "父母": "parent",
              "兄弟姐妹": "sibling", "亲属": "relative"}
_RELATION_ZH = {"spouse": "配偶", "parent": "父母", "sibling": "兄弟姐妹", "relative": "亲属"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")
_SURNAME_PY = {"曾": "ZENG", "单": "SHAN", "解": "XIE", "区": "OU", "仇": "QIU", "朴": "PIAO",
               "查": "ZHA", "覃": "QIN", "盖": "GE", "乐": "YUE", "缪": "MIAO", "翟": "ZHAI",
               "重": "CHONG", "尉迟": "YUCHI", "万俟": "MOQI", "长孙": "ZHANGSUN"}
_COMPOUND = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
             "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "西门", "南宫", "万俟", "独孤",
             "呼延", "申屠"}
_PID = re.compile(r"^P\d{6}$")


# -- resident ID numbers ---------------------------------------------------------------------
def id_check_char(body: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number.

    Parameters
    ----------
    body : str
        At least 17 characters; the first 17 must be digits.

    Returns
    -------
    str
        One of ``0123456789X``.
    """
    return _CHECK[sum(int(d) * w for d, w in zip(body[:17], _W, strict=True)) % 11]


def id_valid(idn: str) -> bool:
    """Whether ``idn`` is an 18-character resident ID whose check character holds.

    Parameters
    ----------
    idn : str
        Candidate ID number.

    Returns
    -------
    bool
    """
    return (isinstance(idn, str) and len(idn) == 18 and idn[:17].isdigit()
            and idn[17] == id_check_char(idn))


def id15_to_18(id15: str) -> str:
    """Convert a legacy 15-digit ID (region, YYMMDD, sequence) to 18 characters.

    Parameters
    ----------
    id15 : str
        Fifteen digits.

    Returns
    -------
    str
        The 18-character number (century ``19``, check character appended).
    """
    body = id15[:6] + "19" + id15[6:15]
    return body + id_check_char(body)


def id18_to_15(id18: str) -> str:
    """The legacy 15-digit form of an 18-character ID of a person born in the 1900s.

    Parameters
    ----------
    id18 : str
        A valid 18-character ID number with century digits ``19``.

    Returns
    -------
    str
        Region (6) + YYMMDD (6) + sequence (3).
    """
    if id18[6:8] != "19":
        raise ValueError(f"no 15-digit form for a birth outside the 1900s: {id18}")
    return id18[:6] + id18[8:17]


@functools.cache
def to_pinyin(name: str) -> str:
    """Upper-case pinyin of a Chinese name as card systems write it.

    Surname, a space, the given name's syllables joined: 张伟 → ``ZHANG WEI``,
    欧阳娜娜 → ``OUYANG NANA``. Uses :mod:`pypinyin`, with surname readings fixed
    (曾 → ``ZENG``, 单 → ``SHAN``).

    Parameters
    ----------
    name : str
        Name in Chinese characters.

    Returns
    -------
    str
    """
    from pypinyin import Style, lazy_pinyin

    surname = name[:2] if name[:2] in _COMPOUND else name[:1]
    given = name[len(surname):]
    sur = _SURNAME_PY.get(surname) or "".join(lazy_pinyin(surname, style=Style.NORMAL)).upper()
    giv = "".join(lazy_pinyin(given, style=Style.NORMAL)).upper()
    return f"{sur} {giv}".strip()


# -- reading the source county ---------------------------------------------------------------
def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_frame(path: Path, *, quoting: bool = True) -> pd.DataFrame:
    """Read a CSV or xlsx export as text columns named canonically (Chinese aliases mapped).

    Parameters
    ----------
    path : Path
        The file (UTF-8 with or without BOM, or GB18030; ``.xlsx`` read with openpyxl).
    quoting : bool
        Honour CSV quotes; ``False`` reads quotes as text (a stray quote then damages one
        line only). Lines with a wrong number of fields are skipped.

    Returns
    -------
    pandas.DataFrame
        All columns as ``str``, empty string for missing; for xlsx, date cells become
        ``YYYY-MM-DD HH:MM:SS``.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        rows = list(wb.active.iter_rows(values_only=True))
        wb.close()

        def cell(v) -> str:
            if v is None:
                return ""
            if isinstance(v, dt.datetime):
                return v.strftime("%Y-%m-%d %H:%M:%S")
            return str(v)

        header = [cell(h) for h in rows[0]]
        df = pd.DataFrame([[cell(v) for v in r] for r in rows[1:]], columns=header, dtype=str)
    else:
        df = pd.read_csv(io.StringIO(_decode(path)), dtype=str, keep_default_na=False,
                         on_bad_lines="skip", engine="c",
                         quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE)
    df.columns = [_ALIASES.get(str(c).strip().lower(), str(c).strip().lower())
                  for c in df.columns]
    return df.fillna("").astype(str).apply(lambda s: s.str.strip())


def _source_files(src: Path, kind: str) -> list[Path]:
    """Files of one kind by stem (``calls_2019-01_03.csv`` is ``calls``)."""
    found = []
    for p in sorted(src.iterdir()):
        if p.suffix.lower() not in (".csv", ".xlsx"):
            continue
        stem = p.stem.lower()
        if stem == kind or stem == kind.rstrip("s") or stem.startswith(kind + "_") \
                or stem.endswith("_" + kind):
            found.append(p)
    return found


def _read_kind(src: Path, kind: str, *, quoting: bool = True) -> pd.DataFrame:
    frames = [read_frame(p, quoting=quoting) for p in _source_files(src, kind)]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).fillna("")


def _phone_e164(s: pd.Series) -> pd.Series:
    """E.164 for CN numbers, short service numbers as given, ``""`` when not a number."""
    t = s.astype(str).str.strip()
    wide = t.str.contains("[０-９＋]", regex=True)
    if wide.any():
        t = t.mask(wide, t[wide].str.translate(_FULLWIDTH))
    letters = t.str.contains(r"[^0-9 +\-.()]", regex=True)
    raw = t.str.replace(r"\D", "", regex=True)
    short = raw.str.len().between(3, 6) & ~t.str.startswith("+")
    d = raw.mask(raw.str.startswith("0086"), raw.str[4:])
    d = d.mask((d.str.len() == 13) & d.str.startswith("86"), d.str[2:])
    d = d.mask((d.str.len() == 12) & d.str.startswith("0"), d.str[1:])
    out = ("+86" + d).where((d.str.len() == 11) & ~letters, "")
    return out.mask(short & ~letters, raw)


def _national(e164: pd.Series) -> pd.Series:
    """How carrier files spell a number: 11-digit mobile, ``0`` + landline, short as is."""
    nat = e164.str.replace("+86", "", n=1, regex=False)
    cn = e164.str.startswith("+86")
    return e164.mask(cn, nat.mask(~nat.str.startswith("1"), "0" + nat))


def _ts(s: pd.Series) -> pd.Series:
    """Parse the sample's timestamp and date spellings by their digits; NaT when invalid."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = s.astype(str).str.replace(r"\D", "", regex=True)
    n = digits.str.len().to_numpy()
    arr = pa.array(digits.tolist(), type=pa.string())
    out = pa.nulls(len(arr), type=pa.timestamp("s"))
    for length, fmt in ((14, "%Y%m%d%H%M%S"), (12, "%Y%m%d%H%M"), (8, "%Y%m%d")):
        m = n == length
        if m.any():
            parsed = pc.strptime(arr, format=fmt, unit="s", error_is_null=True)
            # strptime rolls 02-30 over to 03-02: keep only what formats back to itself
            same = pc.equal(pc.strftime(parsed, format=fmt), arr)
            keep = pc.and_kleene(pa.array(m), pc.fill_null(same, False))
            out = pc.if_else(keep, parsed, out)
    return pd.Series(out.to_numpy(zero_copy_only=False), index=s.index,
                     dtype="datetime64[us]")


def _days(t: pd.Series) -> pd.Series:
    """Day index from 2019-01-01 (float, NaN for NaT)."""
    return ((t - pd.Timestamp(START)) // pd.Timedelta(days=1)).astype("float64")


def _day_str(d) -> str:
    if d is None or (isinstance(d, float) and np.isnan(d)):
        return ""
    return (START.date() + dt.timedelta(days=int(d))).isoformat()


def _person_ids_in(doc) -> set[str]:
    """Every ``P000123``-style string anywhere in a JSON document."""
    found: set[str] = set()
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, str) and _PID.match(x):
            found.add(x)
    return found


# -- the registry ----------------------------------------------------------------------------
def _read_registry(src: Path) -> pd.DataFrame:
    df = _read_kind(src, "persons")
    sex = df["sex"].map({"M": "M", "F": "F", "男": "M", "女": "F", "m": "M", "f": "F"})
    birth = _ts(df["birth_date"])
    ok = ((df["person_id"] != "") & (df["name"] != "") & sex.notna() & birth.notna()
          & df["id_number"].map(id_valid))
    out = pd.DataFrame({
        "person_id": df["person_id"], "name": df["name"], "id_number": df["id_number"],
        "birth_date": birth.dt.strftime("%Y-%m-%d"), "sex": sex,
        "address": df.get("address", ""), "household_id": df.get("household_id", ""),
    })[ok]
    return out.drop_duplicates("person_id").reset_index(drop=True)


def _make_common_names(reg: pd.DataFrame, rng: np.random.Generator) -> list[dict]:
    """Rename persons so that each of :data:`COMMON_NAMES` is held by several of them."""
    per_name = max(6, len(reg) // 500)
    common = {n for n, _ in COMMON_NAMES}
    renamed = []
    for name, sex in COMMON_NAMES:
        need = per_name - int((reg["name"] == name).sum())
        if need <= 0:
            continue
        free = (reg["sex"] == sex) & ~reg["name"].isin(common)
        same = np.flatnonzero((free & (reg["name"].str[0] == name[0])).to_numpy())
        other = np.flatnonzero((free & (reg["name"].str[0] != name[0])).to_numpy())
        take = list(rng.permutation(same)[:need])
        if len(take) < need:
            take += list(rng.permutation(other)[:need - len(take)])
        for i in sorted(int(i) for i in take):
            renamed.append({"person_id": reg.at[i, "person_id"], "old": reg.at[i, "name"],
                            "new": name})
            reg.at[i, "name"] = name
    return renamed


# -- faults ----------------------------------------------------------------------------------
def _id_faults(ids: list[str], rng: np.random.Generator, r: dict, no_id: float
               ) -> tuple[list[str], list[str | None]]:
    """Apply ``no_id``/``digit``/``swap``/``id15`` to valid 18-character IDs."""
    n = len(ids)
    u, pos_u, dig_u = rng.random(n), rng.random(n), rng.random(n)
    a = no_id
    b = a + r["digit"]
    c = b + r["swap"]
    d = c + r["id15"]
    out: list[str] = list(ids)
    faults: list[str | None] = [None] * n
    for i in np.flatnonzero(u < d):
        idn = ids[i]
        if not idn:
            continue
        if u[i] < a:
            out[i], faults[i] = "", "no_id"
        elif u[i] < b:
            p = int(pos_u[i] * 17)
            new = (int(idn[p]) + 1 + int(dig_u[i] * 9)) % 10
            out[i], faults[i] = idn[:p] + str(new) + idn[p + 1:], "digit"
        elif u[i] < c:
            cand = [j for j in range(16) if idn[j] != idn[j + 1]]
            j = cand[int(pos_u[i] * len(cand))]
            out[i], faults[i] = idn[:j] + idn[j + 1] + idn[j] + idn[j + 2:], "swap"
        elif idn[6:8] == "19":
            out[i], faults[i] = id18_to_15(idn), "id15"
    return out, faults


def _rows(*cols) -> zip:
    """Rows from columns (Series, arrays or lists), read as plain Python lists."""
    return zip(*[c.tolist() if hasattr(c, "tolist") else list(c) for c in cols], strict=True)


def _write_csv(path: Path, header: list[str], rows) -> int:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow(row)
        n += 1
    text = buf.getvalue()
    if text.count("\n") != n + 1:
        raise ValueError(f"{path.name}: a field holds a line break; lines would not match")
    path.write_text(text, encoding="utf-8")
    return n


# -- the generator ---------------------------------------------------------------------------
def rekey_county(src_dir: Path, out_dir: Path, seed: int, *, registry: bool = True,
                 rates: dict[str, float] | None = None, protect_rings: bool = True) -> dict:
    """Write a ``workbench sample`` county as real exports name people; return the truth.

    Parameters
    ----------
    src_dir : Path
        A county written by ``workbench sample`` (``persons.csv``, ``phones.csv``, ...,
        ``truth.json``).
    out_dir : Path
        Where to write the re-keyed files and ``identity_truth.json`` (created).
    seed : int
        Random seed; the same source and seed give byte-identical output.
    registry : bool
        Write ``persons.csv``. Without it every kinship row names people by ID number and
        the case must be resolved from ID numbers alone.
    rates : dict, optional
        Overrides of :data:`DEFAULT_RATES`.
    protect_rings : bool
        Keep every person named in the source ``truth.json`` (ring members, buyers,
        look-alikes) out of recycled numbers and numbers registered to relatives, so that
        the rings stay comparable. ID and name faults apply to everyone.

    Returns
    -------
    dict
        The document written to ``identity_truth.json``: ``records`` (one per data row of
        every person-naming file: ``kind``, ``file``, ``line`` (1-based physical line,
        header is line 1), ``key``, ``true_person``, ``fault``, ``category``
        (``id``/``name_only``/``org``/``registry``/``kinship``), ``shared_name``, and
        ``pinyin``/``user``/``true_person_b`` where they apply), ``recycled``,
        ``relatives_phones``, ``persons``, ``renamed``, ``common_names``, ``rates``,
        ``files``.
    """
    src, out = Path(src_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    r = {**DEFAULT_RATES, **(rates or {})}

    def stream(k: int) -> np.random.Generator:
        return np.random.default_rng([seed, k])

    src_truth = json.loads((src / "truth.json").read_text(encoding="utf-8"))
    protected = _person_ids_in(src_truth) if protect_rings else set()
    reg = _read_registry(src)
    renamed = _make_common_names(reg, stream(1))
    person = reg.set_index("person_id")
    name_of = person["name"].to_dict()
    idn_of = person["id_number"].to_dict()
    birth_of = person["birth_date"].to_dict()
    sex_of = person["sex"].to_dict()
    pid_of_id = {v: k for k, v in idn_of.items()}
    records: list[dict] = []
    files: dict[str, dict] = {}
    dropped: dict[str, int] = {}

    # kinship (read first: relatives need parents)
    kin = _read_kind(src, "kinship")
    rel = kin["relation"].map(_RELATIONS)
    ok = rel.notna() & kin["person_a"].isin(idn_of.keys()) & kin["person_b"].isin(
        idn_of.keys()) & (kin["person_a"] != kin["person_b"])
    dropped["kinship"] = int((~ok).sum())
    kin = pd.DataFrame({"a": kin["person_a"], "b": kin["person_b"], "rel": rel})[ok]
    kin = kin.drop_duplicates().reset_index(drop=True)
    parents: dict[str, list[str]] = {}
    par = kin[kin["rel"] == "parent"]
    for a, b in _rows(par["a"], par["b"]):
        parents.setdefault(b, []).append(a)

    # phones
    ph = _read_kind(src, "phones")
    e164 = _phone_e164(ph["phone"])
    since, until = _ts(ph["since"]), _ts(ph["until"])
    ok = ((e164 != "") & ph["person_id"].isin(idn_of.keys())
          & ((ph["since"] == "") | since.notna()) & ((ph["until"] == "") | until.notna())
          & ~(since > until))
    dropped["phones"] = int((~ok).sum())
    ph = pd.DataFrame({"phone": e164, "reg": ph["person_id"], "since": _days(since),
                       "until": _days(until)})[ok]
    ph = ph.drop_duplicates().reset_index(drop=True)
    ph["user"] = ph["reg"]
    open_row = ph["since"].isna() & ph["until"].isna()
    rows_per_phone = ph.groupby("phone")["phone"].transform("size")
    rows_per_person = ph.groupby("reg")["reg"].transform("size")
    single = open_row & (rows_per_phone == 1) & (rows_per_person == 1)

    # numbers registered to a parent
    rng = stream(2)
    age = 2019 - pd.to_numeric(ph["reg"].map(birth_of).str[:4])
    cand = np.flatnonzero((single & age.between(14, 25) & ~ph["reg"].isin(protected)
                           & ph["reg"].map(lambda p: any(
                               q not in protected for q in parents.get(p, [])))).to_numpy())
    n_rel = min(len(cand), int(round(r["relatives"] * len(ph))))
    relatives = []
    involved: set[str] = set()
    for i in sorted(int(i) for i in rng.choice(cand, size=n_rel, replace=False)):
        child = ph.at[i, "reg"]
        options = sorted(q for q in parents[child] if q not in protected)
        parent = options[int(rng.integers(len(options)))]
        ph.at[i, "reg"] = parent
        involved |= {child, parent}
        relatives.append({"index": i, "phone": ph.at[i, "phone"], "registered": parent,
                          "user": child})

    # recycled numbers: A, then B, then A again
    rng = stream(3)
    cand = np.flatnonzero((single & ~ph["reg"].isin(protected | involved)
                           & (ph["reg"] == ph["user"])).to_numpy())
    n_rec = min(len(cand) // 2, int(round(r["recycled"] * len(ph))))
    chosen = rng.permutation(cand)[:2 * n_rec]
    used_numbers = set(ph["phone"])
    recycled = []
    extra_rows: dict[int, list[dict]] = {}
    for k in range(n_rec):
        ia, ib = int(chosen[2 * k]), int(chosen[2 * k + 1])
        x, a, y, b = ph.at[ia, "phone"], ph.at[ia, "reg"], ph.at[ib, "phone"], ph.at[ib, "reg"]
        t1 = int(rng.integers(30, 71))
        t2 = t1 + int(rng.integers(40, 71))
        while True:
            temp = f"+86170{int(rng.integers(0, 10**8)):08d}"
            if temp not in used_numbers:
                used_numbers.add(temp)
                break
        ph.at[ia, "until"] = float(t1 - 2)
        extra_rows[ia] = [
            {"phone": x, "reg": b, "user": b, "since": float(t1), "until": float(t2 - 2)},
            {"phone": x, "reg": a, "user": a, "since": float(t2), "until": np.nan},
            {"phone": temp, "reg": a, "user": a, "since": float(t1 - 2), "until": float(t2)},
        ]
        recycled.append({"phone": x, "a": a, "b": b, "b_own_phone": y, "temp_phone": temp,
                         "t1": t1, "t2": t2, "index": ia})
    rows = []
    for i, row in enumerate(ph.to_dict("records")):
        row["src"] = i
        rows.append(row)
        for j, extra in enumerate(extra_rows.get(i, [])):
            rows.append({**extra, "src": i, "extra": j})
    ph = pd.DataFrame(rows)
    line_of_src = {}
    for line, (s, e) in enumerate(zip(ph["src"], ph.get("extra", pd.Series(np.nan,
                                                                          index=ph.index)),
                                      strict=True), start=2):
        line_of_src[(int(s), -1 if pd.isna(e) else int(e))] = line

    # calls: every valid call, rewritten for the recycled numbers
    calls = _read_kind(src, "calls", quoting=False)
    caller, callee = _phone_e164(calls["caller"]), _phone_e164(calls["callee"])
    started = _ts(calls["started_at"])
    dur_txt = calls["duration_s"]
    hms = dur_txt.str.fullmatch(r"\d+:\d{2}:\d{2}")
    dur = pd.to_numeric(dur_txt.where(~hms, None), errors="coerce")
    if hms.any():
        parts = dur_txt[hms].str.split(":", expand=True).astype("int64")
        dur[hms] = parts[0] * 3600 + parts[1] * 60 + parts[2]
    ok = (caller != "") & (callee != "") & started.notna() & (dur >= 0) & (caller != callee)
    dropped["calls"] = int((~ok).sum())
    calls = pd.DataFrame({"caller": caller, "callee": callee, "started_at": started,
                          "duration_s": dur, "cell_id": calls["cell_id"]})[ok]
    calls = calls.drop_duplicates().sort_values("started_at", kind="mergesort")
    calls = calls.reset_index(drop=True)
    day = _days(calls["started_at"]).to_numpy()
    new_caller, new_callee = calls["caller"].tolist(), calls["callee"].tolist()
    # A's number in B's span goes to A's temporary number; B's own number to A's number
    rewrite: dict[str, tuple] = {}
    for rec in recycled:
        rewrite[rec["phone"]] = (rec["t1"] - 2, rec["t2"] - 1, rec["temp_phone"])
        rewrite[rec["b_own_phone"]] = (rec["t1"], rec["t2"] - 3, rec["phone"])
    hit = (calls["caller"].isin(rewrite.keys()) | calls["callee"].isin(rewrite.keys()))
    touched_by: dict[str, list[int]] = {}
    for j in np.flatnonzero(hit.to_numpy()).tolist():
        for side in (new_caller, new_callee):
            rule = rewrite.get(side[j])
            if rule and rule[0] <= day[j] <= rule[1]:
                side[j] = rule[2]
        for num in (new_caller[j], new_callee[j]):
            touched_by.setdefault(num, []).append(j)
    calls["caller"], calls["callee"] = new_caller, new_callee
    n_calls = _write_csv(out / "calls.csv", ["caller", "callee", "started_at", "duration_s",
                                             "cell_id"],
                         _rows(_national(calls["caller"]), _national(calls["callee"]),
                               calls["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                               calls["duration_s"].astype("int64"), calls["cell_id"]))
    files["calls.csv"] = {"kind": "calls", "rows": n_calls}

    # phones.csv and its truth
    periods: dict[str, list[tuple]] = {}
    for p, reg_p, user, s, e in _rows(ph["phone"], ph["reg"], ph["user"], ph["since"],
                                      ph["until"]):
        periods.setdefault(p, []).append((s, e, reg_p, user))

    def holder(number: str, d: float) -> str | None:
        hits = [reg_p for s, e, reg_p, _u in periods.get(number, [])
                if (np.isnan(s) or s <= d) and (np.isnan(e) or d <= e)]
        return hits[0] if len(hits) == 1 else None

    rng = stream(4)
    ids, faults = _id_faults([idn_of[p] for p in ph["reg"].tolist()], rng, r, r["no_id"])
    _write_csv(out / "phones.csv", ["手机号码", "机主姓名", "机主证件号码", "启用日期", "停用日期"],
               _rows(_national(ph["phone"]), ph["reg"].map(name_of), ids,
                     ph["since"].map(_day_str), ph["until"].map(_day_str)))
    files["phones.csv"] = {"kind": "phones", "rows": len(ph)}
    shared = {n for n, c in reg["name"].value_counts().items() if c >= 2}
    for i, (p, reg_p, user) in enumerate(_rows(ph["phone"], ph["reg"], ph["user"])):
        rec = {"kind": "phones", "file": "phones.csv", "line": i + 2, "key": p,
               "true_person": reg_p, "fault": faults[i],
               "category": "id" if ids[i] else "name_only",
               "shared_name": name_of[reg_p] in shared}
        if user != reg_p:
            rec["user"] = user
        records.append(rec)
    relatives_out = [{"phone": x["phone"], "file": "phones.csv",
                      "line": line_of_src[(x["index"], -1)], "registered": x["registered"],
                      "user": x["user"]} for x in relatives]
    recycled_out = []
    caller_np, callee_np = calls["caller"].to_numpy(), calls["callee"].to_numpy()
    for rec in recycled:
        ia = rec["index"]
        lines = [line_of_src[(ia, -1)], line_of_src[(ia, 0)], line_of_src[(ia, 1)]]
        holders = [rec["a"], rec["b"], rec["a"]]
        spans = [(None, rec["t1"] - 2), (rec["t1"], rec["t2"] - 2), (rec["t2"], None)]
        touched = sorted(set(touched_by.get(rec["phone"], []))
                         | set(touched_by.get(rec["temp_phone"], [])))
        recycled_out.append({
            "phone": rec["phone"], "file": "phones.csv",
            "periods": [{"person": h, "since": _day_str(s), "until": _day_str(e), "line": ln}
                        for h, (s, e), ln in zip(holders, spans, lines, strict=True)],
            "temp_phone": {"phone": rec["temp_phone"], "person": rec["a"],
                           "since": _day_str(rec["t1"] - 2), "until": _day_str(rec["t2"]),
                           "line": line_of_src[(ia, 2)]},
            "b_own_phone": rec["b_own_phone"],
            "calls": [{"file": "calls.csv", "line": int(j) + 2,
                       "caller": caller_np[j], "callee": callee_np[j],
                       "caller_person": holder(caller_np[j], day[j]),
                       "callee_person": holder(callee_np[j], day[j])} for j in touched],
        })

    # accounts
    acc = _read_kind(src, "accounts")
    acc_id = acc["account_id"].str.replace(r"\s", "", regex=True)
    ok = (acc_id != "") & (acc["person_id"] != "")
    dropped["accounts"] = int((~ok).sum())
    acc = pd.DataFrame({"account": acc_id, "holder": acc["person_id"],
                        "bank": acc.get("bank", "")})[ok].drop_duplicates().reset_index(drop=True)
    is_person = acc["holder"].isin(idn_of.keys()).to_numpy()
    rng = stream(5)
    ids, faults = _id_faults([idn_of.get(h, "") for h in acc["holder"].tolist()], rng, r,
                             r["no_id"])
    py = (rng.random(len(acc)) < r["pinyin"]) & is_person
    names = [(to_pinyin(name_of[h]) if py[i] else name_of[h]) if is_person[i]
             else _org_name(h) for i, h in enumerate(acc["holder"].tolist())]
    _write_csv(out / "accounts.csv", ["卡号", "户名", "开户证件号", "开户行"],
               _rows(acc["account"], names, ids, acc["bank"]))
    files["accounts.csv"] = {"kind": "accounts", "rows": len(acc)}
    for i, (a_id, h) in enumerate(_rows(acc["account"], acc["holder"])):
        rec = {"kind": "accounts", "file": "accounts.csv", "line": i + 2, "key": a_id,
               "true_person": h, "fault": faults[i] or ("pinyin" if py[i] else None),
               "category": ("id" if ids[i] else "name_only") if is_person[i] else "org",
               "shared_name": bool(is_person[i]) and name_of[h] in shared}
        if py[i]:
            rec["pinyin"] = True
        records.append(rec)

    # arrests
    arr = _read_kind(src, "arrests")
    at = _ts(arr["arrested_at"])
    grams = pd.to_numeric(arr.get("quantity_g", ""), errors="coerce")
    ok = at.notna() & arr["person_id"].isin(idn_of.keys()) & ~(grams < 0)
    dropped["arrests"] = int((~ok).sum())
    arr = arr[ok].assign(arrested_at=at[ok].dt.strftime("%Y-%m-%d %H:%M:%S"))
    arr = arr.drop_duplicates().reset_index(drop=True)
    rng = stream(6)
    ids, faults = _id_faults([idn_of[p] for p in arr["person_id"].tolist()], rng, r,
                             r["arrests.no_id"])
    with_birth = rng.random(len(arr)) < r["no_id_birth"]
    rows = []
    for i, row in enumerate(arr.to_dict("records")):
        p = row["person_id"]
        bs = (birth_of[p], {"M": "男", "F": "女"}[sex_of[p]]) if not ids[i] and with_birth[i] \
            else ("", "")
        rows.append([row.get("arrest_id", ""), name_of[p], ids[i], *bs, row.get("case_id", ""),
                     row["arrested_at"], row.get("charge", ""), row.get("drug", ""),
                     row.get("quantity_g", ""), row.get("location", "")])
        records.append({"kind": "arrests", "file": "arrests.csv", "line": i + 2,
                        "key": row.get("arrest_id", ""), "true_person": p, "fault": faults[i],
                        "category": "id" if ids[i] else "name_only",
                        "shared_name": name_of[p] in shared, "birth_sex": bool(bs[0])})
    _write_csv(out / "arrests.csv", ["抓获编号", "姓名", "身份证号", "出生日期", "性别",
                                     "案件编号", "抓获时间", "涉嫌罪名", "毒品种类", "数量克",
                                     "抓获地点"], rows)
    files["arrests.csv"] = {"kind": "arrests", "rows": len(rows)}

    # stays, visits, trips: by ID number and name
    layouts = {
        "stays": (["证件号码", "姓名", "旅馆编码", "旅馆名称", "房间号", "入住时间", "退房时间"],
                  ["place_id", "place_name", "room", "checked_in", "checked_out"],
                  "checked_in", "place_id"),
        "visits": (["证件号码", "姓名", "场所编码", "场所名称", "场所类型", "核查时间", "来源",
                    "尿检结果"],
                   ["place_id", "place_name", "place_kind", "seen_at", "source", "test_result"],
                   "seen_at", "place_id"),
        "trips": (["证件号码", "姓名", "车次", "出发时间", "出发站", "到达站", "座位号",
                   "交通方式"],
                  ["service", "departs_at", "origin", "destination", "seat", "mode"],
                  "departs_at", "service"),
    }
    regs = {}
    outsider_ids: dict[str, str] = {}
    for kind, (_hdr, cols, tcol, place) in layouts.items():
        df = _read_kind(src, kind)
        t = _ts(df[tcol])
        idn = df.get("id_number", pd.Series("", index=df.index))
        id18 = idn.where(idn.str.len() != 15,
                         idn.map(lambda v: id15_to_18(v) if v.isdigit() and len(v) == 15
                                 else ""))
        pid = df.get("person_id", pd.Series("", index=df.index))
        true = pid.where(pid.isin(idn_of.keys()), id18.map(pid_of_id)).fillna("")
        valid18 = id18.map(id_valid)
        ok = t.notna() & (df[place] != "") & ((true != "") | valid18)
        if kind == "stays":
            t_out = _ts(df["checked_out"])
            ok &= ((df["checked_out"] == "") | t_out.notna()) & ~(t_out < t)
            df["checked_out"] = t_out.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
        dropped[kind] = int((~ok).sum())
        df = df.assign(**{tcol: t.dt.strftime("%Y-%m-%d %H:%M:%S")})
        df["_true"] = true.where(true != "", "ID:" + id18)
        df["_name"] = df.get("name", "")
        df = df[ok][["_true", "_name", *cols]].drop_duplicates().reset_index(drop=True)
        for v in df["_true"]:
            if v.startswith("ID:"):
                outsider_ids.setdefault(v[3:], "")
        regs[kind] = df
    for k, v in enumerate(sorted(outsider_ids), start=1):
        outsider_ids[v] = f"X{k:05d}"
    outsiders: dict[str, dict] = {}
    for kind, (hdr, cols, tcol, place) in layouts.items():
        df = regs[kind]
        true = df["_true"].map(lambda v: outsider_ids[v[3:]] if v.startswith("ID:") else v)
        for key, v, nm in _rows(true, df["_true"], df["_name"]):
            if v.startswith("ID:") and key not in outsiders:
                o = v[3:]
                outsiders[key] = {"name": nm, "id_number": o,
                                  "birth_date": f"{o[6:10]}-{o[10:12]}-{o[12:14]}",
                                  "sex": "M" if int(o[16]) % 2 else "F", "in_registry": False}
        true = true.tolist()
        full_id = [idn_of[p] if p in idn_of else outsiders[p]["id_number"] for p in true]
        names = [name_of[p] if p in name_of else outsiders[p]["name"] for p in true]
        rng = stream(7 + list(layouts).index(kind))
        ids, faults = _id_faults(full_id, rng, r, r["no_id"])
        fname = f"{kind}.csv"
        _write_csv(out / fname, hdr, _rows(ids, names, *(df[c] for c in cols)))
        files[fname] = {"kind": kind, "rows": len(df)}
        keys = df[place] + "|" + df[tcol]
        for i, (p, key) in enumerate(_rows(true, keys)):
            records.append({"kind": kind, "file": fname, "line": i + 2, "key": key,
                            "true_person": p, "fault": faults[i],
                            "category": "id" if ids[i] else "name_only",
                            "shared_name": names[i] in shared})

    # kinship: person numbers, or ID numbers
    rng = stream(10)
    by_id = (rng.random(len(kin)) < r["kin_by_id"]) | (not registry)
    kin_rows = [[idn_of[a] if by_id[i] else a, idn_of[b] if by_id[i] else b, _RELATION_ZH[rl]]
                for i, (a, b, rl) in enumerate(_rows(kin["a"], kin["b"], kin["rel"]))]
    _write_csv(out / "kinship.csv", ["人员编号A", "人员编号B", "关系"], kin_rows)
    files["kinship.csv"] = {"kind": "kinship", "rows": len(kin_rows)}
    for i, (a, b) in enumerate(_rows(kin["a"], kin["b"])):
        records.append({"kind": "kinship", "file": "kinship.csv", "line": i + 2,
                        "key": f"{kin_rows[i][0]}|{kin_rows[i][1]}", "true_person": a,
                        "true_person_b": b, "fault": "by_id" if by_id[i] else None,
                        "category": "kinship", "shared_name": False})

    # the registry
    if registry:
        _write_csv(out / "persons.csv", ["人员编号", "姓名", "身份证号", "出生日期", "性别", "住址",
                                         "户号"],
                   _rows(*(reg[c] for c in ["person_id", "name", "id_number", "birth_date",
                                             "sex", "address", "household_id"])))
        files["persons.csv"] = {"kind": "persons", "rows": len(reg)}
        records[:0] = [{"kind": "persons", "file": "persons.csv", "line": i + 2, "key": p,
                        "true_person": p, "fault": None, "category": "registry",
                        "shared_name": name_of[p] in shared}
                       for i, p in enumerate(reg["person_id"].tolist())]
    elif (out / "persons.csv").exists():
        (out / "persons.csv").unlink()

    for p in _source_files(src, "transactions"):
        shutil.copyfile(p, out / p.name)
        files[p.name] = {"kind": "transactions", "copied": True}

    persons_out = {p: {"name": name_of[p], "id_number": idn_of[p], "birth_date": birth_of[p],
                       "sex": sex_of[p], "in_registry": True} for p in reg["person_id"]}
    persons_out.update(outsiders)
    counts = reg["name"].value_counts()
    common_names = {n: sorted(reg.loc[reg["name"] == n, "person_id"])
                    for n in counts.index if counts[n] >= 5}
    truth = {
        "version": 1, "seed": seed, "registry": registry, "rates": r,
        "period_rule": "since and until are dates, both inclusive; no call of a recycled "
                       "number falls on a boundary day",
        "files": files, "dropped_source_rows": dropped,
        "records": records, "recycled": recycled_out, "relatives_phones": relatives_out,
        "persons": persons_out, "renamed": renamed, "common_names": common_names,
    }
    (out / "identity_truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    case_truth = dict(src_truth)
    expect = {f: {"rows": v["rows"], "stored": v["rows"], "duplicates": 0, "rejected": 0}
              for f, v in files.items() if "rows" in v}
    expect.update({f: src_truth.get("files", {}).get(f) for f, v in files.items()
                   if v.get("copied")})
    case_truth["files"] = expect
    case_truth["rekey"] = {"seed": seed, "registry": registry}
    (out / "truth.json").write_text(json.dumps(case_truth, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    return truth


def _org_name(holder: str) -> str:
    """Account name of an organisation holder of the sample (employers, the power company)."""
    if holder == "ORG-POWER":
        return "国网浙江省电力有限公司诸暨市供电公司"
    tail = holder.removeprefix("EMP").strip("-")
    return f"暨阳{tail}实业有限公司"


if __name__ == "__main__":  # python -m tests.casegen.rekey SRC OUT [--seed S] [--no-registry]
    import argparse
    from collections import Counter

    parser = argparse.ArgumentParser(description="re-key a sample county as real exports")
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-registry", action="store_true")
    args = parser.parse_args()
    doc = rekey_county(args.src, args.out, args.seed, registry=not args.no_registry)
    faults = dict(sorted((str(k), v) for k, v in
                         Counter(r["fault"] for r in doc["records"]).items()))
    print(json.dumps({"out": str(args.out), "records": len(doc["records"]),
                      "recycled": len(doc["recycled"]),
                      "relatives_phones": len(doc["relatives_phones"]), "faults": faults},
                     ensure_ascii=False))
