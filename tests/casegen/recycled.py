"""A hand-checkable recycled-number case: three persons, one number passed round, one call.

The registry has P1 (张伟), P2 (李娜) and P3 (王强). Number 13800000001 is held by P1 in
January, by P3 in February and by P1 again in March (three ``phones`` rows, carrier
headers, no person id); 13900000002 is P2's own. One call, on 2019-02-15, goes from the
recycled number to P2. The only correct link is P3–P2: attributing the call to P1 (the
number's usual holder, two periods out of three) invents evidence.
"""

from __future__ import annotations

import json
from pathlib import Path

from .rekey import id_check_char

__all__ = ["PERSONS", "write_recycled_case"]

#: person_id, name, ID number, birth date, sex
PERSONS = [
    ("P1", "张伟", "33068119800101101", "1980-01-01", "M"),
    ("P2", "李娜", "33068119850505102", "1985-05-05", "F"),
    ("P3", "王强", "33068119900909103", "1990-09-09", "M"),
]
RECYCLED, OWN = "13800000001", "13900000002"


def _id(body: str) -> str:
    return body + id_check_char(body)


def write_recycled_case(out_dir: Path) -> dict:
    """Write ``persons.csv``, ``phones.csv``, ``calls.csv`` and ``identity_truth.json``.

    Parameters
    ----------
    out_dir : Path
        Directory to write into (created).

    Returns
    -------
    dict
        The truth: ``links`` (``[["P2", "P3"]]``, each pair sorted), ``calls`` (who is at
        each end of the call), ``records`` (one per ``phones`` row, in the format of
        :func:`tests.casegen.rekey.rekey_county`), ``recycled`` and ``persons``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids = {pid: _id(body) for pid, _n, body, _b, _s in PERSONS}
    names = {pid: name for pid, name, *_ in PERSONS}
    lines = ["人员编号,姓名,身份证号,出生日期,性别"]
    lines += [f"{pid},{name},{ids[pid]},{birth},{sex}" for pid, name, _b, birth, sex in PERSONS]
    (out / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    phones = [
        (RECYCLED, "P1", "2019-01-01", "2019-01-31"),
        (RECYCLED, "P3", "2019-02-01", "2019-02-28"),
        (RECYCLED, "P1", "2019-03-01", "2019-03-31"),
        (OWN, "P2", "", ""),
    ]
    lines = ["手机号码,机主姓名,机主证件号码,启用日期,停用日期"]
    lines += [f"{num},{names[p]},{ids[p]},{since},{until}" for num, p, since, until in phones]
    (out / "phones.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "calls.csv").write_text(
        "caller,callee,started_at,duration_s\n"
        f"{RECYCLED},{OWN},2019-02-15 10:00:00,120\n", encoding="utf-8")
    truth = {
        "version": 1, "registry": True,
        "links": [["P2", "P3"]],
        "calls": [{"file": "calls.csv", "line": 2, "caller": "+86" + RECYCLED,
                   "callee": "+86" + OWN, "caller_person": "P3", "callee_person": "P2"}],
        "records": [{"kind": "phones", "file": "phones.csv", "line": i + 2, "key": "+86" + num,
                     "true_person": p, "fault": None, "category": "id", "shared_name": False}
                    for i, (num, p, _s, _u) in enumerate(phones)],
        "recycled": [{"phone": "+86" + RECYCLED, "file": "phones.csv",
                      "periods": [{"person": p, "since": s, "until": u, "line": i + 2}
                                  for i, (_n, p, s, u) in enumerate(phones[:3])]}],
        "relatives_phones": [],
        "persons": {pid: {"name": name, "id_number": ids[pid], "birth_date": birth, "sex": sex,
                          "in_registry": True} for pid, name, _b, birth, sex in PERSONS},
    }
    (out / "identity_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
    return truth


if __name__ == "__main__":  # python -m tests.casegen.recycled OUT
    import sys

    write_recycled_case(Path(sys.argv[1]))
