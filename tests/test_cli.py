"""The command line as users run it: real processes, JSON shapes, messages, locking, kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from workbench.store.database import Store

from .conftest import ROOT, SAMPLE, WORKBENCH


def run(args, env, **kw):
    return subprocess.run(WORKBENCH + [str(a) for a in args], capture_output=True, text=True,
                          env=env, cwd=ROOT, **kw)


@pytest.mark.slow
def test_ingest_and_rejects_json_shape(db, cli_env):
    res = run(["ingest", "--db", db, SAMPLE / "kinship.csv", SAMPLE / "phones.csv", "--json"],
              cli_env)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert list(doc) == ["files"]
    for f in doc["files"]:
        assert list(f) == ["file", "kind", "rows", "stored", "duplicates", "rejected"]
        assert f["stored"] + f["duplicates"] + f["rejected"] == f["rows"]
    assert [f["kind"] for f in doc["files"]] == ["kinship", "phones"]
    res = run(["rejects", "--db", db, "--json"], cli_env)
    rejects = json.loads(res.stdout)["rejects"]
    assert len(rejects) == 5
    for r in rejects:
        assert list(r) == ["file", "line", "column", "reason", "raw"]
        assert isinstance(r["line"], int) and r["reason"]


@pytest.mark.slow
def test_readable_summary_by_default(db, cli_env):
    res = run(["ingest", "--db", db, SAMPLE / "accounts.csv"], cli_env)
    assert res.returncode == 0
    assert "stored" in res.stdout and "accounts" in res.stdout and "total" in res.stdout
    assert "1 rejected rows" in res.stdout


@pytest.mark.slow
def test_user_errors_are_one_line_without_traceback(db, tmp_path, cli_env):
    (tmp_path / "mystery.csv").write_text("a,b\n1,2\n")
    cases = [
        ["ingest", "--db", db, tmp_path / "mystery.csv"],
        ["ingest", "--db", db, tmp_path / "missing.csv"],
        ["rejects", "--db", tmp_path / "nowhere.duckdb"],
        ["ingest", "--db", db, SAMPLE / "phones.csv", "--tz", "Mars/Olympus"],
        ["ingest", "--db", db, SAMPLE / "phones.csv", "--map", "nonsense"],
    ]
    for args in cases:
        res = run(args, cli_env)
        assert res.returncode != 0
        assert "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert res.stdout == ""
    res = run(cases[0], cli_env)
    assert "persons, phones, accounts, calls, transactions, arrests, kinship" in res.stderr


@pytest.mark.slow
def test_map_option_and_mapping_file(db, tmp_path, cli_env):
    src = tmp_path / "calls.csv"
    src.write_text("Calling Number,Called Number,Start\n13800138000,110,2019-04-01 10:00\n")
    res = run(["ingest", "--db", db, src, "--map", "Calling Number=caller", "--map",
               "Called Number=callee", "--map", "Start=started_at", "--json"], cli_env)
    assert json.loads(res.stdout)["files"][0]["stored"] == 1, res.stderr
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"calls": {"Calling Number": "caller",
                                             "Called Number": "callee",
                                             "Start": "started_at"}}))
    src2 = tmp_path / "calls_b.csv"
    src2.write_text("Calling Number,Called Number,Start\n13800138000,110,2019-04-02 10:00\n")
    res = run(["ingest", "--db", db, src2, "--mapping", mapping, "--json"], cli_env)
    assert json.loads(res.stdout)["files"][0]["stored"] == 1, res.stderr


def _hold(db, env, seconds: float) -> subprocess.Popen:
    """Another process holding the case store open read-write for ``seconds``."""
    Store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
         " time.sleep(float(sys.argv[2])); c.close()", str(db), str(seconds)],
        stdout=subprocess.PIPE, text=True, env=env)
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.slow
def test_busy_store_gives_clear_message(db, cli_env):
    holder = _hold(db, cli_env, seconds=3600)  # held until killed below
    try:
        t0 = time.monotonic()
        res = run(["ingest", "--db", db, SAMPLE / "kinship.csv", "--wait", "1"], cli_env)
        waited = time.monotonic() - t0
        assert res.returncode == 1
        assert "in use by another process" in res.stderr and "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert waited >= 1.0
        res = run(["rejects", "--db", db, "--wait", "0"], cli_env)
        assert res.returncode == 1 and "in use" in res.stderr
    finally:
        holder.kill()
        holder.wait()
    # the holder is gone: the store is intact and ingest works
    res = run(["ingest", "--db", db, SAMPLE / "kinship.csv", "--json"], cli_env)
    assert res.returncode == 0, res.stderr


@pytest.mark.slow
def test_ingest_waits_for_a_short_holder(db, cli_env):
    holder = _hold(db, cli_env, seconds=1.5)
    res = run(["ingest", "--db", db, SAMPLE / "kinship.csv", "--wait", "20", "--json"], cli_env)
    holder.wait()
    assert res.returncode == 0, res.stderr


def _big_calls(path: Path, rows: int) -> None:
    with open(path, "w") as fh:
        fh.write("caller,callee,started_at,duration_s\n")
        for i in range(rows):
            fh.write(f"138{i % 10**8:08d},139{(i * 7) % 10**8:08d},"
                     f"2019-04-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(i // 60) % 60:02d},"
                     f"{i % 500}\n")


def _until_phase(proc: subprocess.Popen, phase: str) -> None:
    """Read the ingest's ``-v`` log until it says it entered ``phase`` (no sleeps: the
    signal lands in the phase the test names, on a fast machine or a slow one)."""
    for line in proc.stderr:
        if f"phase {phase}" in line:
            return
    raise AssertionError(f"the ingest ended before the {phase} phase")


@pytest.mark.slow
def test_killed_ingest_leaves_store_as_it_was(db, tmp_path, cli_env):
    res = run(["ingest", "--db", db, SAMPLE / "kinship.csv"], cli_env)
    assert res.returncode == 0
    with Store(db) as store:
        before = (store.compute_fingerprint(), store.counts())
    big = tmp_path / "calls_big.csv"
    _big_calls(big, 1_500_000)
    proc = subprocess.Popen(WORKBENCH + ["-v", "ingest", "--db", str(db), str(big),
                                         str(SAMPLE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env,
                            cwd=ROOT, text=True)
    _until_phase(proc, "inserting")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Store(db) as store:
        assert (store.compute_fingerprint(), store.counts()) == before
        assert store.con.execute("SELECT count(*) FROM ingest_batches").fetchall()[0][0] == 1
    res = run(["ingest", "--db", db, SAMPLE / "phones.csv", "--json"], cli_env)
    assert res.returncode == 0 and json.loads(res.stdout)["files"][0]["stored"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["reading", "validating", "inserting"])
def test_interrupted_ingest_leaves_store_as_it_was(db, tmp_path, cli_env, phase):
    assert run(["ingest", "--db", db, SAMPLE / "kinship.csv"], cli_env).returncode == 0
    with Store(db) as store:
        before = store.compute_fingerprint()
    big = tmp_path / "calls_big.csv"
    _big_calls(big, 1_500_000)
    proc = subprocess.Popen(WORKBENCH + ["-v", "ingest", "--db", str(db), str(big)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env,
                            cwd=ROOT, text=True)
    _until_phase(proc, phase)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("interrupted"), err
    with Store(db) as store:
        assert store.compute_fingerprint() == before


_INTERRUPT_AT_IMPORT = """
import builtins, sys
real = builtins.__import__
def interrupting(name, *args, **kwargs):
    if name.split(".")[0] == sys.argv[1]:
        raise KeyboardInterrupt
    return real(name, *args, **kwargs)
builtins.__import__ = interrupting
sys.argv = ["workbench", "rings", "--db", sys.argv[2]]
from workbench.cli.entry import run
run()
"""


@pytest.mark.slow
@pytest.mark.parametrize("module", ["click", "duckdb", "numpy", "igraph"])
def test_interrupt_while_loading_prints_one_line(tmp_path, module, cli_env):
    """Ctrl-C while the command line is still loading ends with one line and exit 130, at
    whichever import it lands (the interrupt is raised at that import, not timed with a
    sleep; it used to be tried on a store that did not exist, where any quick error passed).
    """
    db = tmp_path / "case.duckdb"
    assert run(["ingest", "--db", db, SAMPLE / "calls_2019-01_03.csv"], cli_env).returncode == 0
    res = subprocess.run([sys.executable, "-c", _INTERRUPT_AT_IMPORT, module, str(db)],
                         capture_output=True, text=True, env=cli_env, cwd=ROOT, timeout=120)
    assert res.returncode == 130, (res.returncode, res.stderr)
    assert res.stderr.strip().splitlines() == ["interrupted: nothing was changed"], res.stderr


@pytest.mark.slow
def test_control_characters_from_records_never_reach_the_terminal(db, tmp_path, cli_env):
    """A reject's raw text with terminal escapes and a bidi override: shown as escapes in
    text output; in JSON as escapes with the same value."""
    hostile = "9\x1b]0;owned\x07\x1b[2J\u202e"
    calls = tmp_path / "calls.csv"
    calls.write_text("caller,callee,started_at,duration_s\n"
                     f"13800138000,13900139000,2019-01-01 10:00,{hostile}\n", encoding="utf-8")
    assert run(["ingest", "--db", db, calls], cli_env).returncode == 0
    text = run(["rejects", "--db", db], cli_env)
    assert text.returncode == 0
    assert "\x1b" not in text.stdout and "\u202e" not in text.stdout and "\x07" not in text.stdout
    assert "\\x1b]0;owned\\x07\\x1b[2J\\u202e" in text.stdout
    doc = run(["rejects", "--db", db, "--json"], cli_env)
    assert "\x1b" not in doc.stdout and "\u202e" not in doc.stdout
    raw = json.loads(json.loads(doc.stdout)["rejects"][0]["raw"])  # the raw row, as JSON
    assert raw["duration_s"] == hostile


@pytest.mark.slow
def test_sample_and_demo_commands(tmp_path, cli_env):
    res = run(["sample", "--out", tmp_path / "s", "--persons", "400", "--seed", "2"], cli_env)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "s" / "truth.json").exists()
    res = run(["demo", "--out", tmp_path / "demo", "--persons", "400"], cli_env)
    assert res.returncode == 0, res.stderr
    assert "case store" in res.stdout
    check = next(x for x in res.stdout.splitlines() if x.startswith("check a snapshot"))
    verify = run(check.split(": ", 1)[1].split()[1:], cli_env)  # the printed command works
    assert verify.returncode == 0 and "reproduced" in verify.stdout, verify.stdout
    con = duckdb.connect(str(tmp_path / "demo" / "case.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM calls").fetchall()[0][0] > 1000
    con.close()


def test_every_command_is_documented_in_readme():
    from workbench.cli.main import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"workbench {name}" in readme, name



_LOADED = """
import sys
from workbench.cli.entry import run
sys.argv = ["workbench", *sys.argv[1:]]
try:
    run()
except SystemExit as exc:
    if exc.code:
        raise
print("LOADED", " ".join(sorted({m.split(".")[0] for m, mod in sys.modules.items() if mod})))
"""


def _imported(args, env) -> set[str]:
    """Top-level packages loaded once a command has run (after checking it ran)."""
    res = subprocess.run([sys.executable, "-c", _LOADED, *map(str, args)],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    return set(res.stdout.rsplit("LOADED ", 1)[1].split())


@pytest.mark.slow
def test_commands_import_only_what_they_use(db, cli_env):
    """Commands that search no rings load neither igraph nor matplotlib (igraph's own
    drawing support pulls matplotlib in: 0.8 s a command, accepted for ring commands rather
    than hiding matplotlib from igraph, which broke igraph's plotting for the process)."""
    res = run(["ingest", "--db", db, SAMPLE / "calls_2019-01_03.csv", SAMPLE / "phones.csv"],
              cli_env)
    assert res.returncode == 0, res.stderr
    rejects = _imported(["rejects", "--db", db], cli_env)
    assert "duckdb" in rejects and not {"igraph", "matplotlib"} & rejects
    rings = _imported(["rings", "--db", db, "--json"], cli_env)
    assert "igraph" in rings


def test_help_defaults_are_the_library_defaults():
    """--help spells the defaults out (to load no data library); they must be the ones the
    library uses."""
    from workbench.cli import common as cli_common
    from workbench.cli.main import cli
    from workbench.contract import values as normalize
    from workbench.rings import RING_DEFAULTS

    assert (cli_common.DEFAULT_TZ, cli_common.DEFAULT_REGION) == (
        normalize.DEFAULT_TZ, normalize.DEFAULT_REGION)
    # the ring options' defaults, as --help shows them, are the request builder's
    options = {p.name: p.default for p in cli.commands["rings"].params}
    for name in ("min_size", "max_size", "seed", "resolution", "min_score"):
        assert options[name] == RING_DEFAULTS[name], name


@pytest.mark.slow
def test_rings_around_a_target_without_a_group_says_so_in_one_line(db, write, cli_env):
    """A target whose export holds no call of his (or too few contacts for a group) is
    named as such, never dropped silently nor answered with a traceback."""
    persons = write("persons.csv", "person_id,name\nP1,甲\nP2,乙\nP3,丙\n")
    phones = write("phones.csv", "phone,person_id\n13800000001,P1\n13800000002,P2\n")
    calls = write("calls.csv", "caller,callee,started_at\n"
                               "13800000001,13800000002,2019-01-02 23:10\n")
    assert run(["ingest", "--db", db, persons, phones, calls], cli_env).returncode == 0
    res = run(["rings", "--db", db, "--around", "P3"], cli_env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines() == [
        "no link of 丙 (P3) in this case or window (a number several persons held: name "
        "the holder)"]
    assert not res.stderr.strip()
    res = run(["rings", "--db", db, "--around", "P1", "--json"], cli_env)
    assert json.loads(res.stdout)["params"]["around_without_group"] == ["P1"]  # one contact
    res = run(["rings", "--db", db, "--around", "P1"], cli_env)
    assert res.stdout.strip().splitlines() == [
        "no group around 甲 (P1): fewer than 3 persons tied to them"]


@pytest.mark.slow
def test_bad_ring_options_are_one_line(db, write, cli_env):
    """An unknown --hub, a score outside 0-1 and a negative --limit are refused in one line
    (they were an empty success, a list of every group and a database error)."""
    persons = write("persons.csv", "person_id,name\nP1,甲\nP2,乙\n")
    phones = write("phones.csv", "phone,person_id\n13800000001,P1\n13800000002,P2\n")
    calls = write("calls.csv", "caller,callee,started_at\n"
                               "13800000001,13800000002,2019-01-02 23:10\n")
    assert run(["ingest", "--db", db, persons, phones, calls], cli_env).returncode == 0
    for args, said in [(["rings", "--hub", "nosuch"], "no number or account 'nosuch'"),
                       (["rings", "--min-score", "7"], "0.0<=x<=1.0"),
                       (["identities", "--limit", "-1"], "x>=1")]:
        res = run([args[0], "--db", db, *args[1:]], cli_env)
        lines = (res.stdout + res.stderr).strip().splitlines()
        assert res.returncode != 0 and len(lines) == 1 and said in lines[0], lines
    res = run(["rings", "--db", db, "--hub", "13800000001"], cli_env)  # a known number
    assert res.returncode == 0, res.stderr
