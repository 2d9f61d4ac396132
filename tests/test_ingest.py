"""Ingest per the data contract: real files, a real DuckDB store, exact accounting."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from workbench import InputFileError, WorkbenchError
from workbench.ingest.local import ingest_paths
from workbench.store.database import Store

CALLS = "caller,callee,started_at,duration_s,cell_id\n"


def ingest(db, *paths, **kw):
    with Store(db) as store:
        return ingest_paths(store, list(paths), **kw)


def only(report):
    (f,) = report.files
    return f.rows, f.stored, f.duplicates, f.rejected


def query(db, sql, params=None):
    with Store(db, read_only=True) as store:
        return store.con.execute(sql, params or []).fetchall()


def rejects(db):
    with Store(db, read_only=True) as store:
        return store.rejects()


# -- one test per rejection reason -------------------------------------------------------
REJECT_CASES = [
    ("calls", CALLS + "13800138000,,2019-04-01 10:00,5,\n", "callee", "required field missing"),
    ("calls", CALLS + "1380013800O,13900139000,2019-04-01 10:00,5,\n", "caller", "letters"),
    ("calls", CALLS + "13800138000,12,2019-04-01 10:00,5,\n", "callee", "too short"),
    ("calls", CALLS + "13800138000,1380013800,2019-04-01 10:00,5,\n", "callee", "not a valid"),
    ("calls", CALLS + "13800138000,13900139000,2019-02-30 10:00,5,\n", "started_at",
     "invalid timestamp"),
    ("calls", CALLS + "13800138000,13900139000,2019-04-01 10:00,-5,\n", "duration_s",
     "invalid duration"),
    ("transactions", "from_account,to_account,amount,occurred_at\n1,2,-3,2019-04-01 10:00\n",
     "amount", "greater than 0"),
    ("transactions", "from_account,to_account,amount,occurred_at\n1,2,0,2019-04-01 10:00\n",
     "amount", "greater than 0"),
    ("transactions", "from_account,to_account,amount,occurred_at\n1,2,1.234,2019-04-01\n",
     "amount", "more than 2 decimal places"),
    ("transactions", "from_account,to_account,amount,occurred_at\n1,2,abc,2019-04-01\n",
     "amount", "invalid amount"),
    ("transactions", "from_account,to_account,amount,occurred_at,currency\n1,2,5,2019-04-01,RMBX\n",
     "currency", "invalid currency"),
    ("persons", "person_id,name,id_number\nP1,Wang,11010519491231002A\n", "id_number",
     "18 characters"),
    ("persons", "person_id,name,birth_date\nP1,Wang,1990-02-30\n", "birth_date", "invalid date"),
    ("persons", "person_id,name,sex\nP1,Wang,X\n", "sex", "unknown sex"),
    ("phones", "phone,person_id,since,until\n13800138000,P1,2019-05-01,2019-04-01\n", "until",
     "until is before since"),
    ("kinship", "person_a,person_b,relation\nP1,P2,朋友\n", "relation", "unknown relation"),
    ("kinship", "person_a,person_b,relation\nP1,P1,spouse\n", "person_b", "own kin"),
    ("arrests", "person_id,arrested_at,quantity_g\nP1,2019-04-01,-1\n", "quantity_g",
     "must not be negative"),
    ("accounts", "account_id,person_id\n6222\x01000,P1\n", "account_id", "control characters"),
]


@pytest.mark.parametrize("kind, text, column, reason", REJECT_CASES)
def test_each_rejection_reason(db, write, kind, text, column, reason):
    path = write(f"{kind}.csv", text)
    assert only(ingest(db, path)) == (1, 0, 0, 1)
    (rej,) = rejects(db)
    assert rej["file"] == str(path.resolve())
    assert rej["line"] == 2
    assert rej["column"] == column
    assert reason in rej["reason"]
    assert json.loads(rej["raw"])  # the raw row, header -> value


def test_structural_rejects_and_stray_quote_costs_one_line(db, write):
    text = (CALLS
            + "13800138000,13900139000,2019-04-01 10:00,5,A\n"
            + '"13800138000,13900139000,2019-04-01 10:01,5,B\n'  # stray quote
            + "13800138000,13900139000,2019-04-01 10:02,5,C\n"
            + "13800138000,13900139000,2019-04-01 10:03,5,D,extra\n"  # one field too many
            + "13800138000,13900139000,2019-04-01 10:04,5,E\n")
    report = ingest(db, write("calls.csv", text))
    assert only(report) == (5, 3, 0, 2)
    assert {r["line"]: r["reason"] for r in rejects(db)} == {
        3: "unbalanced quote: the line's record does not end",
        5: "expected 5 fields, found 6",
    }
    assert [r[0] for r in query(db, "SELECT cell_id FROM calls ORDER BY _line")] == ["A", "C", "E"]


def test_stray_quote_at_end_of_file(db, write):
    text = CALLS + "13800138000,13900139000,2019-04-01 10:00,5,A\n" + '1,"2,3\n'
    assert only(ingest(db, write("calls.csv", text))) == (2, 1, 0, 1)


def test_quoted_multiline_field_is_one_row(db, write):
    text = ("from_account,to_account,amount,occurred_at,memo\n"
            '1,2,5,2019-04-01 10:00,"first line\nsecond line"\n'
            "1,2,6,2019-04-01 10:00,plain\n")
    assert only(ingest(db, write("transactions.csv", text))) == (2, 2, 0, 0)
    memo, line = query(db, "SELECT memo, _line FROM transactions WHERE amount = 5")[0]
    assert memo == "first line\nsecond line" and line == 2
    assert query(db, "SELECT _line FROM transactions WHERE amount = 6") == [(4,)]


def test_blank_lines_keep_line_numbers(db, write):
    text = CALLS + "\n13800138000,13900139000,2019-04-01 10:00,5,A\n\n\n" \
        "13800138000,13900139000,2019-04-01 10:01,x,B\n\n"
    assert only(ingest(db, write("calls.csv", text))) == (2, 1, 0, 1)
    assert query(db, "SELECT _line FROM calls") == [(3,)]
    assert rejects(db)[0]["line"] == 6


def test_duplicates_after_normalization_and_idempotent_reingest(db, write):
    text = (CALLS
            + "13800138000,13900139000,2019-04-01 10:00:00,65,A\n"
            + "+86 138 0013 8000,139-0013-9000,2019/04/01 10:00,0:01:05,A\n"  # same call
            + "13800138000,13900139000,2019-04-01 10:00:00,65,A\n"  # exact re-export
            + "13800138000,13900139000,2019-04-01 10:00:00,66,A\n")  # differs: kept
    path = write("calls.csv", text)
    assert only(ingest(db, path)) == (4, 2, 2, 0)
    before = query(db, "SELECT count(*) FROM rejects")
    assert only(ingest(db, path)) == (4, 0, 4, 0)
    assert query(db, "SELECT count(*) FROM calls") == [(2,)]
    assert query(db, "SELECT count(*) FROM rejects") == before
    # a second file repeating a stored row: duplicate across files
    other = write("calls_more.csv", CALLS + "008613800138000,13900139000,20190401100000,65,A\n")
    assert only(ingest(db, other)) == (1, 0, 1, 0)


def test_first_occurrence_kept_in_empty_and_filled_tables(db, write):
    """Repeats are dropped by line within a file whether or not the table held rows before
    (the check against stored rows runs only then), across files of one batch, and across
    batches; padded and blank phone cells are read as trimmed."""
    a = write("calls_a.csv", CALLS
              + "13800138000,13900139000,2019-04-01 10:00,5,A\n"  # line 2: stored
              + "13800138001,13900139000,2019-04-01 10:01,5,A\n"  # 3: stored
              + " +86 138 0013 8000 ,13900139000,2019-04-01 10:00:00,5,A\n"  # 4: = line 2
              + "13800138002,13900139000,2019-04-01 10:02,5,A\n"  # 5: stored
              + "13800138001,13900139000,2019-04-01 10:01,5,A\n"  # 6: = line 3
              + "13800138003,   ,2019-04-01 10:03,5,A\n")  # 7: callee blank: rejected
    assert only(ingest(db, a)) == (6, 3, 2, 1)  # into an empty table
    assert query(db, "SELECT _line FROM calls ORDER BY _line") == [(2,), (3,), (5,)]
    assert [(r["line"], r["column"], r["reason"]) for r in rejects(db)] == [
        (7, "callee", "required field missing")]
    # next batch, two files: a stored row, a new row twice, then a row the first file added
    b = write("calls_b.csv", CALLS
              + "13800138002,13900139000,2019-04-01 10:02,5,A\n"  # stored in batch 1
              + "13800138004,13900139000,2019-04-01 10:04,5,B\n"  # line 3: new
              + "13800138004, 13900139000 ,2019-04-01 10:04,5,B\n")  # = line 3
    c = write("calls_c.csv", CALLS
              + "13800138004,13900139000,2019-04-01 10:04,5,B\n"  # stored by calls_b
              + "13800138005,13900139000,2019-04-01 10:05,5,C\n")  # new
    report = ingest(db, b, c)
    assert [(f.rows, f.stored, f.duplicates, f.rejected) for f in report.files] == [
        (3, 1, 2, 0), (2, 1, 1, 0)]
    assert query(db, "SELECT s.file LIKE '%calls_' || ? || '.csv', c._line, c.caller "
                     "FROM calls c JOIN sources s ON s.source_id = c._source "
                     "WHERE s.batch_id = 2 ORDER BY c._source, c._line", ["b"]) == [
        (True, 3, "+8613800138004"), (False, 3, "+8613800138005")]
    assert query(db, "SELECT count(*), count(DISTINCT _row_hash) FROM calls") == [(5, 5)]


def test_ingest_gives_back_the_thread_setting(db, write):
    """The insert runs on one DuckDB thread; the store's setting is restored after."""
    path = write("calls.csv", CALLS + "13800138000,13900139000,2019-04-01 10:00,5,A\n")
    with Store(db) as store:
        store.con.execute("SET threads = 2")
        assert only(ingest_paths(store, [path])) == (1, 1, 0, 0)
        assert store.con.execute("SELECT current_setting('threads')").fetchone()[0] == 2


def test_reingest_does_not_duplicate_rejects(db, write):
    path = write("calls.csv", CALLS + "1,2,3,4,5\n")
    ingest(db, path)
    ingest(db, path)
    assert len(rejects(db)) == 1


def test_typed_columns_and_provenance(db, write):
    path = write("calls.csv", CALLS + "13800138000,10086,2019-04-01 23:30,1:00:00,C1\n")
    ingest(db, path)
    with Store(db, read_only=True) as store:
        types = dict(store.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'calls'").fetchall())
        row = store.con.execute(
            "SELECT caller, callee, epoch(started_at), duration_s, s.file, s.sha256, "
            "s.batch_id, c._line FROM calls c JOIN sources s ON s.source_id = c._source"
        ).fetchone()
    assert types["started_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["duration_s"] == "INTEGER"
    assert row[:4] == ("+8613800138000", "10086", 1554132600, 3600)
    assert row[4] == str(path.resolve()) and len(row[5]) == 64 and row[6] == 1 and row[7] == 2


def test_amounts_are_decimals(db, write):
    text = ("交易流水号,付款账号,收款账号,交易金额,交易时间\n"
            'T1,6222 0000 1111,6222-0000-2222,"¥1,200.50",2019/04/01 10:00\n')
    ingest(db, write("transactions.csv", text))
    with Store(db, read_only=True) as store:
        rel = store.con.execute("SELECT amount, from_account, to_account FROM transactions")
        got = rel.fetchone()
        typ = store.con.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'transactions' AND column_name = 'amount'").fetchone()[0]
    assert str(got[0]) == "1200.50" and typ == "DECIMAL(18,2)"
    assert got[1:] == ("622200001111", "622200002222")


def test_gb18030_chinese_headers_and_extra_column(db, write):
    text = ("主叫号码,被叫号码,通话开始时间,通话时长,基站,通话类型\n"
            "13800138000,13900139000,20190401233000,0:00:30,杭州西湖,主叫\n"
            "13800138000,13900139000,20190402233000,45,杭州西湖,被叫\n")
    path = write("通话记录.csv", text, encoding="gb18030")
    report = ingest(db, path)
    assert only(report) == (2, 2, 0, 0)
    assert report.files[0].encoding == "gb18030"
    rows = query(db, "SELECT cell_id, extra, duration_s FROM calls ORDER BY _line")
    assert rows[0][0] == "杭州西湖" and json.loads(rows[0][1]) == {"通话类型": "主叫"}
    assert rows[0][2] == 30


def test_utf8_bom_tab_and_semicolon(db, write):
    tab = write("phones.csv", "\ufeffphone\tperson_id\n13800138000\tP1\n", encoding="utf-8")
    semi = write("accounts.csv", "Account_ID;Person_ID;Bank\n6222;P1;ABC\n")
    report = ingest(db, tab, semi)
    assert [only_f(f) for f in report.files] == [(1, 1, 0, 0), (1, 1, 0, 0)]
    assert report.files[0].encoding == "utf-8-sig"


def only_f(f):
    return f.rows, f.stored, f.duplicates, f.rejected


def test_kind_by_name_and_option(db, write):
    ingest(db, write("2019-04_calls.csv", CALLS + "13800138000,110,2019-04-01 10:00,1,\n"))
    assert query(db, "SELECT count(*) FROM calls") == [(1,)]
    data = write("export.csv", "person_id,name\nP1,王伟\n")
    with pytest.raises(InputFileError, match="cannot tell the record kind.*persons"):
        ingest(db, data)
    ingest(db, data, kind="persons")
    assert query(db, "SELECT name FROM persons") == [("王伟",)]


def test_missing_required_column_refused_and_store_unchanged(db, write):
    good = write("persons.csv", "person_id,name\nP1,A\n")
    bad = write("calls.csv", "caller,started_at\n13800138000,2019-04-01\n")
    with pytest.raises(InputFileError, match=r"calls.csv: missing required column\(s\) callee"):
        ingest(db, good, bad)
    with Store(db) as store:
        assert store.counts()["persons"] == 0  # the whole command is one transaction


def test_failure_mid_ingest_rolls_back(db, write):
    ingest(db, write("persons.csv", "person_id,name\nP0,Z\n"))
    with Store(db) as store:
        before = store.compute_fingerprint()
    good = write("persons_more.csv", "person_id,name\nP1,A\n")
    broken = write("phones.xlsx", "this is not a workbook")
    with pytest.raises(InputFileError, match="not a readable .xlsx"):
        ingest(db, good, broken)
    with Store(db) as store:
        assert store.compute_fingerprint() == before
        assert store.con.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


def test_map_and_mapping(db, write):
    path = write("calls.csv", "Calling Number,Called Number,Start\n13800138000,110,2019-04-01\n")
    with pytest.raises(InputFileError, match="missing required"):
        ingest(db, path)
    mapping = {"calls": {"Calling Number": "caller", "called number": "callee",
                         "Start": "started_at"}}
    assert only(ingest(db, path, mapping=mapping)) == (1, 1, 0, 0)
    with pytest.raises(InputFileError, match="not a column of calls"):
        ingest(db, path, mapping={"*": {"Start": "begin"}})


def test_two_headers_for_one_column_refused(db, write):
    path = write("calls.csv", "主叫号码,被叫号码,通话开始时间,通话时间\n1,2,3,4\n")
    with pytest.raises(InputFileError, match="both map to started_at"):
        ingest(db, path)


def test_xlsx_and_parquet(db, tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["人员编号", "抓获时间", "数量克", "案件编号"])
    ws.append(["P1", dt.datetime(2019, 4, 1, 10, 30), 5.5, "AJ1"])
    ws.append([])
    ws.append(["P2", "2019-02-30 10:00", 1, "AJ1"])
    ws.append(["P3", dt.datetime(2019, 4, 2), None, None])
    wb.save(tmp_path / "arrests.xlsx")
    pd.DataFrame({
        "phone": [13800138000.0, 13900139000.0, None],  # floats, as from a spreadsheet
        "person_id": ["P1", "P2", "P3"],
    }).to_parquet(tmp_path / "phones.parquet")
    report = ingest(db, tmp_path / "arrests.xlsx", tmp_path / "phones.parquet")
    assert [only_f(f) for f in report.files] == [(3, 2, 0, 1), (3, 2, 0, 1)]
    assert query(db, "SELECT phone FROM phones ORDER BY _line") == [
        ("+8613800138000",), ("+8613900139000",)]
    got = {(r["file"].rsplit("/", 1)[-1], r["line"], r["column"]) for r in rejects(db)}
    assert got == {("arrests.xlsx", 4, "arrested_at"), ("phones.parquet", 3, "phone")}


def test_hostile_text_is_stored_verbatim_and_sql_stays_parameterized(db, write):
    name = "Robert'); DROP TABLE persons;-- <img src=x onerror=alert(1)>"
    text = f'person_id,name,"we""ird, header"\nP1,"{name.replace(chr(34), chr(34) * 2)}",x\n'
    ingest(db, write("persons.csv", text))
    (got,) = query(db, "SELECT name, extra FROM persons")
    assert got[0] == name
    assert json.loads(got[1]) == {'we"ird, header': "x"}


def test_timestamps_compare_in_any_machine_zone(db, write, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    ingest(db, write("calls.csv", CALLS + "13800138000,110,2019-04-01 00:30,1,\n"))
    with Store(db, read_only=True) as store:
        store.con.execute("SET TimeZone = 'America/New_York'")
        n = store.con.execute(
            "SELECT count(*) FROM calls WHERE started_at = TIMESTAMPTZ '2019-03-31 16:30:00+00'"
        ).fetchone()[0]
    assert n == 1


def test_read_only_store_refuses_ingest(db, write):
    Store(db).close()
    with Store(db, read_only=True) as store, pytest.raises(WorkbenchError, match="read-only"):
        ingest_paths(store, [write("calls.csv", CALLS)])


def test_unknown_extension_and_empty_dir(db, tmp_path):
    (tmp_path / "calls.json").write_text("{}")
    with pytest.raises(InputFileError, match="unsupported file type"):
        ingest(db, tmp_path / "calls.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="no CSV"):
        ingest(db, tmp_path / "empty")


@pytest.mark.slow
def test_fast_and_exact_readers_agree(tmp_path, write):
    """Both readers store the same rows at the same lines, row by row (the store's
    fingerprint leaves line numbers out, so it cannot tell a shifted line)."""
    n = 20_000
    rows = [f"1380{i:07d},1390{(i * 7) % 10**7:07d},2019-04-{1 + i % 28:02d} "
            f"{i % 24:02d}:{i % 60:02d}:00,{i % 900},\"C{i}, west\"" for i in range(n)]
    for bad in (100, 7_777, 19_998):
        rows[bad] = f"1380013xxxx,13900100000,2019-04-01 10:00:00,1,C{bad}"
    path = write("calls.csv", CALLS + "\n".join(rows) + "\n")
    fast = ingest(tmp_path / "a.duckdb", path)
    exact = ingest(tmp_path / "b.duckdb", path, force_exact=True)
    assert fast.files[0].method == "duckdb" and exact.files[0].method == "python-csv"
    assert only(fast) == only(exact) == (n, n - 3, 0, 3)
    query = "SELECT _line, _row_hash, cell_id FROM calls ORDER BY _line"
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        assert a.fingerprint() == b.fingerprint()
        stored_a, stored_b = a.con.execute(query).fetchall(), b.con.execute(query).fetchall()
    assert len(stored_a) == n - 3 and stored_a == stored_b
    assert stored_a[0][0] == 2 and stored_a[-1][0] == n + 1
    assert stored_a[5][2] == "C5, west"
    bad_lines = [102, 7_779, 20_000]
    assert [r["line"] for r in rejects(tmp_path / "a.duckdb")] == bad_lines
    assert [r["line"] for r in rejects(tmp_path / "b.duckdb")] == bad_lines


def test_not_a_store(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE something (x INT)")
    con.close()
    with pytest.raises(WorkbenchError, match="not a workbench case store"):
        Store(path)
    (tmp_path / "junk.duckdb").write_text("hello")
    with pytest.raises(WorkbenchError, match="not a"):
        Store(tmp_path / "junk.duckdb")


def test_newer_schema_refused(db):
    Store(db).close()
    con = duckdb.connect(str(db))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(WorkbenchError, match="schema version 99, newer"):
        Store(db)


def test_older_store_is_migrated(db, monkeypatch):
    import workbench.store.database as store_mod

    Store(db).close()  # a current store, made to look like version 1
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE phone_links")
    for kind in ("stays", "visits", "trips"):
        con.execute(f"DROP TABLE {kind}")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    with Store(db) as store:  # the real migrations 1 -> 2 -> 3 -> 4
        assert store.schema_version() == 4
        assert store.con.execute("SELECT count(*) FROM phone_links").fetchall() == [(0,)]
        assert store.con.execute("SELECT count(*) FROM stays").fetchall() == [(0,)]
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 5)
    with pytest.raises(WorkbenchError, match="cannot migrate"):
        Store(db)


def test_crlf_line_endings_and_header_only_file(db, write):
    text = CALLS.replace("\n", "\r\n") + "13800138000,110,2019-04-01 10:00,1,A\r\n" \
        "13800138000,110,2019-04-01 10:01,x,B\r\n"
    report = ingest(db, write("calls.csv", text), write("persons.csv", "person_id,name\n"))
    assert [only_f(f) for f in report.files] == [(2, 1, 0, 1), (0, 0, 0, 0)]
    assert query(db, "SELECT cell_id, _line FROM calls") == [("A", 2)]
    assert rejects(db)[0]["line"] == 3


def test_recorded_fingerprint_matches_content(db, write):
    ingest(db, write("persons.csv", "person_id,name\nP1,A\n"))
    with Store(db) as store:
        first = store.fingerprint()
        assert first == store.compute_fingerprint()
    ingest(db, write("persons_2.csv", "person_id,name\nP2,B\n"))
    with Store(db) as store:
        assert store.fingerprint() == store.compute_fingerprint() != first


# -- stays, visits, trips: people named by person_id or resident ID number ------------------
PRESENCE_REJECTS = [
    ("stays", "place_id,checked_in,id_number\nH1,2019-04-01 22:00,1101051949123100X2\n",
     "id_number", "18 characters"),
    ("stays", "place_id,checked_in,name\nH1,2019-04-01 22:00,\n", "person_id",
     "person_id, id_number or name"),
    ("stays", "place_id,checked_in,checked_out,person_id\nH1,2019-04-02 12:00,"
     "2019-04-01 08:00,P1\n", "checked_out", "before checked_in"),
    ("visits", "place_id,seen_at,person_id\nK1,2019-02-30 01:00,P1\n", "seen_at",
     "invalid timestamp"),
    ("visits", "place_id,seen_at,person_id\n,2019-04-01 01:00,P1\n", "place_id",
     "required field missing"),
    ("trips", "service,departs_at,id_number\nG7512,2019-04-01 09:00,1101051949123100\n",
     "id_number", "18 char"),
]


@pytest.mark.parametrize("kind, text, column, reason", PRESENCE_REJECTS)
def test_presence_kinds_reject_with_file_line_column(db, write, kind, text, column, reason):
    path = write(f"{kind}.csv", text)
    assert only(ingest(db, path)) == (1, 0, 0, 1)
    (rej,) = rejects(db)
    assert (rej["file"], rej["line"], rej["column"]) == (str(path.resolve()), 2, column)
    assert reason in rej["reason"]


@pytest.mark.slow
def test_presence_kinds_chinese_headers_gb18030_legacy_ids_and_duplicates(db, write):
    stays = ("证件号码,姓名,旅馆编码,旅馆名称,房间号,入住时间,退房时间\n"
             "11010519491231002x,张三,H001,如家酒店,301,2019-04-01 22:10,2019-04-02 11:00\n"
             "110105491231002,张三,H001,如家酒店,301,2019-04-01 22:10,2019-04-02 11:00\n"
             "330681199001011237,李四,H001,如家酒店,302,2019/04/01 22:30,\n")
    visits = ("人员编号,场所编码,场所名称,场所类型,核查时间,来源,尿检结果\n"
              "P1,K9,金色年华KTV,KTV,20190401013000,月度检查,阴性\n"
              "P1,K9,金色年华KTV,KTV,20190401013000,月度检查,阴性\n")
    trips = ("身份证号,车次,出发时间,出发站,到达站,座位号,交通方式\n"
             "11010519491231002X,G7512,2019-04-03 09:15,杭州东,北京南,05车12A,火车\n")
    report = ingest(db, write("旅馆住宿.csv", stays, "gb18030"), write("visits.csv", visits),
                    write("trips_2019.csv", trips, "gb18030"))
    got = {f.kind: (f.rows, f.stored, f.duplicates, f.rejected) for f in report.files}
    # a 15-digit legacy number is the same person as its 18-digit form: a duplicate row
    assert got == {"stays": (3, 2, 1, 0), "visits": (2, 1, 1, 0), "trips": (1, 1, 0, 0)}
    assert not rejects(db)
    rows = query(db, "SELECT id_number, room, checked_out IS NULL FROM stays ORDER BY room")
    assert rows == [("11010519491231002X", "301", False), ("330681199001011237", "302", True)]
    assert query(db, "SELECT person_id, place_kind, test_result FROM visits") == [
        ("P1", "KTV", "阴性")]
    assert query(db, "SELECT service, seat, origin FROM trips") == [("G7512", "05车12A", "杭州东")]
    again = ingest(db, write("trips_2019.csv", trips, "gb18030"))
    assert only(again) == (1, 0, 1, 0)


def test_schema_2_store_migrates_to_3_with_presence_tables(db):
    with Store(db) as store:
        parts = "persons:0:0|phones:0:0|accounts:0:0|calls:0:0|transactions:0:0|" \
            "arrests:0:0|kinship:0:0"  # how a schema-2 store printed itself
        before = store.con.execute("SELECT md5(?)", [parts]).fetchall()[0][0]
        for kind in ("stays", "visits", "trips"):
            store.con.execute(f"DROP TABLE {kind}")
        store.set_meta("schema_version", "2")
    with pytest.raises(WorkbenchError, match="migrate"):
        Store(db, read_only=True)
    with Store(db) as store:
        assert store.schema_version() == 4
        assert store.counts()["stays"] == 0
        assert store.compute_fingerprint() == before  # empty new kinds leave the print alone
