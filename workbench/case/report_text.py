"""The report's words: Chinese labels for roles, tiers and statuses, and the rows of its
summary and method sections (parameters, thresholds from the data, versions).

Examples
--------
>>> tier_text("calls+money+arrests")
'通话 + 资金 + 抓获'
>>> money(151190)
'151,190.00'
"""

from __future__ import annotations

import platform
from importlib import metadata

from .. import __version__

__all__ = ["ROLES", "STATUSES", "tier_text", "money", "family_text", "regional_text",
           "link_summary", "params_rows", "threshold_rows", "version_rows", "method_text"]

ROLES = {"organizer": "组织者", "member": "成员", "broker": "中间人", "associate": "关联人",
         "service": "服务号码", "supplier": "上家"}
STATUSES = {"open": "待查", "confirmed": "已证实", "refuted": "已排除"}
_MAX_HUBS = 12
_SIGNALS = {"one_way": "单向往来", "unrelated": "对象之间无关联", "shallow": "每个对象通话少",
            "plain": "非团伙式通话"}
_LAYERS = {"calls": "通话", "money": "资金", "arrests": "抓获", "coarrest": "同案抓获",
           "kinship": "亲属", "shared": "共用号码/账号", "copresence": "同住/同行",
           "none": "无"}


def tier_text(tier) -> str:
    """A ring's kinds of evidence in Chinese."""
    return " + ".join(_LAYERS.get(p, p) for p in str(tier or "none").split("+"))


def money(amount) -> str:
    """An amount in yuan with thousands separators, or '' when there is none."""
    return "" if amount is None else f"{float(amount):,.2f}"


def family_text(ring: dict, label) -> str:
    """Whether the ring is family-based, and whose family, in words."""
    fam = ring.get("family")
    if not fam:
        return "否"
    if isinstance(fam, dict):
        core = fam.get("core") or []
        share = float(fam.get("share") or 0)
        return f"是：亲属核心 {len(core)} 人（占 {share:.0%}）" + (
            f"，{label(core[0])} 等" if core else "")
    core = ring.get("family_core") or []
    if core:
        return (f"是：{label(ring['leader'])} 及其亲属共 {len(core)} 人，占 {ring.get('size')} "
                f"人中的 {len(core) / max(int(ring.get('size') or 1), 1):.0%}")
    kin = int((ring.get("evidence") or {}).get("kin_links") or 0)
    return f"是（团伙内亲属关系 {kin} 条）"


def regional_text(ring: dict) -> str:
    """The ring's shared registration county, in words."""
    reg = ring.get("regional")
    if not reg:
        return "否"
    return (f"{reg.get('place') or ''}（{reg.get('code')}），{reg.get('members')}/"
            f"{ring.get('size')} 人")


def link_summary(d: dict) -> str:
    """What a link's layers say, in one line of Chinese."""
    bits = []
    if d.get("n_calls"):
        bits.append(f"通话 {int(d['n_calls'])} 次（夜间 {int(d.get('n_night', 0))} 次，"
                    f"短通话 {int(d.get('n_short', 0))} 次，共 {int(d.get('duration_s', 0))} 秒）")
    if d.get("n_tx"):
        total = float(d.get("total_uv", 0) or 0) + float(d.get("total_vu", 0) or 0)
        bits.append(f"转账 {int(d['n_tx'])} 笔，共 {money(total)} 元")
    if d.get("n_cases"):
        bits.append(f"同案抓获 {int(d['n_cases'])} 起")
    if d.get("kin"):
        bits.append("亲属关系")
    if d.get("shared"):
        bits.append("共用号码或账号")
    if d.get("n_meet"):
        bits.append(f"同住/同行 {int(d['n_meet'])} 次")
    strength = float(d.get("weight", 0) or 0)
    return ("；".join(bits) or "（无单项计数）") + f"。关系强度 {strength:.3f}。"


def _plain(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or "（无）"
    if isinstance(value, dict):
        return "; ".join(f"{k}={_plain(v)}" for k, v in sorted(value.items())) or "（无）"
    return "（无）" if value is None else str(value)


def params_rows(params: dict, view: dict) -> list[list[str]]:
    """The parameters of the analysis (stable ones only: no timings)."""
    ring = params.get("ring") or {}
    links = params.get("links") or {}
    rows = [["选择", _plain({k: v for k, v in view.items()}) if view else "全部团伙"],
            ["社区发现", f"Leiden（{params.get('objective', 'CPM')}），随机种子 "
                         f"{ring.get('seed', 0)}"],
            ["分辨率阶梯", _plain(params.get("resolutions"))],
            ["团伙人数", f"{ring.get('min_size')} 至 {ring.get('max_size')} 人"],
            ["最低评分", _plain(ring.get("min_score"))],
            ["关系层权重", _plain(params.get("weights") or {})],
            ["夜间时段", f"{links.get('night_start')} 时至次日 {links.get('night_end')} 时"],
            ["短通话", f"不超过 {links.get('short_s')} 秒"],
            ["最小关系强度", _plain(params.get("min_weight"))],
            ["评判依据", _plain(params.get("basis"))]]
    return rows


def threshold_rows(params: dict) -> list[list[str]]:
    """The thresholds the case's own data gave (baseline, busy numbers, services)."""
    base = params.get("baseline") or {}
    rows = [["全案夜间通话比例", _plain(base.get("night"))],
            ["全案短通话比例", _plain(base.get("short"))],
            ["每对号码平均通话", _plain(base.get("calls_per_pair"))],
            ["案件具有的证据种类", tier_text("+".join(base.get("kinds") or []))],
            ["同行强度第 90 百分位", _plain(base.get("meet_q90"))]]
    for kind, info in sorted((params.get("services") or {}).items()):
        what = "号码" if kind == "phone" else "账户"
        rows.append([f"繁忙{what}门槛（Q3 + 3 × IQR，至少 10）",
                     _plain(info.get("busy_threshold"))])
        if info.get("tie_fence") is not None:  # a close tie makes a busy node a person
            rows.append([f"繁忙{what}的密切联系：每对联系次数高于（Q3 + 3 × IQR，双向）",
                         _plain(info.get("tie_fence"))])
            rows.append([f"繁忙{what}的密切联系至少占其联系（1 / 繁忙门槛）",
                         _plain(info.get("person_share"))])
    hubs = params.get("hubs") or []
    for hub in hubs[:_MAX_HUBS]:
        said = "、".join(_SIGNALS.get(k, k) for k, on in sorted((hub.get("signals") or {})
                                                              .items()) if on) or "无"
        owner = "未登记到已知人员" if not hub.get("owner") else f"登记人 {hub['owner']}"
        rows.append([f"视为服务：{hub.get('id')}",
                     f"往来对象 {hub.get('counterparts')} 个；{owner}；行为信号：{said}"])
    if len(hubs) > _MAX_HUBS:
        rows.append(["视为服务（其余）", f"另有 {len(hubs) - _MAX_HUBS} 个号码或账户，"
                                       "见 workbench rings --json 的 params.hubs"])
    regional = params.get("regional") or {}
    if regional.get("rule"):
        rows.append(["地域团伙规则", str(regional["rule"])])
    return rows


def version_rows() -> list[list[str]]:
    """Versions of the workbench and the libraries the analysis ran on."""
    rows = [["workbench", __version__], ["Python", platform.python_version()]]
    for dist in ("duckdb", "networkx", "igraph", "numpy", "pandas", "matplotlib", "typst"):
        try:
            rows.append([dist, metadata.version(dist)])
        except metadata.PackageNotFoundError:
            rows.append([dist, "（未安装）"])
    return rows


def method_text() -> str:
    """How the rings and links of the report were found, in a paragraph."""
    return ("各类原始记录（通话、转账、抓获、亲属、住宿、场所核查、出行）入库时逐行校验并记录来源"
            "文件、SHA-256 与行号；号码和账户按使用期间归属到人员。关系由多个层组成：通话（次数、"
            "夜间与短通话占比）、资金（笔数与金额）、同案抓获、亲属、共用号码或账户以及同住同行"
            "（与随机相遇的概率比较）。各层按权重融合为一张加权图，以 Leiden 算法在一组由数据得出"
            "的分辨率上发现社区，按证据评分并剔除弱关联人员；服务号码（出租车、运营商等）按行为识别，"
            "其关系不参与分组。所有阈值均由本案数据得出，见下表。")
