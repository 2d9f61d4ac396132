"""The case report: every link's records with file, SHA-256 and line; Chinese fonts
embedded; rebuilt byte for byte by ``verify``; hostile text shown as text."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections import Counter

import duckdb
import pytest

from workbench.case import Case
from workbench.case.report import REPORT_RECORD_LIMIT
from workbench.views.link_records import link_records
from workbench.views.report import read_request

from .conftest import SAMPLE
from .test_cli import run

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    case = Case(root / "case.duckdb")
    case.ingest([SAMPLE])
    family = next(r.id for r in case.rings().rings if r.family)
    return case, family, root


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _fonts(pdf) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    return [line.split() for line in out if line.strip()]


def _check_every_link(case, pdf, view: dict) -> None:
    """Every record behind every link is cited with its file and line, and every file it
    cites with its SHA-256."""
    text = _text(pdf)
    vm = case.view(record_limit=REPORT_RECORD_LIMIT, **view)
    with case.open() as store:
        sha = dict((name.rsplit("/", 1)[-1], h) for name, h in store.con.execute(
            "SELECT file, sha256 FROM sources").fetchall())
    cited: Counter = Counter()
    links = 0
    for a, b in vm.graph.edges():
        recs = link_records(vm.records, *sorted((str(a), str(b))))
        links += 1
        for r in recs:
            cited[f"{r['file']}:{r['line']}"] += 1
        for f in {r["file"] for r in recs}:
            assert f"{f} SHA-256 {sha[f]}" in text, f
    assert cited, "no records cited"
    for ref, n in cited.items():
        assert text.count(ref) >= n, ref
    assert links == vm.graph.number_of_edges()


@pytest.mark.slow
def test_report_of_the_family_ring(sample, cli_env):
    case, family, root = sample
    case.note(family, "组织者疑为 R007 的上家 #emph[x] <script>alert(1)</script>", author="李警官")
    out = root / "family.pdf"
    res = run(["report", "--db", case.path, "--ring", family, "--out", out], cli_env)
    assert res.returncode == 0, res.stderr
    fonts = _fonts(out)
    assert fonts and all(f[-5] == "yes" for f in fonts)  # emb column
    assert any("WenQuanYi" in f[0] for f in fonts)
    text = _text(out)
    for heading in ("一、概要", "二、关键人物", "三、关系图", "四、关系与证据记录", "五、时间线",
                    "六、分析员笔记与假设", "七、方法、参数与可复现性", "目录"):
        assert heading in text
    assert "#emph[x] <script>alert(1)</script>" in text.replace("\n", "")  # as text
    assert "第 1 页 / 共" in text and "数据指纹" in text
    assert str(root) not in text and "/tmp" not in text  # file names, never directories
    _check_every_link(case, out, {"ring": family})
    request = read_request(out.read_bytes())
    assert request["view"] == {"ring": family} and request["notes_upto"] == 1
    assert case.log()[-1]["action"] == "report"
    assert case.log()[-1]["details"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    res = run(["verify", "--db", case.path, out, "--json"], cli_env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads(res.stdout)["reproduced"] is True
    # a later note or log entry is not in the report: it still reproduces
    case.note(family, "later thought")
    assert case.verify_report(out)["reproduced"]
    # a logged action the report covers, changed by hand: the rebuild differs, and says why
    copy = root / "tampered.duckdb"
    shutil.copy(case.path, copy)
    con = duckdb.connect(str(copy))
    con.execute("UPDATE action_log SET actor = 'someone' WHERE seq = 2")
    con.close()
    report = Case(copy).verify_report(out)
    assert not report["reproduced"] and "log" in report["reason"]


@pytest.mark.slow
def test_report_of_all_rings(sample):
    case, _, root = sample
    out = root / "all.pdf"
    written = case.report(out)
    assert written["links"] > 50 and written["pages"] > 10
    _check_every_link(case, out, {})
    assert case.verify_report(out)["reproduced"]


@pytest.mark.slow
def test_report_errors_are_one_line(sample, cli_env, tmp_path):
    case, family, _ = sample
    for args in (["--ring", "R999"], ["--out-dir"]):
        out = tmp_path / "x.pdf"
        if args == ["--out-dir"]:
            out.mkdir()
            args = []
        res = run(["report", "--db", case.path, "--out", out, *args], cli_env)
        assert res.returncode != 0 and res.stderr.count("\n") == 1, res.stderr
        assert "Traceback" not in res.stderr
    res = run(["report", "--db", case.path, "--out", tmp_path / "x.txt"], cli_env)
    assert res.returncode != 0 and "PDF" in res.stderr
    not_case = tmp_path / "plain.duckdb"
    duckdb.connect(str(not_case)).execute("CREATE TABLE t (x INT)").close()
    res = run(["report", "--db", not_case, "--out", tmp_path / "y.pdf"], cli_env)
    assert res.returncode == 1 and res.stderr.count("\n") == 1


@pytest.mark.slow
def test_redacted_report_masks_identifiers(sample):
    case, family, root = sample
    out = root / "redacted.pdf"
    case.report(out, ring=family, redact=True)
    text = _text(out)
    vm = case.view(ring=family)
    phones = [k for k, v in vm.identifiers.items() if v == "phone"]
    assert phones and not any(p in text for p in phones)
    assert "PHONE-0001" in text
    assert case.verify_report(out)["reproduced"]
