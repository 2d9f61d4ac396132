"""Personal names as identity evidence: one spelling per name, and its pinyin key.

Chinese names repeat (张伟 is hundreds of people in a county), bank card systems write the
account name in upper-case pinyin (``ZHANG WEI``), and homophones (张伟, 张玮) share their
pinyin. A name is therefore evidence weighed by how common it is in the case
(:mod:`workbench.identity.weights`), and the pinyin key only brings records and persons
together for comparison (blocking): it never proves anything by itself.

pypinyin reads some surnames as the common word (单 dan, 曾 ceng, 解 jie, 仇 chou, 区 qu);
:data:`SURNAME_READINGS` gives the surname reading, and compound surnames (欧阳, 司马) are
read as one.

Examples
--------
>>> clean_name(" 张 伟 "), clean_name("ZHANG  WEI")
('张伟', 'ZHANG WEI')
>>> pinyin_key("单雄信"), pinyin_key("SHAN XIONGXIN"), pinyin_key("曾国藩")
('shanxiongxin', 'shanxiongxin', 'zengguofan')
>>> name_script("区志强"), name_script("OU ZHIQIANG"), name_script(None)
('han', 'latin', None)
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["SURNAME_READINGS", "COMPOUND_SURNAMES", "clean_name", "name_script",
           "pinyin_key", "pinyin_keys"]

#: surnames whose reading differs from the character's common reading
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao",
    "查": "zha", "盖": "ge", "缪": "miao", "覃": "qin", "翟": "zhai", "乐": "yue",
    "尉": "yu", "召": "shao", "秘": "bi", "种": "chong", "员": "yun", "繁": "po",
    "句": "gou", "黑": "he", "任": "ren", "华": "hua", "纪": "ji", "万": "wan",
    "柏": "bai", "薄": "bo", "长": "chang", "重": "chong", "都": "du", "藏": "zang",
}
#: two-character surnames, read as one word
COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "ouyang", "司马": "sima", "诸葛": "zhuge", "上官": "shangguan",
    "东方": "dongfang", "皇甫": "huangfu", "尉迟": "yuchi", "公孙": "gongsun",
    "慕容": "murong", "长孙": "zhangsun", "夏侯": "xiahou", "令狐": "linghu",
    "宇文": "yuwen", "司徒": "situ", "西门": "ximen", "端木": "duanmu", "南宫": "nangong",
    "单于": "chanyu", "澹台": "tantai", "万俟": "moqi", "闻人": "wenren", "轩辕": "xuanyuan",
}
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_SPACES = re.compile(r"\s+")


def clean_name(raw: str | None) -> str | None:
    """One spelling of a name: NFKC, trimmed; Chinese names without spaces, pinyin names
    with single spaces. None for a blank name.

    >>> clean_name("欧阳 娜娜"), clean_name("  ") is None
    ('欧阳娜娜', True)
    """
    if raw is None:
        return None
    s = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw).replace("\ufeff", "")).strip()
    if not s:
        return None
    if _HAN.search(s):
        s = s.replace(" ", "")
    return s


def name_script(name: str | None) -> str | None:
    """``han`` (Chinese characters), ``latin`` (pinyin or Western letters), ``code`` for a
    placeholder holding digits (``旅客228``: "guest 228": compared only as written, never
    by its pinyin) or None.

    >>> name_script("旅客228"), name_script("ZHANG WEI"), name_script("-") is None
    ('code', 'latin', True)
    """
    if not name:
        return None
    if any(c.isdigit() for c in name):
        return "code"
    if _HAN.search(name):
        return "han"
    if _LATIN.search(name):
        return "latin"
    return None


def _fold_latin(s: str) -> str:
    s = s.lower().replace("ü", "v").replace("u:", "v")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if "a" <= c <= "z")


@functools.lru_cache(maxsize=200_000)
def pinyin_key(name: str | None) -> str | None:
    """The toneless pinyin of a name, lower case, without spaces (surname first).

    ``ü`` is written ``v`` (吕 lv); a name in Latin letters is folded the same way
    (``LYU`` stays ``lyu``: banks differ, and so may the key).

    >>> pinyin_key("欧阳娜娜"), pinyin_key("Ou-Yang Na Na"), pinyin_key("吕布")
    ('ouyangnana', 'ouyangnana', 'lvbu')
    """
    script = name_script(name)
    if script == "code":
        return None
    if script == "latin":
        return _fold_latin(name) or None
    if script != "han":
        return None
    chars = "".join(c for c in name if _HAN.match(c))
    if not chars:
        return None
    if chars[:2] in COMPOUND_SURNAMES and len(chars) > 2:
        head, rest = COMPOUND_SURNAMES[chars[:2]], chars[2:]
    elif chars[0] in SURNAME_READINGS and len(chars) > 1:
        head, rest = SURNAME_READINGS[chars[0]], chars[1:]
    else:
        head, rest = "", chars
    return _fold_latin(head + "".join(_char_pinyin(c) for c in rest)) or None


_UMLAUT = str.maketrans({c: "v" for c in "üǖǘǚǜ"})


@functools.lru_cache(maxsize=50_000)
def _char_pinyin(ch: str) -> str:
    """The first (most common) reading of a character in pypinyin's table, toneless.

    Character by character: names are not phrases, and a table lookup is ~100x faster
    than pypinyin's phrase segmentation (1M records hold ~10^5 distinct names).

    >>> _char_pinyin("吕"), _char_pinyin("娜")
    ('lv', 'na')
    """
    from pypinyin.pinyin_dict import pinyin_dict

    reading = pinyin_dict.get(ord(ch))
    if not reading:
        return ""
    first = reading.split(",")[0].translate(_UMLAUT)
    return "".join(c for c in unicodedata.normalize("NFKD", first) if "a" <= c <= "z")


def pinyin_keys(name: str | None) -> list[str]:
    """Keys to block on: :func:`pinyin_key`, and for a name in Latin letters written given
    name first (``WEI ZHANG``) also the key with the last word first.

    >>> pinyin_keys("WEI ZHANG")
    ['weizhang', 'zhangwei']
    """
    key = pinyin_key(name)
    if not key:
        return []
    out = [key]
    if name_script(name) == "latin":
        words = [w for w in re.split(r"[\s,]+", name.strip()) if w]
        if len(words) > 1:
            alt = _fold_latin(words[-1] + "".join(words[:-1]))
            if alt and alt != key:
                out.append(alt)
    return out
