"""Nothing of the analyst's machine in a shared file (issue 18, part 5): records name their
source file, never its folder, in every snapshot (redacted or not), CSV, GraphML, GEXF and
diagram; the case is built in folders named like a user's home, with spaces and markup."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

import pytest

from .cases import build_known_case
from .conftest import ROOT, WORKBENCH

#: a folder an analyst might keep exports in: the user name, spaces, markup
HOSTILE = Path("home") / "li.wei-analyst" / "My Cases" / "<script>alert(1)</script> 2019"


@pytest.fixture(scope="module")
def hostile_case(tmp_path_factory):
    base = tmp_path_factory.mktemp("paths")
    folder = base / HOSTILE
    folder.mkdir(parents=True)
    # ring 1's members stay in one hotel on several nights: meeting records name both files
    rows = ["person_id,place_id,room,checked_in,checked_out"]
    for day in range(1, 6):
        for who, room in (("A", 301), ("B", 302), ("C", 303)):
            rows.append(f"{who},H1,{room},2019-03-0{day} 22:00,2019-03-0{day + 1} 09:00")
    (folder / "stays.csv").write_text("\n".join(rows) + "\n")
    case = build_known_case(folder)
    ring = next(r for r in case.rings().rings if "A" in r.members)
    return case, ring, folder


def _texts(path: Path) -> str:
    """The file's bytes as text, with a PDF's compressed streams opened."""
    data = path.read_bytes()
    out = [data.decode("latin-1")]
    if path.suffix == ".pdf":
        for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
            try:
                out.append(zlib.decompress(m.group(1)).decode("latin-1"))
            except zlib.error:
                continue
    return "\n".join(out)


def _leaks(text: str, folder: Path) -> list[str]:
    parts = [str(folder), "li.wei-analyst", "My Cases", "<script>alert(1)</script> 2019",
             str(folder.parent.parent.parent)]
    return [p for p in parts if p in text]


def test_records_carry_file_names_only(hostile_case):
    case, ring, folder = hostile_case
    records = case.evidence(ring.members, limit=None)
    assert not records["meetings"].empty
    for df in records.values():
        for column in [c for c in df.columns if str(c).endswith("file")]:
            assert all("/" not in str(v) and "\\" not in str(v) for v in df[column]), column
    assert set(records["meetings"]["other_file"]) == {"stays.csv"}
    together = case.together(ring.leader)
    assert set(together["file"]) | set(together["other_file"]) == {"stays.csv"}


@pytest.mark.parametrize("options", [[], ["--redact"], ["--redact", "--redact-names"]],
                         ids=["plain", "redacted", "redacted-names"])
@pytest.mark.slow
def test_snapshot_has_no_folder(hostile_case, tmp_path, options):
    case, ring, folder = hostile_case
    out = tmp_path / "s.html"
    res = subprocess.run(WORKBENCH + ["snapshot", "--db", str(case.path), "--ring", ring.id,
                                      "--out", str(out), *options],
                         capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    text = out.read_text()
    assert "stays.csv" in text
    assert _leaks(text, folder) == []


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".graphml", ".gexf", ".svg", ".pdf", ".png"])
def test_exports_have_no_folder(hostile_case, tmp_path, suffix):
    case, ring, folder = hostile_case
    out = tmp_path / f"x{suffix}"
    res = subprocess.run(WORKBENCH + ["export", "--db", str(case.path), "--ring", ring.id,
                                      "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                              "MPLBACKEND": "Agg"})
    assert res.returncode == 0, res.stderr
    written = [p for p in tmp_path.iterdir() if p.is_file()]
    assert written
    for path in written:
        assert _leaks(_texts(path), folder) == [], path.name
