"""The case report for prosecutors: part of :class:`~workbench.case.Case`.

The part gathers what the report shows (the view of the selection, the records behind every
link with their files' SHA-256, notes, parameters, versions, the log's head) into plain
text fields and hands them to :mod:`workbench.views.report` to typeset. Everything is
sorted and nothing depends on the clock: the report's date is the time of the last logged
action it covers, so :meth:`ReportPart.verify_report` can rebuild a report from its
attached request and compare the bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import WorkbenchError
from ..store import list_notes, log_entries, verify_chain
from ..views.link_records import RECORD_KINDS, link_records
from ..views.report import REPORT_FORMAT, read_request, render_report
from ..views.words import number_owners
from .report_text import (
    ROLES,
    STATUSES,
    family_text,
    link_summary,
    method_text,
    money,
    params_rows,
    regional_text,
    threshold_rows,
    tier_text,
    version_rows,
)
from .team import notes_for_view

if TYPE_CHECKING:
    from .facade import Case
    from .state import CaseState

__all__ = ["ReportPart", "REPORT_RECORD_LIMIT"]

log = logging.getLogger(__name__)

#: records per kind a report lists (a report lists every record behind its links)
REPORT_RECORD_LIMIT = 200_000
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _time(text: str) -> str:
    return text[:19].replace("T", " ") if text else ""


def _kin_of(ring: dict, records: dict) -> list[str]:
    """The organizer and the members tied to him by kinship records (through other kin)."""
    members = set(ring.get("members") or [])
    adj: dict[str, set[str]] = {}
    for r in records.get("kinship", []):
        a, b = str(r.get("person_a")), str(r.get("person_b"))
        if a in members and b in members:
            adj.setdefault(a, set()).add(b)
            adj.setdefault(b, set()).add(a)
    seen, todo = set(), [ring.get("leader")]
    while todo:
        x = todo.pop()
        if x in seen or x not in adj:
            continue
        seen.add(x)
        todo.extend(adj[x])
    return sorted(seen)


class ReportPart:
    """One part of :class:`~workbench.case.Case`: it shares the case's
    :class:`~workbench.case.state.CaseState` (store path, caches) and reaches the other parts
    through the case."""

    def __init__(self, state: CaseState, case: Case) -> None:
        self._state = state
        self._case = case

    def report(self, out, *, ring: str | None = None, person: str | None = None,
               hops: int | None = None, redact: bool = False, redact_names: bool = False,
               title: str | None = None, since=None, until=None,
               via_services: bool = False, actor: str | None = None) -> dict:
        """Write the case report (PDF) of a selection (as for a snapshot); logged.

        Returns ``{"file", "sha256", "pages", "links", "records", "request"}``.
        """
        out = Path(out)
        view = {k: v for k, v in {"ring": ring, "person": person, "hops": hops, "title": title,
                                  "since": since, "until": until,
                                  "via_services": via_services or None}.items()
                if v is not None}
        with self._state.open() as store:
            entries = log_entries(store.con)
            notes = list_notes(store.con)
            fingerprint = store.fingerprint()
        request = {"format": REPORT_FORMAT, "view": view, "redact": bool(redact),
                   "redact_names": bool(redact_names),
                   "notes_upto": notes[-1]["note_id"] if notes else 0,
                   "log_upto": entries[-1]["seq"] if entries else 0,
                   "log_head": entries[-1]["hash"] if entries else None,
                   "fingerprint": fingerprint, "tool": f"workbench {__version__}"}
        pdf, stats = self.build(request)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(pdf)
        except OSError as exc:
            raise WorkbenchError(f"cannot write {out.name}: {exc.strerror or exc}") from None
        sha = hashlib.sha256(pdf).hexdigest()
        self._case.log_action("report", {"file": out.name, "sha256": sha, "request": request},
                              actor)
        return {"file": out.name, "sha256": sha, **stats, "request": request}

    def build(self, request: dict) -> tuple[bytes, dict]:
        """The report's bytes for a request (:meth:`report` writes them, ``verify``
        rebuilds them), and what it holds (pages, links, records)."""
        from ..views.redact import Redactor

        view = dict(request.get("view") or {})
        vm = self._case.view(record_limit=REPORT_RECORD_LIMIT, **view)
        with self._state.open() as store:
            upto = int(request.get("log_upto") or 0)
            entries = log_entries(store.con, upto=upto) if upto else []
            chain = verify_chain(store.con)
            sources = store.con.execute(
                "SELECT file, kind, stored, sha256 FROM sources ORDER BY sha256").fetchall()
            notes = list_notes(store.con, upto=int(request.get("notes_upto") or 0))
        as_of = (dt.datetime.fromisoformat(entries[-1]["at"].replace("Z", "+00:00"))
                 if entries else _EPOCH)
        model, stats = self._model(vm, request, entries, chain, sources, notes, as_of)
        redact, names = bool(request.get("redact")), bool(request.get("redact_names"))
        vm.meta["generated_at"] = as_of.isoformat(timespec="seconds")  # the chart's footer
        chart, timeline = self._chart(vm, redact, names)
        if redact or names:
            model = Redactor(vm.identifiers, names=names).value(model)
            request = Redactor(vm.identifiers, names=names).value(request)
        pdf = render_report(model, request=request, timestamp=as_of, chart_svg=chart,
                            timeline_svg=timeline)
        stats["pages"] = pdf.count(b"/Type/Page/") + pdf.count(b"/Type /Page/")
        return pdf, stats

    def _chart(self, vm, redact: bool, names: bool) -> tuple[bytes | None, bytes | None]:
        """The diagram and its timeline as SVG, drawn deterministically."""
        import matplotlib

        from ..views.diagram import draw_diagram

        if vm.graph.number_of_nodes() == 0:
            return None, None
        saved = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = "946684800"  # matplotlib's SVG date: fixed
        try:
            with tempfile.TemporaryDirectory(prefix="wb-chart-") as tmp, \
                    matplotlib.rc_context({"svg.hashsalt": "workbench-report"}):
                path = Path(tmp) / "chart.svg"
                draw_diagram(vm, path, redact=redact, redact_names=names)
                side = path.with_name("chart_timeline.svg")
                return path.read_bytes(), side.read_bytes() if side.exists() else None
        finally:
            if saved is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = saved

    def _model(self, vm, request, entries, chain, sources, notes, as_of) -> tuple[dict, dict]:
        g = vm.graph
        names = {str(n): str(d.get("name") or "") for n, d in g.nodes(data=True)}

        def label(n) -> str:
            n = str(n)
            return f"{names[n]}（{n}）" if names.get(n) else n

        rings = [{**r, "family_core": _kin_of(r, vm.records)} for r in
                 sorted(vm.meta.get("rings", []), key=lambda r: r["id"])]
        sha = vm.meta.get("sources") or {}
        counts = vm.meta.get("counts") or {}
        view = request.get("view") or {}
        selection = (f"团伙 {view['ring']}" if view.get("ring") else
                     f"人员 {view['person']} 及其 {view.get('hops') or 1} 跳关系"
                     if view.get("person") else "全部团伙及其中间人")
        window = f"{view.get('since') or '数据起始'} 至 {view.get('until') or '数据结束'}"
        cover = [["案件库", self._state.path.name], ["分析范围", selection],
                 ["时间范围", window],
                 ["数据截至（最后一项记录操作，UTC）", as_of.isoformat(timespec="seconds")],
                 ["数据指纹", str(vm.meta.get("fingerprint"))],
                 ["脱敏", "是" if request.get("redact") or request.get("redact_names")
                  else "否"], ["生成工具", f"workbench {__version__}"]]
        # key players and what they hold
        owners = number_owners(vm.records)
        held: dict[str, list[str]] = {}
        for ident, pid in owners.items():
            held.setdefault(pid, []).append(ident)
        people = sorted(((n, d) for n, d in g.nodes(data=True)),
                        key=lambda x: (-round(float(x[1].get("score") or 0), 6), str(x[0])))
        players = [[str(i), label(n), str(d.get("ring") or ""),
                    ROLES.get(str(d.get("role") or ""), str(d.get("role") or "")),
                    f"{float(d.get('score') or 0):.3f}", "、".join(sorted(held.get(str(n),
                                                                              []))[:4])]
                   for i, (n, d) in enumerate(people[:40], start=1)]
        # links, grouped by ring
        order = {r["id"]: i for i, r in enumerate(rings)}
        groups: dict[str, list] = {}
        n_records = 0
        for a, b, d in g.edges(data=True):
            u, v = sorted((str(a), str(b)))
            ru, rv = g.nodes[a].get("ring"), g.nodes[b].get("ring")
            key = ru if ru and ru == rv else ""
            recs = link_records(vm.records, u, v)
            n_records += len(recs)
            files = sorted({r["file"] for r in recs})
            groups.setdefault(key, []).append((-round(float(d.get("weight", 0)), 6), u, v, {
                "title": f"{label(u)} — {label(v)}", "summary": link_summary(d),
                "records": [[_time(r["time"]), RECORD_KINDS.get(r["kind"], r["kind"]),
                             r["what"], money(r["amount"]),
                             "" if r["duration_s"] is None else str(int(r["duration_s"])),
                             f"{r['file']}:{r['line']}"] for r in recs],
                "files": [[f, sha.get(f, "（未知）")] for f in files],
                "empty": "本视图未列出该关系的单条记录（依据见关系层说明，如共用号码或账号）。"}))
        link_groups = []
        for key in sorted(groups, key=lambda k: (k == "", order.get(k, 999), k)):
            title = (f"团伙 {key}" if key else "团伙之间及外围的关系")
            link_groups.append({"title": title,
                                "links": [x[3] for x in sorted(groups[key],
                                                               key=lambda x: x[:3])]})
        # timeline per month
        months: dict[str, list] = {}
        for kind, field, col in (("calls", "started_at", 0), ("transactions", "occurred_at", 1),
                                 ("arrests", "arrested_at", 3), ("meetings", "time", 4)):
            for r in vm.records.get(kind, []):
                if r.get(field):
                    row = months.setdefault(str(r[field])[:7], [0, 0, 0.0, 0, 0])
                    row[col] += 1
                    if kind == "transactions":
                        row[2] += float(r.get("amount") or 0)
        timeline = [[m, str(c), str(t), money(a), str(ar), str(me)]
                    for m, (c, t, a, ar, me) in sorted(months.items())]
        kept = notes_for_view(notes, g.nodes, vm.identifiers, [r["id"] for r in rings])
        note_rows = [[str(n["note_id"]), n["target"], STATUSES.get(n["status"], n["status"]),
                      n["author"], n["at"], n["text"]] for n in kept]
        head = f"{entries[-1]['seq']}:{entries[-1]['hash']}" if entries else "（无）"
        model = {
            "title": vm.title if view.get("title") else "案件分析报告",
            "subtitle": f"{selection} · {self._state.path.name}",
            "case_label": self._state.path.name, "cover": cover,
            "cover_note": "本报告中的每条关系均列明其依据的原始记录（来源文件名、文件 SHA-256、"
                          "行号）；第七部分列出方法、参数、版本与数据指纹，并说明如何复现。",
            "summary": {
                "text": f"本报告涵盖 {len(rings)} 个团伙、{g.number_of_nodes()} 个人员或号码、"
                        f"{g.number_of_edges()} 条关系，列出 {n_records} 条原始记录。团伙按证据"
                        "种类多少、再按评分排序；编号见各表。",
                "rings": [[r["id"], tier_text(r.get("tier")), f"{float(r['score']):.3f}",
                           str(r["size"]), label(r["leader"]), family_text(r, label),
                           regional_text(r)] for r in rings],
                "members": [[r["id"], "、".join(
                    f"{label(m)}{'（组织者）' if m == r['leader'] else ''}"
                    for m in sorted(r["members"]))] for r in rings]},
            "chart_note": "图例：实线为通话，绿色箭头为资金（付款方指向收款方），其他关系层各用"
                          "一种曲线；线宽表示关系强度；星号为组织者。",
            "players_note": "按关键人物得分排序（组织、中介与资金流向的综合度量），列出前 40 名。",
            "players": players,
            "links_note": "每条关系列出其全部原始记录：时间（案件当地时间）、类别、号码或账号、"
                          "金额、时长、来源文件名与行号；其下为所引文件的 SHA-256。",
            "link_groups": link_groups,
            "timeline_note": "按月统计本报告所涉记录；图为第一个团伙（或所选人员）的时间线。",
            "timeline": timeline, "notes": note_rows,
            "method": {
                "text": method_text(),
                "params": params_rows(vm.meta.get("params") or {}, view),
                "thresholds": threshold_rows(vm.meta.get("params") or {}),
                "versions": version_rows(),
                "store": [["数据指纹", str(vm.meta.get("fingerprint"))]]
                         + [[k, str(v)] for k, v in sorted(counts.items())],
                "sources": [[Path(str(f)).name, k, str(s), h] for f, k, s, h in
                            sorted(sources, key=lambda x: (Path(str(x[0])).name, x[3]))],
                "log": [["所涵盖的操作", f"第 1 至 {len(entries)} 项"], ["截至该项的链头",
                                                                   head],
                        ["报告生成时哈希链", "完整" if chain["intact"] else
                         f"在第 {chain['broken_at']} 项断裂：{chain['reason']}"]],
                "reproduce": "在同一案件库上运行 workbench verify --db 案件库 本报告.pdf，"
                             "即按下方请求重建本报告并逐字节比对；数据、参数、笔记或日志有任何"
                             "变化都会被指出。",
                "request": json.dumps(request, ensure_ascii=False, indent=1,
                                      sort_keys=True)}}
        return model, {"links": g.number_of_edges(), "records": n_records}

    def verify_report(self, path) -> dict:
        """Rebuild a report from its attached request and compare it byte for byte:
        ``{"file", "title", "same_data", "reproduced", "reason", ...}``."""
        path = Path(path)
        try:
            pdf = path.read_bytes()
        except OSError as exc:
            raise WorkbenchError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
        request = read_request(pdf)
        if request.get("format") != REPORT_FORMAT:
            raise WorkbenchError(f"{path.name}: not a workbench report")
        fingerprint = self._case.fingerprint()
        out = {"file": path.name, "title": "case report", "request": request,
               "snapshot_fingerprint": request.get("fingerprint"),
               "store_fingerprint": fingerprint, "changed_counts": {},
               "same_data": request.get("fingerprint") == fingerprint,
               "tool": {"report": request.get("tool"), "now": f"workbench {__version__}"}}
        try:
            again, _ = self.build(request)
        except WorkbenchError as exc:
            out.update(reproduced=False, reason=str(exc))
            return out
        out["reproduced"] = again == pdf
        out["sha256"] = hashlib.sha256(pdf).hexdigest()
        if not out["reproduced"]:
            chain = self._case.verify_log()
            if not out["same_data"]:
                out["reason"] = "the data changed since the report"
            elif not chain["intact"]:
                out["reason"] = f"the action log was changed: {chain['reason']}"
            elif request.get("redact") or request.get("redact_names"):
                out["reason"] = "a redacted report's request holds pseudonyms; rebuilt differs"
            else:
                out["reason"] = ("same data, different bytes: parameters, notes, tool or font "
                                 "versions differ")
        return out
