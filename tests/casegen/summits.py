"""A criminal organization observed only at its meetings (summits), with bosses to find.

Modelled, from published descriptions only, on the Italian 'Ndrangheta summit data (the
Infinito investigation: about 150 members observed at a few dozen summits over about two
years, about a quarter of them bosses). Written independently of the detector: it never read
``workbench``'s ring, graph, evidence or analysis code. :func:`write_summits` writes the files
of the data contract and a ``truth.json``.

What varies by seed (``truth["params"]``):

- members 100-250 in locals (clans) of uneven size, each with at least one boss; boss share
  15-30%;
- how strongly bosses stand out: ``boss_pull`` multiplies a boss's propensity to attend (from
  about 1.1, barely, to about 4); ``preside`` is the chance that a local's meeting has one of
  its bosses; ``boss_focus`` the share of bosses at the bosses' summits (the rest are drivers
  and escorts); some bosses are low-profile whatever the seed;
- locals meet mostly among themselves (``clan_mix``: share of outsiders at a local's meeting);
- summits: most small (3-8 attendees: a local's meeting or a bosses' summit), a few large
  (weddings, funerals, christenings, the annual general summit: 20-40 members) with noise
  people: the venue's staff (who are seen again at other events at their venue), relatives
  and family guests (the host local's relatives may come to several of its family events),
  diners at nearby tables, other guests of a hotel;
- many ordinary members attend only one or two summits (propensity is heavy-tailed, and a
  member seen nowhere else is added to one of his local's events);
- background: police checks of the same venues on other days find ordinary patrons;
- almost no calls: none, or a handful of brief daytime calls within a local.

Meetings are ``visits`` (a police sighting at a venue: restaurant, banquet hall, farm
restaurant, tea house, bar, funeral parlour; each attendee seen within 40 minutes of the
start, up to 2 hours at a large event) or, for some summits away from home, ``stays`` (the
attendees register at one hotel the same night, rooms on one floor). At one venue no two
events fall on the same day. Registrations name persons by resident ID number and name,
all of whom are in ``persons.csv`` (the population registry extract).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd

from tests.casegen.evidence_county import SURNAMES, make_id_numbers, random_names

START = np.datetime64("2007-01-01T00:00:00")
#: registration counties of the home city (where the organization lives and meets)
HOME_REGIONS = ["330681", "330682", "330683", "330602"]
#: far counties the locals' families came from (the organization's origin)
ORIGIN_REGIONS = ["513436", "513432", "522422", "530381", "511321", "433130"]
VENUE_KINDS = {  # kind: (name stem, place_kind, hosts)
    "restaurant": ("饭店", "餐厅", "small large"),
    "banquet": ("大酒店宴会厅", "宴会厅", "large"),
    "farm": ("农家乐", "餐厅", "small"),
    "tea": ("茶楼", "茶楼", "small"),
    "bar": ("酒吧", "酒吧", "small"),
    "funeral": ("殡仪馆", "殡仪馆", "large"),
}
VENUE_NAMES = "金桥 聚福 望江 迎宾 富春 状元 红星 长乐 东湖 明珠 南山 兴隆 龙泉 天和".split()
HOTELS = ["如家快捷酒店", "锦江之星", "汉庭酒店", "格林豪泰", "城市便捷酒店", "七天连锁酒店"]
SMALL_SIZES = np.arange(3, 9)
SMALL_P = np.array([0.24, 0.22, 0.18, 0.14, 0.12, 0.10])
LARGE_KINDS = ["wedding", "funeral", "christening", "general"]
HEADERS = {
    "persons": ["person_id", "name", "id_number", "birth_date", "sex", "address"],
    "visits": ["id_number", "name", "place_id", "place_name", "place_kind", "seen_at",
               "source"],
    "stays": ["id_number", "name", "place_id", "place_name", "room", "checked_in",
              "checked_out"],
    "phones": ["person_id", "phone"],
    "calls": ["caller", "callee", "started_at", "duration_s"],
}


def _fmt(seconds) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` local times from seconds after 2007-01-01 00:00."""
    t = START + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
    if t.size == 0:
        return np.array([], dtype="<U19")
    return np.char.replace(np.datetime_as_string(t, unit="s"), "T", " ")


class _Summits:
    """Builds the organization, its summits and the noise around them."""

    def __init__(self, seed: int):
        self.seed = seed
        rng = self.rng = np.random.default_rng(seed)
        n = self.n = int(rng.integers(100, 251))
        self.p = {
            "members": n,
            "boss_share": float(rng.uniform(0.15, 0.30)),
            "boss_pull": float(np.exp(rng.uniform(np.log(1.1), np.log(4.0)))),
            "preside": float(rng.uniform(0.35, 0.9)),
            "boss_focus": float(rng.uniform(0.4, 0.85)),
            "clan_mix": float(rng.uniform(0.05, 0.25)),
            "clans": int(rng.integers(max(4, n // 30), n // 12 + 1)),
            "summits": int(round(n * rng.uniform(0.2, 0.4))),
            "boss_summit_share": float(rng.uniform(0.12, 0.3)),
            "stay_share": float(rng.uniform(0.0, 0.2)),
            "background_rate": float(rng.uniform(0.0, 0.6)),
            "days": int(rng.integers(540, 1096)),
            "calls": int(0 if rng.random() < 0.4 else rng.integers(1, 13)),
        }
        # a few large events: 2 to 6, at most about one summit in seven
        self.p["large"] = int(rng.integers(2, max(3, min(7, self.p["summits"] // 7 + 1))))
        self.n_boss = max(1, int(round(n * self.p["boss_share"])))
        # person rows: kind, clan (-1 none), surname, male, age, region
        self.people: list[dict] = []
        self.events: list[dict] = []
        self.busy: set[tuple[str, int]] = set()  # (place_id, day)

    # -- people -------------------------------------------------------------------------------
    def _person(self, kind, clan=-1, surname=None, age=None, region=None, male=None) -> int:
        rng = self.rng
        self.people.append({
            "kind": kind, "clan": clan,
            "surname": surname or SURNAMES[int(rng.integers(0, len(SURNAMES)))],
            "male": bool(rng.random() < 0.5) if male is None else male,
            "age": float(rng.uniform(20, 75) if age is None else age),
            "region": region or str(rng.choice(HOME_REGIONS)),
        })
        return len(self.people) - 1

    def organization(self):
        rng, n, k = self.rng, self.n, self.p["clans"]
        sizes = np.maximum(4, np.round(rng.dirichlet(np.full(k, 1.5)) * n)).astype(int)
        while sizes.sum() != n:  # adjust the largest clans until the sizes add up
            j = int(np.argmax(sizes)) if sizes.sum() > n else int(rng.integers(0, k))
            sizes[j] += -1 if sizes.sum() > n else 1
        clan = np.repeat(np.arange(k), sizes)
        # bosses: one per clan, the rest spread in proportion to clan size
        first = np.r_[0, np.cumsum(sizes)[:-1]]
        boss = np.zeros(n, bool)
        boss[first[rng.permutation(k)[: self.n_boss]]] = True
        rest = self.n_boss - boss.sum()
        if rest > 0:
            pool = np.flatnonzero(~boss)
            boss[rng.choice(pool, rest, replace=False)] = True
        self.clan, self.boss = clan, boss
        self.origin = [str(o) for o in rng.choice(ORIGIN_REGIONS, k)]
        self.clan_surnames = [rng.choice(len(SURNAMES), int(rng.integers(1, 4)), replace=False)
                              for _ in range(k)]
        for i in range(n):
            c = int(clan[i])
            fam = rng.random() < 0.5
            surname = SURNAMES[int(rng.choice(self.clan_surnames[c]))] if fam else None
            age = rng.uniform(40, 78) if boss[i] else rng.uniform(20, 65)
            region = self.origin[c] if rng.random() < 0.6 else None
            self._person("boss" if boss[i] else "member", c, surname, age, region, male=True
                         if rng.random() < 0.95 else None)
        # propensity to attend: heavy-tailed; bosses pulled up; a few bosses stay low-profile
        act = rng.lognormal(0.0, 0.9, n)
        pull = np.where(boss, self.p["boss_pull"], 1.0)
        pull[boss & (rng.random(n) < 0.15)] = 1.0
        self.act = act * pull
        self.relatives = [[] for _ in range(k)]  # each local's pool of family guests
        self.public: list[int] = []  # patrons, diners and hotel guests (seen by chance)

    def venues(self):
        rng, k = self.rng, self.p["clans"]
        nv = int(rng.integers(max(8, k), 2 * k + 6))
        kinds = ["banquet", "funeral", "restaurant"] + list(
            rng.choice(["restaurant", "farm", "tea", "bar", "restaurant", "banquet"], nv - 3))
        self.venue = []
        for j, kind in enumerate(kinds):
            stem, place_kind, hosts = VENUE_KINDS[kind]
            staff = [self._person("staff") for _ in range(int(rng.integers(1, 4)))]
            self.venue.append({"id": f"V{j + 1:03d}", "kind": kind,
                               "name": f"{VENUE_NAMES[j % len(VENUE_NAMES)]}{stem}"
                                       + (f"{j // len(VENUE_NAMES) + 1}号店"
                                          if j >= len(VENUE_NAMES) else ""),
                               "place_kind": place_kind, "hosts": hosts, "staff": staff})
        small = [j for j, v in enumerate(self.venue) if "small" in v["hosts"]]
        self.home_venues = [list(rng.choice(small, int(rng.integers(1, 3)), replace=False))
                            for _ in range(k)]
        self.hotels = [f"H{j + 1:03d}" for j in range(len(HOTELS))]

    # -- summits ------------------------------------------------------------------------------
    def _draw(self, pool, m, exclude=()) -> list[int]:
        """m members of pool drawn by propensity, without replacement, none from exclude."""
        pool = np.setdiff1d(np.asarray(pool, int), np.asarray(list(exclude), int))
        m = min(m, len(pool))
        if m <= 0:
            return []
        w = self.act[pool] / self.act[pool].sum()
        return [int(x) for x in self.rng.choice(pool, m, replace=False, p=w)]

    def _local_meeting(self, c, size) -> list[int]:
        rng = self.rng
        mine = np.flatnonzero(self.clan == c)
        att: list[int] = []
        if rng.random() < self.p["preside"]:
            att += self._draw(mine[self.boss[mine]], 1)
        outsiders = int(rng.binomial(size - len(att), self.p["clan_mix"]))
        att += self._draw(mine, size - len(att) - outsiders, att)
        att += self._draw(np.flatnonzero(self.clan != c), size - len(att), att)
        return att

    def _boss_summit(self, size) -> list[int]:
        rng = self.rng
        clans = rng.choice(self.p["clans"], min(self.p["clans"], int(rng.integers(2, 5))),
                           replace=False)
        pool = np.flatnonzero(np.isin(self.clan, clans))
        bosses = int(rng.binomial(size, self.p["boss_focus"]))
        att = self._draw(pool[self.boss[pool]], max(2, bosses))
        return att + self._draw(pool, size - len(att), att)

    def _large(self, c, size) -> list[int]:
        mine = np.flatnonzero(self.clan == c)
        att = self._draw(mine, int(round(size * self.rng.uniform(0.3, 0.6))))
        return att + self._draw(np.arange(self.n), size - len(att), att)

    def _place(self, hosts: str, c: int) -> tuple[int, int]:
        """A venue for the event and a day on which that venue has no other event."""
        rng = self.rng
        cands = [j for j, v in enumerate(self.venue) if hosts in v["hosts"]]
        if hosts == "small" and rng.random() < 0.7:
            cands = self.home_venues[c]
        while True:
            j = int(rng.choice(cands))
            day = int(rng.integers(0, self.p["days"]))
            if (self.venue[j]["id"], day) not in self.busy:
                self.busy.add((self.venue[j]["id"], day))
                return j, day

    def summits(self):
        rng, p = self.rng, self.p
        csize = np.bincount(self.clan, minlength=p["clans"]).astype(float)
        n_boss = int(round((p["summits"] - p["large"]) * p["boss_summit_share"]))
        kinds = ["large"] * p["large"] + ["bosses"] * n_boss
        kinds = rng.permutation(kinds + ["local"] * (p["summits"] - len(kinds)))
        for kind in kinds:
            c = int(rng.choice(p["clans"], p=csize / csize.sum()))
            if kind == "large":
                kind = str(rng.choice(LARGE_KINDS, p=[0.4, 0.3, 0.2, 0.1]))
                att = self._large(c, int(rng.integers(20, 41)))
            elif kind == "bosses":
                att, c = self._boss_summit(int(rng.integers(4, 11))), -1
            else:
                att = self._local_meeting(c, int(rng.choice(SMALL_SIZES, p=SMALL_P)))
            self.events.append({"kind": str(kind), "clan": c, "attendees": att})
        # every member is seen at least once: add the unseen to one of their local's events
        # (a local meeting under 8 or a family event under 40), else any family event under
        # 40, else a new small meeting of his local
        seen = np.zeros(self.n, bool)
        for e in self.events:
            seen[e["attendees"]] = True
        for i in np.flatnonzero(~seen):
            if seen[i]:  # drawn into a new meeting made for an earlier one
                continue
            room = [e for e in self.events if len(e["attendees"]) < (
                8 if e["kind"] == "local" else 40 if e["kind"] in LARGE_KINDS else 0)]
            own = [e for e in room if e["clan"] == self.clan[i]]
            own = own or [e for e in room if e["kind"] in LARGE_KINDS]
            if own:
                own[int(rng.integers(0, len(own)))]["attendees"].append(int(i))
            else:
                c = int(self.clan[i])
                mine = np.flatnonzero(self.clan == c)
                att = [int(i)] + self._draw(mine, 2, [i])
                seen[att] = True
                self.events.append({"kind": "local", "clan": c, "attendees": att})
        for e in self.events:
            self._stage(e)

    def _stage(self, e):
        """Where and when an event is, how it is recorded, and who else is seen there."""
        rng = self.rng
        large = e["kind"] in LARGE_KINDS
        small_c = e["clan"] if e["clan"] >= 0 else int(self.clan[e["attendees"][0]])
        e["noise"] = []
        if not large and rng.random() < self.p["stay_share"]:
            e["via"], e["place_id"] = "stays", str(rng.choice(self.hotels))
            day = int(rng.integers(0, self.p["days"]))
            while (e["place_id"], day) in self.busy:
                day = int(rng.integers(0, self.p["days"]))
            self.busy.add((e["place_id"], day))
            e["noise"] = [self._public("guest") for _ in range(int(rng.integers(0, 4)))]
            e["start"] = day * 86400 + int(rng.integers(15 * 3600, 21 * 3600))
            return
        hosts = "large" if large else "small"
        if e["kind"] == "funeral":
            j = next(j for j, v in enumerate(self.venue) if v["kind"] == "funeral")
            day = int(rng.integers(0, self.p["days"]))
            while (self.venue[j]["id"], day) in self.busy:
                day = int(rng.integers(0, self.p["days"]))
            self.busy.add((self.venue[j]["id"], day))
        else:
            j, day = self._place(hosts, small_c)
        v = self.venue[j]
        e["via"], e["place_id"] = "visits", v["id"]
        hour = {"funeral": 9, "wedding": 11, "christening": 11}.get(e["kind"])
        hour = hour if hour is not None else int(rng.integers(10, 21))
        e["start"] = day * 86400 + hour * 3600 + int(rng.integers(0, 3600))
        e["noise"] += [s for s in v["staff"] if rng.random() < (0.8 if large else 0.2)]
        if e["kind"] in ("wedding", "funeral", "christening"):
            rel = self.relatives[e["clan"]]
            m = int(rng.integers(5, 21))
            again = [r for r in rel if rng.random() < 0.3][:m]
            new = [self._person("relative", e["clan"], region=self.origin[e["clan"]]
                                if rng.random() < 0.6 else None) for _ in range(m - len(again))]
            rel += new
            e["noise"] += again + new
        if v["place_kind"] in ("餐厅", "茶楼", "酒吧") and rng.random() < 0.25:
            e["noise"] += [self._public("diner") for _ in range(int(rng.integers(1, 4)))]

    def _public(self, kind) -> int:
        """A member of the public: sometimes one seen before, else a new person."""
        pool = [i for i in self.public if self.people[i]["kind"] == kind]
        if pool and self.rng.random() < 0.2:
            return int(self.rng.choice(pool))
        self.public.append(self._person(kind))
        return self.public[-1]

    def background(self):
        """Police checks at the venues on days without events: ordinary patrons."""
        rng = self.rng
        for _ in range(int(round(len(self.events) * self.p["background_rate"]))):
            j = int(rng.integers(0, len(self.venue)))
            day = int(rng.integers(0, self.p["days"]))
            if (self.venue[j]["id"], day) in self.busy:
                continue
            self.busy.add((self.venue[j]["id"], day))
            who = [self._public("patron") for _ in range(int(rng.integers(1, 5)))]
            self.events.append({"kind": "background", "clan": -1, "attendees": [],
                                "noise": who, "via": "visits", "place_id": self.venue[j]["id"],
                                "start": day * 86400 + int(rng.integers(10, 22)) * 3600})

    # -- files --------------------------------------------------------------------------------
    def calls(self):
        """None, or a handful of brief daytime calls within a local."""
        rng = self.rng
        self.call_rows: list[tuple[int, int, int, int]] = []
        for _ in range(self.p["calls"]):
            c = int(rng.choice(self.clan))
            a, b = rng.choice(np.flatnonzero(self.clan == c), 2, replace=False)
            t = int(rng.integers(0, self.p["days"])) * 86400 + int(rng.integers(9, 18)) * 3600
            self.call_rows.append((int(a), int(b), t + int(rng.integers(0, 3600)),
                                   int(rng.integers(15, 120))))

    def write(self, out: Path) -> dict:
        rng = self.rng
        out.mkdir(parents=True, exist_ok=True)
        m = len(self.people)
        order = rng.permutation(m)  # person ids say nothing about role
        pid = np.empty(m, dtype=object)
        pid[order] = [f"P{k + 1:04d}" for k in range(m)]
        pe = pd.DataFrame(self.people)
        births = (np.datetime64("2009-06-30") - (pe["age"].to_numpy() * 365.25).astype(
            "timedelta64[D]")).astype("datetime64[D]")
        ids = make_id_numbers(rng, pe["region"].to_numpy(), births, pe["male"].to_numpy())
        names = random_names(rng, pe["surname"].to_numpy())
        persons = pd.DataFrame({
            "person_id": pid, "name": names, "id_number": ids,
            "birth_date": np.datetime_as_string(births), "sex": np.where(pe["male"], "M", "F"),
            "address": [f"{'暨阳浣东陶朱店口大唐枫桥'[2 * (k % 6):2 * (k % 6) + 2]}"
                        f"{rng.integers(1, 40)}村{rng.integers(1, 300)}号" for k in range(m)]})
        visits, stays = [], []
        self.events.sort(key=lambda e: e["start"])
        for k, e in enumerate(self.events):
            e["id"] = f"S{k + 1:03d}"
            e["noise"] = list(dict.fromkeys(e["noise"]))
            who = e["attendees"] + e["noise"]
            spread = 7200 if e["kind"] in LARGE_KINDS else 2400
            lag = rng.integers(0, spread, len(who))
            if e["via"] == "visits":
                v = next(v for v in self.venue if v["id"] == e["place_id"])
                visits += [(e["start"] + int(t), i, v) for i, t in zip(who, lag, strict=True)]
            else:
                floor = int(rng.integers(2, 9))
                rooms = rng.permutation(np.arange(1, 21))
                for r, (i, t) in enumerate(zip(who, lag, strict=True)):
                    fl = floor if r < len(e["attendees"]) else floor % 8 + 2
                    out_t = (e["start"] // 86400 + 1) * 86400 + int(rng.integers(8, 12)) * 3600
                    stays.append((e["start"] + int(t) % 10800, out_t, i, e["place_id"],
                                  f"{fl}{rooms[r % 20]:02d}"))
        vi = pd.DataFrame({
            "id_number": [ids[i] for _, i, _ in visits],
            "name": [names[i] for _, i, _ in visits],
            "place_id": [v["id"] for *_, v in visits],
            "place_name": [v["name"] for *_, v in visits],
            "place_kind": [v["place_kind"] for *_, v in visits],
            "seen_at": _fmt([t for t, _, _ in visits]), "source": "治安检查"})
        hotel_name = dict(zip(self.hotels, HOTELS, strict=True))
        st = pd.DataFrame({
            "id_number": [ids[s[2]] for s in stays], "name": [names[s[2]] for s in stays],
            "place_id": [s[3] for s in stays], "place_name": [hotel_name[s[3]] for s in stays],
            "room": [s[4] for s in stays], "checked_in": _fmt([s[0] for s in stays]),
            "checked_out": _fmt([s[1] for s in stays])})
        frames = {"persons": persons.sort_values("person_id", kind="stable"), "visits": vi,
                  "stays": st}
        if self.call_rows:
            callers = sorted({x for a, b, _, _ in self.call_rows for x in (a, b)})
            phone = {i: f"1{rng.choice([38, 39, 58, 59, 87])}{rng.integers(0, 10**8):08d}"
                     for i in callers}
            frames["phones"] = pd.DataFrame({"person_id": [pid[i] for i in callers],
                                             "phone": [phone[i] for i in callers]})
            frames["calls"] = pd.DataFrame({
                "caller": [phone[a] for a, *_ in self.call_rows],
                "callee": [phone[b] for _, b, *_ in self.call_rows],
                "started_at": _fmt([t for *_, t, _ in self.call_rows]),
                "duration_s": [d for *_, d in self.call_rows]})
        counts = {}
        for kind, df in frames.items():
            if len(df):
                df[HEADERS[kind]].to_csv(out / f"{kind}.csv", index=False,
                                         quoting=csv.QUOTE_MINIMAL)
                counts[kind] = len(df)
        truth = self.truth(pid, counts)
        (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
        return truth

    def truth(self, pid, counts) -> dict:
        kinds = [p["kind"] for p in self.people]
        members = sorted(pid[i] for i in range(self.n))
        clans = [{"id": f"L{c + 1:02d}", "origin": self.origin[c],
                  "members": sorted(pid[np.flatnonzero(self.clan == c)]),
                  "bosses": sorted(pid[np.flatnonzero((self.clan == c) & self.boss)])}
                 for c in range(self.p["clans"])]
        summits = [{"id": e["id"], "kind": e["kind"], "via": e["via"], "place_id": e["place_id"],
                    "start": str(_fmt([e["start"]])[0]),
                    "clan": None if e["clan"] < 0 else f"L{e['clan'] + 1:02d}",
                    "attendees": sorted(pid[e["attendees"]]), "noise": sorted(pid[e["noise"]])}
                   for e in self.events]
        attended = np.zeros(len(self.people), int)
        for e in self.events:
            attended[e["attendees"]] += 1
        return {
            "seed": self.seed, "params": self.p, "members": members,
            "bosses": sorted(pid[np.flatnonzero(self.boss)]), "clans": clans,
            "noise": {k: sorted(pid[i] for i in range(len(kinds)) if kinds[i] == k)
                      for k in ("staff", "relative", "diner", "guest", "patron")},
            "summits": summits,
            "attendance": {pid[i]: int(attended[i]) for i in range(self.n)},
            "counts": counts,
        }


def write_summits(out_dir, seed: int) -> dict:
    """Write an organization observed at its summits, and its truth.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Directory to write ``persons.csv``, ``visits.csv``, ``stays.csv`` (when a summit is
        held at a hotel), ``phones.csv`` and ``calls.csv`` (when the seed has calls) and
        ``truth.json`` into (created if missing).
    seed : int
        Random seed; the same seed gives byte-identical files.

    Returns
    -------
    dict
        The truth: ``{"members", "bosses", "clans": [{"id", "origin", "members",
        "bosses"}], "noise": {"staff", "relative", "diner", "guest", "patron"}, "summits":
        [{"id", "kind", "via", "place_id", "start", "clan", "attendees", "noise"}],
        "attendance", "params", "counts", "seed"}``; persons by ``person_id``. Summit kinds:
        ``local``, ``bosses``, ``wedding``, ``funeral``, ``christening``, ``general`` and
        ``background`` (a police check with no member present).

    Examples
    --------
    >>> import tempfile
    >>> truth = write_summits(tempfile.mkdtemp(), seed=1)
    >>> 100 <= len(truth["members"]) <= 250 and set(truth["bosses"]) <= set(truth["members"])
    True
    """
    g = _Summits(seed)
    g.organization()
    g.venues()
    g.summits()
    g.background()
    g.calls()
    return g.write(Path(out_dir))


if __name__ == "__main__":  # python -m tests.casegen.summits OUT [--seed S]
    import argparse

    parser = argparse.ArgumentParser(description="write an organization seen at its summits")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = write_summits(args.out, args.seed)
    print(json.dumps({"members": len(result["members"]), "bosses": len(result["bosses"]),
                      "summits": len(result["summits"]), **result["counts"]}))
