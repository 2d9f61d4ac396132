"""What a ring search is asked: the request and its defaults, built in one place for every path
that searches rings (the case on DuckDB, ``--engine spark``, ``--cut-hops``) and shown by the
command line's ``--help``.

Examples
--------
>>> request = build_request(tz="Asia/Shanghai", since="2019-01-01", min_size=4)
>>> request.ring.min_size, request.warm, request.since.strftime("%Y-%m-%d %H:%M UTC")
(4, False, '2018-12-31 16:00 UTC')
>>> build_request(tz="Asia/Shanghai", sizes=3)
Traceback (most recent call last):
...
workbench.errors.WorkbenchError: unknown ring option(s): sizes
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..contract import DEFAULT_TZ, parse_phone, parse_timestamp
from ..errors import WorkbenchError

__all__ = ["RING_DEFAULTS", "RingRequest", "build_request", "user_ids"]

#: every option of a ring search and its default: the one place they are written
#: (``Case.rings``, ``rings_on_spark``, ``rings_on_store`` and the CLI's options read them)
RING_DEFAULTS: dict[str, object] = {
    "since": None, "until": None, "layers": None, "resolution": None,
    "min_size": 3, "max_size": 12, "min_score": None, "seed": 0, "min_weight": 0.0,
    "warm": False, "hubs": None, "not_hubs": None, "around": None,
}


@dataclass(frozen=True)
class RingRequest:
    """One ring search as asked: the window, layer weights, search parameters, link filter,
    warm start, service overrides and targets. Frozen and hashable: with the data's
    fingerprint it is the cache key of a ring result (a warm and a cold search of the same
    graph are two requests: their results may differ)."""

    since: dt.datetime | None
    until: dt.datetime | None
    layers: tuple | None
    ring: object  # workbench.rings.RingParams (frozen)
    min_weight: float = 0.0
    warm: bool = False
    hubs: tuple = ()
    not_hubs: tuple = ()
    around: tuple = ()

    def weights(self):
        """The layer weights of the request (every layer, or only the chosen ones)."""
        from ..graph import LayerWeights

        w = LayerWeights()
        return w.only(list(self.layers)) if self.layers is not None else w

    def link_params(self, base=None):
        """The link stage's parameters: ``base`` (default :class:`LinkParams`) with the
        request's window and service overrides."""
        from ..evidence import LinkParams

        base = base or LinkParams()
        return LinkParams(**{**base.__dict__, "since": self.since, "until": self.until,
                             "hubs": self.hubs or base.hubs,
                             "not_hubs": self.not_hubs or base.not_hubs})


def user_ids(values: Iterable[str] | None) -> tuple[str, ...]:
    """User-given numbers or accounts, phone numbers in E.164 (others as given).

    >>> user_ids(["138 0013 8000", "ACCT-1"])
    ('+8613800138000', 'ACCT-1')
    """
    out = []
    for value in values or ():
        try:
            out.append(parse_phone(str(value)))
        except ValueError:
            out.append(str(value).strip())
    return tuple(sorted(set(out)))


def _when(value, tz: str, name: str) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        return parse_timestamp(str(value), tz=tz)
    except ValueError as exc:
        raise WorkbenchError(f"--{name}: {exc}") from None


def _shown(given, when: dt.datetime, tz: str) -> str:
    """A time as the user wrote it, or in the case's zone."""
    if not isinstance(given, dt.datetime):
        return str(given)
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def build_request(*, tz: str = DEFAULT_TZ, around_ids: Iterable[str] = (),
                  **options) -> RingRequest:
    """The request of a ring search from its options (:data:`RING_DEFAULTS` fill the rest).

    Parameters
    ----------
    tz : str
        The case's time zone: ``since`` and ``until`` given as text are its local time.
    around_ids : iterable of str
        The ``around`` targets already resolved to node ids (the caller knows the case).
    **options
        Any of :data:`RING_DEFAULTS`; an unknown one is an error.
    """
    from .search import RingParams

    unknown = sorted(set(options) - set(RING_DEFAULTS))
    if unknown:
        raise WorkbenchError(f"unknown ring option(s): {', '.join(unknown)}")
    o = {**RING_DEFAULTS, **options}
    since, until = _when(o["since"], tz, "since"), _when(o["until"], tz, "until")
    if since is not None and until is not None and since > until:
        raise WorkbenchError(f"the window ends ({_shown(o['until'], until, tz)}) before it "
                             f"starts ({_shown(o['since'], since, tz)}): swap --since and "
                             "--until")
    if o["min_size"] < 2 or o["max_size"] < o["min_size"]:
        raise WorkbenchError(f"sizes must satisfy 2 <= min-size <= max-size "
                             f"(got {o['min_size']} and {o['max_size']})")
    if o["resolution"] is not None and not o["resolution"] > 0:
        raise WorkbenchError(f"--resolution must be above 0 (got {o['resolution']})")
    if not o["min_weight"] >= 0:  # NaN too
        raise WorkbenchError(f"--min-weight must be at least 0 (got {o['min_weight']})")
    if o["min_score"] is not None and not 0 <= o["min_score"] <= 1:
        raise WorkbenchError(f"--min-score must be between 0 and 1 (got {o['min_score']})")
    layers = None
    if o["layers"] is not None:
        from ..evidence import LAYER_NAMES

        layers = tuple(sorted(set(o["layers"])))
        bad = [x for x in layers if x not in LAYER_NAMES]
        if bad or not layers:
            raise WorkbenchError(f"unknown layer(s) {', '.join(bad) or '(none given)'}; "
                                 f"the layers are {', '.join(LAYER_NAMES)}")
        if set(layers) == set(LAYER_NAMES):  # every layer: the same request as no choice
            layers = None
    defaults = RingParams()
    ring = RingParams(
        resolutions=(float(o["resolution"]),) if o["resolution"] is not None else None,
        min_size=int(o["min_size"]), max_size=int(o["max_size"]),
        min_score=defaults.min_score if o["min_score"] is None else float(o["min_score"]),
        seed=int(o["seed"]))
    return RingRequest(since=since, until=until, layers=layers, ring=ring,
                       min_weight=float(o["min_weight"]), warm=bool(o["warm"]),
                       hubs=user_ids(o["hubs"]), not_hubs=user_ids(o["not_hubs"]),
                       around=tuple(around_ids))
