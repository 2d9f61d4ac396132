"""Every bad input and every fault is one line on stderr with a non-zero exit, never a
traceback (issue 18, part 6): dates, windows, layers, resolution, sizes, ranges, unknown ids,
paths; a damaged, locked or foreign store; an unwritable output."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from workbench.cli.main import fault_message

from .cases import build_known_case
from .conftest import ROOT, WORKBENCH


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory):
    """A small case with rings (its analysis kept in the store), a damaged copy of it, a
    text file posing as a store and a file standing where a folder should be."""
    d = tmp_path_factory.mktemp("bad")
    (d / "known").mkdir()
    case = build_known_case(d / "known")
    result = case.rings()
    assert result.rings
    damaged = d / "damaged.duckdb"
    shutil.copy(case.path, damaged)
    with open(damaged, "r+b") as f:
        f.truncate(damaged.stat().st_size // 2)
    (d / "notes.duckdb").write_text("not a database\n")
    (d / "afile").write_text("x")
    return {"db": case.path, "ring": result.rings[0].id, "leader": result.rings[0].leader,
            "other": result.rings[-1].leader, "damaged": damaged, "text": d / "notes.duckdb",
            "afile": d / "afile", "dir": d}


def _run(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(WORKBENCH + [str(a) for a in args], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          **kw)


# (name, arguments with {db}, {ring}, {leader}, {other}, {damaged}, {text}, {afile}, {dir};
#  a word the one line must hold)
BAD = [
    ("impossible date", "rings --db {db} --since 2019-13-45", "--since"),
    ("a word for a date", "rings --db {db} --since yesterday", "--since"),
    ("unknown layer", "rings --db {db} --layers calls,bogus", "bogus"),
    ("path with a bad date", "path --db {db} {leader} {other} --since 2019-99-01", "--since"),
    ("snapshot with a bad date", "snapshot --db {db} --out {dir}/s.html --since notadate",
     "--since"),
    ("negative resolution", "rings --db {db} --resolution -1", "resolution"),
    ("inverted window", "rings --db {db} --since 2019-06-01 --until 2019-01-01", "swap"),
    ("inverted evolution window", "evolution --db {db} --window 2019-05-01..2019-01-01",
     "before"),
    ("malformed window", "evolution --db {db} --window garbage", "START..END"),
    ("inverted sizes", "rings --db {db} --min-size 5 --max-size 3", "min-size"),
    ("top out of range", "rank --db {db} --top 0", "--top"),
    ("unknown ring", "snapshot --db {db} --out {dir}/s.html --ring R-000000", "R-000000"),
    ("old-style ring id", "disruption --db {db} R001", "R001"),
    ("unknown person", "snapshot --db {db} --out {dir}/s.html --person NOBODY", "NOBODY"),
    ("negative hops", "snapshot --db {db} --out {dir}/s.html --ring {ring} --hops -1",
     "--hops"),
    ("max-k of zero", "disruption --db {db} {ring} --max-k 0", "--max-k"),
    ("together with nobody", "together --db {db} NOBODY", "NOBODY"),
    ("calls of nobody", "calls --db {db} NOBODY", "NOBODY"),
    ("together with a bad date", "together --db {db} {leader} --until 2019-02-30", "--until"),
    ("unknown export type", "export --db {db} --out {dir}/x.bogus --ring {ring}", ".bogus"),
    ("unwritable output", "snapshot --db {db} --out {afile}/x.html --ring {ring}",
     "cannot write"),
    ("no such store", "rings --db {dir}/nosuch.duckdb", "no case store"),
    ("damaged store", "rings --db {damaged}", "damaged"),
    ("not a store", "rank --db {text}", "not a workbench case store"),
    ("link-phone without numbers", "link-phone --db {db}", "two numbers"),
    ("money in an inverted window", "money --db {db} --since 2019-06-01 --until 2019-01-01",
     "swap"),
    ("money with a bad date", "money --db {db} --since 2019-13-45", "--since"),
    ("money trace of no account", "money --db {db} --trace NOSUCHACCT", "NOSUCHACCT"),
    ("money with a negative top", "money --db {db} --top -3", "--top"),
    # not a number: every comparison with it is false, so a range check must say no to it
    ("rings with a score of NaN", "rings --db {db} --min-score nan", "min-score"),
    ("money with a score of NaN", "money --db {db} --min-score nan", "min_score"),
    ("identities of nobody", "identities --db {db} --person NOBODY", "NOBODY"),
    ("identities of an unknown kind", "identities --db {db} --kind bogus", "bogus"),
    # the other file's fault, not this store's, and no directory in the words
    ("hits against a text file", "hits --db {db} --against {text}", "neither"),
    ("ingest of a missing file", "ingest --db {dir}/new.duckdb {dir}/missing.csv", "missing"),
    ("ingest in an unknown encoding", "ingest --db {dir}/new.duckdb --encoding bogus-enc {afile}",
     "bogus-enc"),
    ("ingest in an unknown region", "ingest --db {dir}/new.duckdb --region ZZ {afile}", "ZZ"),
    ("ingest with a negative memory cap", "ingest --db {dir}/new.duckdb --memory-mb -5 {afile}",
     "--memory-mb"),
    ("a negative wait", "rings --db {db} --wait -1", "--wait"),
    # refused before Spark starts: its start-up would write to stderr first
    ("Spark ingest of a missing file", "ingest-spark {dir}/missing.csv --out {dir}/sp",
     "missing"),
    ("Spark ingest in an unknown zone", "ingest-spark {afile} --out {dir}/sp --tz Mars/Base",
     "Mars/Base"),
]


@pytest.mark.parametrize(("name", "args", "word"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line(case_dir, name, args, word):
    res = _run(args.format(**case_dir).split())
    lines = res.stderr.strip().splitlines()
    assert res.returncode != 0, (name, res.stdout[-500:])
    assert "Traceback" not in res.stderr, res.stderr[-2000:]
    assert len(lines) == 1, res.stderr
    assert word.lower() in lines[0].lower(), lines[0]


def test_at_least_eighteen_bad_inputs():
    assert len(BAD) >= 18


@pytest.mark.slow
def test_locked_store_is_one_line(case_dir):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(60)", str(case_dir["db"])],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        res = _run(["rank", "--db", case_dir["db"], "--wait", "0.5"])
        assert res.returncode != 0 and "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert "in use by another process" in res.stderr
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(("exc", "word"), [
    (OSError(28, "No space left on device"), "disk is full"),
    (RuntimeError('FATAL Error: Failed to create checkpoint: Could not write file "c.duckdb": '
                  "No space left on device"), "disk is full"),
    (RuntimeError('IO Error: Could not read enough bytes from file "c.duckdb"'), "damaged"),
    (PermissionError(13, "Permission denied", "/x/out.html"), "permission denied"),
])
def test_faults_are_named_with_what_to_do(exc, word):
    message = fault_message(exc)
    assert word in message and "\n" not in message


def test_disk_full_during_ingest_is_one_line(tmp_path, monkeypatch, capsys):
    """A disk that fills while the ingest writes: one line naming it (DuckDB reports it as
    an OSError or a FATAL error; both are covered above)."""
    from workbench.case.records import RecordsPart
    from workbench.cli import main as cli_main

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    (tmp_path / "kinship.csv").write_text("person_a,person_b,relation\nP1,P2,sibling\n")
    monkeypatch.setattr(RecordsPart, "ingest", full)
    monkeypatch.setattr(sys, "argv", ["workbench", "ingest", "--db",
                                      str(tmp_path / "c.duckdb"), str(tmp_path)])
    with pytest.raises(SystemExit) as done:
        cli_main.main()
    err = capsys.readouterr().err
    assert done.value.code == 1 and len(err.strip().splitlines()) == 1
    assert "disk is full" in err


@pytest.mark.slow
def test_empty_result_says_why(case_dir):
    res = _run(["rings", "--db", case_dir["db"], "--since", "2030-01-01"])
    assert res.returncode == 0
    assert res.stdout.startswith("no rings found: ") and "2030-01-01" in res.stdout


@pytest.mark.slow
def test_json_is_strict_and_local(case_dir):
    import json

    res = _run(["successors", "--db", case_dir["db"], "--json"])
    assert res.returncode == 0, res.stderr
    assert "NaN" not in res.stdout
    json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
