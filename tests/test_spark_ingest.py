"""The Spark ingest against the DuckDB ingest on the same files: same stored rows (value for
value, with their source line), same duplicates, same rejects; refusal of records that span
lines; rings on the Spark-ingested directory.

All tests share the one local Spark session of the run (``spark_session`` in conftest).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlglot

from workbench.contract.values import sql_value
from workbench.engine.spark_forms import rewrite
from workbench.errors import InputFileError
from workbench.ingest.local import ingest_paths
from workbench.store.database import Store

from .conftest import SAMPLE

pytestmark = [pytest.mark.spark, pytest.mark.slow]

# -- hand-built messy exports ---------------------------------------------------------------
CALLS_A = (
    "caller,callee,started_at,duration_s,cell_id,note\n"
    "13800138000,+86 139 0013 9000,2019-04-01 23:30,65,C1,first\n"          # 2 stored
    "+86 138-0013-8000,0086 13900139000,2019-04-01 23:30,0:01:05,C1,first\n"  # 3 duplicate
    "13800138000.0,１３９００１３９０００,2019/04/02 08:00:00,0,\"C,2\",x\n"   # 4 stored
    "1380013800O,13900139000,2019-04-01 10:00,5,C1,\n"                      # 5 letters
    "13800138000,13900139000,2019-04-31 10:00,5,C1,\n"                      # 6 bad date
    "13800138000,13900139000,2019-04-01 10:00,-5,C1,\n"                     # 7 duration
    ",13900139000,2019-04-01 10:00,5,C1,\n"                                 # 8 missing
    "13800138000,13900139000,2019-04-01 10:00\n"                            # 9 fields
    "\n"                                                                   # 10 blank
    "10086,13800138000,20190403 0915,3,\"say \"\"hi\"\"\",,,\n"              # 11 trailing
    "13800138000,+86 139 0013 9000,2019-04-01 23:30,65,C1,first\n"          # 12 exact dup
    "0571-8765 4321转 802,13800138000,2019-4-5 9:5,12,C3,\n"                 # 13 landline
    "13800138000,13900139000,  2019-04-06\t11:00 ,7,C1,tabs\n"              # 14 whitespace
)
#: GB18030, Chinese headers: the alias map; one row repeats a row of CALLS_A
CALLS_B = (
    "主叫号码,被叫号码,通话开始时间,通话时长,基站,note\n"
    "13800138000,+86 139 0013 9000,2019-04-01 23:30,65,C1,first\n"          # dup of A:2
    "13700137000,13800138000,2019-05-01 12:00:00,30,基站甲,中文备注\n"
    "13700137000,13800138000,2019-05-01 12:00:00,30,基站甲,中文备注\n"       # dup
    "13700137000,abc,2019-05-01 12:00:00,30,基站甲,坏号码\n"
)
TRANSACTIONS = (
    "Payer,Payee,amount,occurred_at,tx_id,currency\n"
    "6222 0212-3456 7890,6222021234567891,\"¥1,200.50\",2019-04-01 10:00,T1,人民币\n"
    "6222021234567890,6222021234567891,cny 5,2019-04-02 10:00,T2,cny\n"
    "6222021234567890,6222021234567891,-3,2019-04-02 10:00,T3,CNY\n"
    "6222021234567890,6222021234567891,1.234,2019-04-02 10:00,T4,CNY\n"
    "6222021234567890,6222021234567891,12,2019-04-02 10:00,T5,yuan\n"
    "6222021234567890,,12,2019-04-02 10:00,T6,CNY\n"
    "６２２２０２１２３４５６７８９０,6222021234567891,99999999999999999,2019-04-02,T7,\n"
)
PERSONS = (
    "person_id,name,id_number,birth_date,sex,address\n"
    "P1,王伟,11010519491231002x,1949-12-31,男,北京\n"
    "P2,李娜,110105491231002,1949/12/31,F,\n"
    "P3,张三,110105194912310022,1949-12-31,2,\n"
    "P4,赵四,,19491331,unknown,\n"
)
PHONES = (
    "phone,person_id,since,until\n"
    "13800138000,P1,2019-01-01,2019-12-31\n"
    "13900139000,P2,2019-06-01,2019-01-01\n"
    "13700137000,P3,,\n"
)
QUOTED_BREAK = 'caller,callee,started_at,cell_id\n13800138000,13900139000,2019-04-01 10:00,"C\n1"\n'

MAPPING = {"transactions": {"Payer": "from_account", "Payee": "to_account"}}


#: sample county files the batch carries besides the messy ones (the rings' records)
SAMPLE_FILES = ["calls_2019-04_06.csv", "phones.csv", "persons.csv",
                "accounts.csv", "transactions.csv", "kinship.csv"]


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """The messy files, then the sample county's CSV files: one batch for both engines."""
    d = tmp_path_factory.mktemp("messy")
    files = []
    for name, text, enc in (("calls_a.csv", CALLS_A, "utf-8"), ("calls_b.csv", CALLS_B, "gb18030"),
                            ("transactions_x.csv", TRANSACTIONS, "utf-8"),
                            ("persons_x.csv", PERSONS, "utf-8-sig"),
                            ("phones_x.csv", PHONES, "utf-8")):
        (d / name).write_bytes(text.encode(enc))
        files.append(d / name)
    return d, files + [SAMPLE / name for name in SAMPLE_FILES]


@pytest.fixture(scope="module")
def both(messy, spark_session):
    """The batch ingested by DuckDB (then exported) and by Spark (through the CLI)."""
    from click.testing import CliRunner

    from workbench.cli.main import cli

    d, files = messy
    with Store(d / "case.duckdb") as store:
        duck_report = ingest_paths(store, files, mapping=MAPPING)
        store.export_parquet(d / "duck")
        duck_rejects = store.rejects()
    (d / "mapping.json").write_text(json.dumps(MAPPING), encoding="utf-8")
    done = CliRunner().invoke(cli, [
        "ingest-spark", *map(str, files), "--out", str(d / "spark"), "--spark-master",
        "local[2]", "--mapping", str(d / "mapping.json"), "--json"])
    assert done.exit_code == 0, done.output
    return {"duck": d / "duck", "spark": d / "spark", "duck_report": duck_report,
            "spark_report": json.loads(done.output)["files"], "duck_rejects": duck_rejects,
            "db": d / "case.duckdb"}


def _read(path: Path) -> list[dict]:
    rows = duckdb.sql("SELECT * FROM read_parquet(?)", params=[
        str(path / "*.parquet") if path.is_dir() else str(path)]).to_arrow_table().to_pylist()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, dt.datetime):
                row[key] = value.astimezone(dt.UTC)
    return sorted(rows, key=lambda r: (r.get("_source") or r.get("source_id"),
                                       r.get("_line") or r.get("line")))


@pytest.mark.parametrize("kind", ["calls", "transactions", "persons", "phones", "accounts",
                                  "kinship", "visits"])
def test_same_stored_rows_value_for_value(both, kind):
    duck = _read(both["duck"] / f"{kind}.parquet")
    spark = _read(both["spark"] / f"{kind}.parquet")
    if kind == "visits":  # not in the batch: an empty table of the store's columns
        assert duck == spark == []
        assert (pq.read_schema(both["spark"] / "visits.parquet")
                == pq.read_schema(both["duck"] / "visits.parquet"))
        return
    assert duck, "the batch stores rows of every kind"
    assert spark == duck


def test_known_answers_of_the_messy_calls(both):
    calls = _read(both["spark"] / "calls.parquet")
    a = [r for r in calls if r["_source"] == 1]
    assert [r["_line"] for r in a] == [2, 4, 11, 13, 14]
    assert {r["caller"] for r in a} == {"+8613800138000", "10086", "+8657187654321"}
    assert a[0]["duration_s"] == 65 and a[1]["cell_id"] == "C,2"
    assert a[2]["cell_id"] == 'say "hi"'
    assert a[0]["started_at"] == dt.datetime(2019, 4, 1, 15, 30, tzinfo=dt.UTC)
    assert a[4]["started_at"] == dt.datetime(2019, 4, 6, 3, 0, tzinfo=dt.UTC)
    assert json.loads(a[0]["extra"]) == {"note": "first"}
    b = [r["_line"] for r in calls if r["_source"] == 2]
    assert b == [3]  # line 2 repeats calls_a line 2, line 4 repeats line 3, line 5 bad


def test_same_accounting_per_file(both):
    duck = [(Path(f.file).name, f.kind, f.rows, f.stored, f.duplicates, f.rejected)
            for f in both["duck_report"].files]
    spark = [(Path(f["file"]).name, f["kind"], f["rows"], f["stored"], f["duplicates"],
              f["rejected"]) for f in both["spark_report"]]
    assert spark == duck
    assert spark[:2] == [("calls_a.csv", "calls", 12, 5, 2, 5),
                         ("calls_b.csv", "calls", 4, 1, 2, 1)]
    keys = ["source_id", "file", "sha256", "kind", "encoding", "physical_lines", "rows",
            "stored", "duplicates", "rejected"]
    duck = [{k: r[k] for k in keys} for r in _read(both["duck"] / "sources.parquet")]
    spark = [{k: r[k] for k in keys} for r in _read(both["spark"] / "sources.parquet")]
    assert spark == duck
    assert spark[1]["encoding"] == "gb18030" and spark[3]["encoding"] == "utf-8-sig"


def test_same_rejects(both):
    duck = sorted((Path(r["file"]).name, r["line"], r["column"], r["reason"])
                  for r in both["duck_rejects"])
    spark = sorted((Path(r["file"]).name, r["line"], r["column"], r["reason"])
                   for r in _read(both["spark"] / "rejects.parquet"))
    assert len([r for r in duck if r[0].endswith("_x.csv") or r[0].startswith("calls_")]) >= 14
    assert spark == duck
    by_line = {(f, n): (c, why) for f, n, c, why in spark}
    assert by_line[("calls_a.csv", 9)] == (None, "expected 6 fields, found 3")
    assert by_line[("calls_a.csv", 5)][0] == "caller"
    raw = {r["line"]: json.loads(r["raw"]) for r in _read(both["spark"] / "rejects.parquet")
           if r["file"].endswith("calls_a.csv") and r["column"]}
    assert raw[5]["caller"] == "1380013800O"


def test_timestamp_rule_reads_the_same_on_both_engines(spark_session):
    """The one timestamp rule, DuckDB's SQL run on each engine, on odd spellings."""
    spellings = ["2019-04-01 23:30", "2019-4-1 9:05", "2019-04-01 23:30:05.5", "20190401233005",
                 "20190401 2330", "2019/4/1", "2019-02-30 10:00",
                 "2019-04-01 24:00", "19-04-01 10:00", "2019-04-01  23:30", "2019-04-01\t23:30",
                 "2019-04-01T23:30:05.123456", "2019-04-01 23:30:05.1234567", "2019- 04-01",
                 "20190401233", "2019-04-01 7:5:3", "abc", "2019年4月1日", "1-1-1"]
    value, error = sql_value("timestamp", "v", "Asia/Shanghai")
    sql = f"SELECT v, CAST(epoch_us({value}) AS VARCHAR) AS t, {error} AS e FROM _spellings"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE _spellings AS SELECT unnest(?) AS v", [spellings])
    duck = {v: (t, e) for v, t, e in con.execute(sql).fetchall()}
    spark_session.createDataFrame([(v,) for v in spellings], "v string") \
        .createOrReplaceTempView("_spellings")
    spark_session.conf.set("spark.sql.session.timeZone", "UTC")
    text = sqlglot.parse_one(sql, read="duckdb").transform(lambda n: rewrite(n, "UTC")) \
        .sql(dialect="spark")
    spark = {r["v"]: (r["t"], r["e"]) for r in spark_session.sql(text).toArrow().to_pylist()}
    assert spark == duck
    assert duck["2019-4-1 9:05"][0] == str(int(dt.datetime(2019, 4, 1, 1, 5, tzinfo=dt.UTC)
                                               .timestamp() * 1_000_000))
    assert duck["2019-02-30 10:00"] == (None, "invalid timestamp")


def test_quoted_line_break_is_refused_in_one_line(tmp_path, spark_session):
    from workbench.ingest.spark_ingest import ingest_on_spark

    path = tmp_path / "calls.csv"
    path.write_text(QUOTED_BREAK, encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        ingest_on_spark(spark_session, [path], tmp_path / "out")
    message = str(err.value)
    assert "\n" not in message and "line 2" in message and "workbench ingest" in message
    assert not (tmp_path / "out" / "calls.parquet").exists()


def test_rings_on_the_spark_ingested_directory(both):
    """``workbench rings --engine spark --data OUT`` on the Spark ingest: the DuckDB path's
    rings on the same files."""
    from click.testing import CliRunner

    from workbench.case.facade import Case
    from workbench.cli.main import cli
    from workbench.evidence.links import LAYER_NAMES

    carried = [name for name in LAYER_NAMES if name != "copresence"]  # as the heavy stage
    reference = [sorted(r.members) for r in Case(both["db"]).rings(layers=carried).rings]
    done = CliRunner().invoke(cli, ["rings", "--engine", "spark", "--spark-master", "local[2]",
                                    "--data", str(both["spark"]), "--json"])
    assert done.exit_code == 0, done.output
    rings = [sorted(r["members"]) for r in json.loads(done.output)["rings"]]
    assert rings == reference and len(reference) >= 3
    # the evidence of a ring, fetched back from each directory: the same records and lines
    from workbench.scale.spark_stage import evidence_from_parquet

    spark_ev = evidence_from_parquet(both["spark"], rings[0])["calls"].to_dict("records")
    duck_ev = evidence_from_parquet(both["duck"], rings[0])["calls"].to_dict("records")
    assert spark_ev and spark_ev == duck_ev


def test_who_each_record_names_is_resolved_on_the_spark_path_as_on_duckdb(tmp_path,
                                                                          spark_session):
    """Subscriber rows by name and ID number (a digit changed, two swapped, none at all):
    the Spark ingest resolves them as ``workbench ingest`` does, record for record."""
    from workbench.ingest import ingest_on_spark

    from .test_identity import PHONES, change, registry, swap

    text, people = registry(n=40)
    (tmp_path / "persons.csv").write_text(text, encoding="utf-8")
    truth, rows = {}, []
    for i, (pid, p) in enumerate(people.items()):
        idn = [p["id"], change(p["id"], 14), swap(p["id"], 10), ""][i % 4]
        rows.append(f"1390000{i:04d},{p['name']},{idn},,\n")
        truth[i + 2] = pid  # the file's line
    (tmp_path / "phones.csv").write_text(PHONES + "".join(rows), encoding="utf-8")
    (tmp_path / "calls.csv").write_text(
        "caller,callee,started_at,duration_s\n" + "".join(
            f"+8613900000{i:03d},+8613900000{(i + 1) % 40:03d},2019-01-0{1 + i % 9} 10:00:00,60\n"
            for i in range(40)), encoding="utf-8")
    files = [tmp_path / n for n in ("persons.csv", "phones.csv", "calls.csv")]
    with Store(tmp_path / "case.duckdb") as store:
        duck_identity = ingest_paths(store, files).identity
        store.export_parquet(tmp_path / "duck")
    report = ingest_on_spark(spark_session, files, tmp_path / "spark")
    assert report.identity == duck_identity
    duck = {r["_line"]: r["person_id"] for r in _read(tmp_path / "duck" / "phones.parquet")}
    spark = {r["_line"]: r["person_id"] for r in _read(tmp_path / "spark" / "phones.parquet")}
    assert spark == duck
    right = [line for line, pid in spark.items() if pid == truth[line]]
    wrong = [line for line, pid in spark.items() if pid is not None and pid != truth[line]]
    assert not wrong and len(right) >= 30  # every ID-bearing row, most of the name-only
    assert all(truth[line] == spark[line] for line in truth if (line - 2) % 4 != 3)
    records = _read(tmp_path / "spark" / "identity_records.parquet")
    assert len(records) == report.identity["records"] and report.identity["records"] >= 80
