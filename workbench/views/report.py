"""The case report as a PDF, typeset with Typst (the PyPI wheel; nothing is fetched).

The report's content arrives as one JSON document (built by the case's report part) and
the template ``report.typ`` shows every value as text: a name or note from seized data can
never become markup. The CJK font is the system's WenQuanYi Micro Hei (or another CJK font
file found), embedded as a subset; system fonts are otherwise ignored, so two machines with
the same font file give the same bytes. The request that made the report is attached to
the PDF as ``request.json`` and read back by :func:`read_request`; the creation time is
fixed by the caller (the time of the last logged action the report covers), so a rebuild
from the same store is byte-for-byte the same.

Examples
--------
>>> pdf = render_report(minimal_model(), request={"view": {}}, timestamp=0)
>>> pdf[:5], read_request(pdf)
(b'%PDF-', {'view': {}})
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import logging
import re
import tempfile
import zlib
from importlib import resources
from pathlib import Path

from ..errors import WorkbenchError

__all__ = ["render_report", "read_request", "cjk_font_file", "minimal_model", "REPORT_FORMAT"]

log = logging.getLogger(__name__)

REPORT_FORMAT = "workbench-report/1"

#: CJK font files, best first (Debian/Ubuntu, Fedora)
_CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc")


def cjk_font_file() -> Path:
    """The CJK font file the report embeds (WenQuanYi Micro Hei first)."""
    for pattern in _CJK_FILES:
        for path in sorted(glob.glob(pattern)):
            return Path(path)
    raise WorkbenchError("no CJK font for the report: install fonts-wqy-microhei "
                         "(apt-get install fonts-wqy-microhei)")


def _family(path: Path) -> str:
    return "WenQuanYi Micro Hei" if "wqy-microhei" in path.name else (
        "WenQuanYi Zen Hei" if "zenhei" in path.name else "Noto Sans CJK SC")


def minimal_model() -> dict:
    """An empty report's content (every field the template reads): a starting point and
    the doctest's input."""
    return {"title": "案件分析报告", "subtitle": "", "case_label": "", "cover": [],
            "cover_note": "", "summary": {"text": "", "rings": [], "members": []},
            "chart": None, "chart_note": "", "players_note": "", "players": [],
            "links_note": "", "link_groups": [], "timeline_note": "", "timeline_chart": None,
            "timeline": [], "notes": [],
            "method": {"text": "", "params": [], "thresholds": [], "versions": [],
                       "store": [], "sources": [], "log": [], "reproduce": "",
                       "request": "{}"}}


def render_report(model: dict, *, request: dict, timestamp, chart_svg: bytes | None = None,
                  timeline_svg: bytes | None = None) -> bytes:
    """Typeset the report; return the PDF's bytes.

    Parameters
    ----------
    model : dict
        The content (see :func:`minimal_model` for its fields); every value is text.
    request : dict
        What made the report; attached to the PDF as ``request.json``.
    timestamp : int or datetime
        The PDF's creation time (fixed: a rebuild gives the same bytes).
    chart_svg, timeline_svg : bytes, optional
        The diagram and the timeline drawn by :mod:`workbench.views.diagram`.
    """
    import typst

    font = cjk_font_file()
    template = resources.files("workbench.views").joinpath("report.typ").read_text("utf-8")
    template = template.replace('"WenQuanYi Micro Hei"', json.dumps(_family(font)))
    request_text = json.dumps(request, ensure_ascii=False, sort_keys=True)
    attach = ('#pdf.attach("request.json", bytes(d.method.request_compact), '
              'mime-type: "application/json", description: "workbench report request")\n')
    with tempfile.TemporaryDirectory(prefix="wb-report-") as tmp:
        root = Path(tmp)
        doc = {**model, "method": {**model["method"], "request_compact": request_text}}
        if chart_svg is not None:
            (root / "chart.svg").write_bytes(chart_svg)
            doc["chart"] = "chart.svg"
        if timeline_svg is not None:
            (root / "timeline.svg").write_bytes(timeline_svg)
            doc["timeline_chart"] = "timeline.svg"
        (root / "data.json").write_text(json.dumps(doc, ensure_ascii=False, sort_keys=True),
                                        encoding="utf-8")
        (root / "main.typ").write_text(template + attach, encoding="utf-8")
        if isinstance(timestamp, dt.datetime):
            timestamp = int(timestamp.timestamp())
        try:
            compiler = typst.Compiler(str(root / "main.typ"), root=str(root),
                                      font_paths=[str(font.parent)], ignore_system_fonts=True)
            pdf = compiler.compile(format="pdf", timestamp=int(timestamp))
        except Exception as exc:  # typst reports its own errors with their own class
            first = str(getattr(exc, "message", exc)).splitlines()[0]
            raise WorkbenchError(f"the report could not be typeset: {first}") from None
    log.info("typeset the report (%d bytes)", len(pdf))
    return pdf


_EMBEDDED = re.compile(rb"<<([^<>]*?/Type\s*/EmbeddedFile[^<>]*?)(?:<<[^<>]*>>[^<>]*)?>>\s*"
                       rb"stream\r?\n", re.S)


def read_request(pdf: bytes) -> dict:
    """The request attached to a report written by :func:`render_report`."""
    if not pdf.startswith(b"%PDF-"):
        raise WorkbenchError("not a PDF file")
    for found in _EMBEDDED.finditer(pdf):
        head = found.group(0)
        length = re.search(rb"/Length\s+(\d+)(\s+\d+\s+R)?", head)
        if not length or length.group(2):
            continue
        start = found.end()
        data = pdf[start:start + int(length.group(1))]
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(doc, dict):
            return doc
    raise WorkbenchError("not a workbench report (no request attached)")
