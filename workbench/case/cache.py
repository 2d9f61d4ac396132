"""The analysis of a request kept in the store, so a follow-up question in another process
(``rank``, ``snapshot``, ``path``, ``export``, ``evolution``, a repeated ``rings``) reuses it.

One table, ``analysis_cache``: an entry per kind (``graph``, ``rings``, ``players``) and
request, keyed by a hash of the request and the **data token** (the records' fingerprint and
a digest of every other table but the cache itself: a phone link, an identity decision, any
write changes it, so nothing stale is ever read) and a digest of the workbench's own code
(a kept result of an older version is not read by a newer one). Payloads are plain
data, never pickles (a case file may come from elsewhere): a graph as a numpy ``.npz``
(``allow_pickle=False``) with JSON beside it, a ring result as JSON, key players as Parquet.

Reading needs only a read-only store. Writing happens when the command holds the store
read-write, or afterwards in a short read-write open (:meth:`AnalysisCache.flush`); when
another process holds the store or the file cannot be written, the entry is simply not kept.

Examples
--------
>>> request_key("graph", {"since": None})[:6]
'graph:'
>>> request_key("graph", {"since": None}) == request_key("graph", {"since": None})
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..contract import KINDS
from ..errors import WorkbenchError
from ..store.call_keys import KEYED_CALLS, NUMBERS

if TYPE_CHECKING:
    import pandas as pd

    from ..graph import CaseGraph
    from ..rings import RingResult
    from ..store import Store

__all__ = ["AnalysisCache", "data_token", "request_key", "plain", "result_bytes", "copy_result",
           "result_from_bytes", "TABLE"]

log = logging.getLogger(__name__)

TABLE = "analysis_cache"
_CREATE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (key VARCHAR PRIMARY KEY, token VARCHAR, "
           "kind VARCHAR, created TIMESTAMPTZ DEFAULT current_timestamp, payload BLOB)")
#: tables that never change what an analysis finds (the cache itself; ingest bookkeeping)
#: entries kept per kind
KEEP = 32
#: graphs one process keeps in the store (an evolution's monthly graphs are not kept)
GRAPHS_PER_PROCESS = 2
#: and the audit trail (a snapshot or export logs itself: the data stays the same); the calls
#: keyed by number are the calls again (:mod:`workbench.store.call_keys`)
_NOT_DATA = {TABLE, "rejects", "sources", "ingest_batches", "action_log", KEYED_CALLS, NUMBERS}
#: ``meta`` keys that record what was done, not what the data is (the audit chain's head,
#: the calls the keyed copy was made from)
_NOT_DATA_META = ("log_head", "call_keys")


def plain(value):
    """JSON for numpy scalars and arrays, dates as ISO text."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def request_key(kind: str, request) -> str:
    """``kind:`` and an MD5 of the request's canonical JSON."""
    text = json.dumps(request, sort_keys=True, default=plain)
    return f"{kind}:{hashlib.md5(text.encode()).hexdigest()}"


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the workbench's own source (every ``.py`` file of the package), so an
    analysis kept by one version of the code is never read by another: an upgrade (or a
    fix) that changes what ``rings`` finds also changes the kept results' token.

    Examples
    --------
    >>> len(code_digest()) == 32 and code_digest() == code_digest()
    True
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.md5()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def data_token(store: Store) -> str:
    """A digest of everything an analysis reads: the records' fingerprint and every other
    table's rows (phone links, decisions, notes), the cache, ingest bookkeeping and the
    audit trail aside (a snapshot that logs itself keeps what was kept)."""
    parts = [store.fingerprint(), f"code:{code_digest()}"]
    tables = sorted(r[0] for r in store.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE'").fetchall())
    for table in tables:
        if table in _NOT_DATA or table in KINDS or not table.isidentifier():
            continue
        where, args = "", []
        if table == "meta":
            where = f" WHERE key NOT IN ({', '.join('?' for _ in _NOT_DATA_META)})"
            args = list(_NOT_DATA_META)
        n, h = store.con.execute(f'SELECT count(*), coalesce(bit_xor(hash(t)), 0) '
                                 f'FROM "{table}" t{where}', args).fetchone()
        parts.append(f"{table}:{n}:{h}")
    return hashlib.md5("|".join(parts).encode()).hexdigest()


# -- payloads ---------------------------------------------------------------------------

def _from_measures(graph: CaseGraph) -> CaseGraph:
    """``graph`` with its layer strengths and weights computed again from its measures, as
    :func:`~workbench.graph.build_graph` computes them."""
    from ..graph import CaseGraph, layer_strengths, reweight

    base = CaseGraph(ids=graph.ids, u=graph.u, v=graph.v, weight=np.zeros(len(graph.u)),
                     strength=layer_strengths(graph.measures), measures=graph.measures,
                     node=graph.node, weights=graph.weights)
    return reweight(base, graph.weights)


def _derived(graph: CaseGraph) -> bool:
    """Whether the graph's strengths and weights are, bit for bit, what its measures give
    (then they are not stored: at 2M calls they are 15 of the 18 MB, incompressible
    floats, and the store writes about 30 MB a second)."""
    again = _from_measures(graph)
    return (again.m == graph.m and list(again.strength) == list(graph.strength)
            and np.array_equal(again.weight, graph.weight)
            and all(np.array_equal(again.strength[k], a) for k, a in graph.strength.items()))


def _slim(arrays: dict) -> tuple[dict, dict]:
    """``arrays`` as they are kept: an array whose bytes are all zero is left out (its dtype
    and length kept), an integer array in the narrowest dtype that holds its values (at 2M
    calls: 150 MB of int64 and float64 arrays, half of them zero, become ~40 MB, which the
    ``.npz`` writer and the compressor go through four times faster). :func:`_unslim` gives
    back the same arrays, bit for bit."""
    kept, how = {}, {}
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        if arr.ndim == 1 and arr.dtype.kind in "iuf" and not arr.view(np.uint8).any():
            how[name] = ["zeros", arr.dtype.str, len(arr)]
            continue
        if arr.dtype.kind in "iu" and len(arr):
            narrow = np.result_type(np.min_scalar_type(arr.min()), np.min_scalar_type(arr.max()))
            if narrow.itemsize < arr.dtype.itemsize:
                how[name] = ["as", arr.dtype.str]
                arr = arr.astype(narrow)
        kept[name] = arr
    return kept, how


def _unslim(arrays: dict, how: dict) -> dict:
    """The inverse of :func:`_slim`."""
    for name, (kind, dtype, *size) in how.items():
        arrays[name] = (np.zeros(size[0], dtype=dtype) if kind == "zeros"
                        else arrays[name].astype(dtype))
    return arrays


def graph_bytes(graph: CaseGraph, info: dict) -> bytes:
    """A graph and its info as ``.npz`` bytes (no pickles); strengths and weights only when
    its measures do not give them again (:func:`_derived`), arrays slimmed (:func:`_slim`)."""
    derived = _derived(graph)
    arrays = {"ids": np.asarray([str(x) for x in graph.ids], dtype=str), "u": graph.u,
              "v": graph.v}
    if not derived:
        arrays["weight"] = graph.weight
    for group in ("measures", "node") if derived else ("strength", "measures", "node"):
        for name, arr in getattr(graph, group).items():
            arrays[f"{group}.{name}"] = np.asarray(arr)
    order = list(arrays)  # the graph's own order (an export lists the measures in it)
    arrays, how = _slim(arrays)
    meta = {"info": info, "weights": graph.weights.as_dict(), "derived": derived,
            "slim": how, "order": order}
    arrays["meta"] = np.frombuffer(json.dumps(meta, default=plain).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def graph_from_bytes(payload: bytes) -> tuple[CaseGraph, dict]:
    """The inverse of :func:`graph_bytes`."""
    from ..graph import CaseGraph, LayerWeights

    with np.load(io.BytesIO(payload), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays.pop("meta").tobytes().decode())
    arrays = _unslim(arrays, meta.get("slim", {}))
    groups: dict[str, dict] = {"strength": {}, "measures": {}, "node": {}}
    for name in meta.get("order", list(arrays)):  # the graph's own order of its arrays
        group, dot, rest = name.partition(".")
        if dot:
            groups[group][rest] = arrays.pop(name)
    graph = CaseGraph(ids=arrays["ids"].astype(object), u=arrays["u"], v=arrays["v"],
                      weight=arrays.get("weight"), strength=groups["strength"],
                      measures=groups["measures"], node=groups["node"],
                      weights=LayerWeights(**meta["weights"]))
    return (_from_measures(graph) if meta.get("derived") else graph), meta["info"]


def result_bytes(result: RingResult) -> bytes:
    """A ring result as JSON bytes."""
    fields = [f.name for f in dataclasses.fields(result.rings[0])] if result.rings else []
    # the fields as they are (``asdict`` would deep-copy each first: the same JSON, slower)
    doc = {"rings": [{k: getattr(r, k) for k in fields} for r in result.rings],
           "params": result.params,
           "brokers": result.brokers, "reach": result.reach}
    return json.dumps(doc, default=plain).encode()


def copy_result(result: RingResult) -> RingResult:
    """A deep copy of a ring result already in JSON types (:func:`result_from_bytes`'s,
    as every kept result is), through the C JSON codec: ~5x faster than ``copy.deepcopy``
    on a county's result, which the Explorer copies several times per change."""
    return result_from_bytes(result_bytes(result))


def result_from_bytes(payload: bytes) -> RingResult:
    """The inverse of :func:`result_bytes`."""
    from ..rings import RingResult
    from ..rings.search import Ring

    doc = json.loads(payload.decode())
    return RingResult(rings=[Ring(**r) for r in doc["rings"]], params=doc["params"],
                      brokers=doc["brokers"], reach=doc["reach"])


def frame_bytes(df: pd.DataFrame) -> bytes:
    """A DataFrame as Parquet bytes."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def frame_from_bytes(payload: bytes) -> pd.DataFrame:
    """The inverse of :func:`frame_bytes`."""
    import pandas as pd

    return pd.read_parquet(io.BytesIO(payload))


def array_bytes(array) -> bytes:
    """A numpy array (a Leiden membership) as ``.npy`` bytes."""
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def array_from_bytes(payload: bytes):
    """The inverse of :func:`array_bytes`."""
    return np.load(io.BytesIO(payload), allow_pickle=False)


def between_bytes(between, params: dict) -> bytes:
    """Betweenness per ranked node and how it was computed, as ``.npz`` bytes."""
    buf = io.BytesIO()
    np.savez(buf, between=np.asarray(between, dtype=float),
             meta=np.frombuffer(json.dumps(params, default=plain).encode(), dtype=np.uint8))
    return buf.getvalue()


def between_from_bytes(payload: bytes) -> tuple:
    """The inverse of :func:`between_bytes`."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as z:
        return z["between"], json.loads(z["meta"].tobytes().decode())


#: what starts a compressed payload (then its size, 8 bytes little-endian, and the frames):
#: Zstandard at level 1 now, LZ4 in entries kept before
_PACKED = b"WBZS1\0"
_PACKED_LZ4 = b"WBLZ4\0"


def pack(payload: bytes) -> bytes:
    """A payload compressed with Zstandard at level 1 (pyarrow's codec): a county's graph
    at 2M calls, 150 MB of arrays mostly zero, becomes ~5 MB in 0.1 s (LZ4: 12 MB), and the
    store writes about 30 MB a second."""
    import pyarrow as pa

    return _PACKED + len(payload).to_bytes(8, "little") + pa.Codec(
        "zstd", compression_level=1).compress(payload, asbytes=True)


def unpack(payload: bytes) -> bytes:
    """The inverse of :func:`pack`; a payload kept before packing is returned as it is, one
    packed with LZ4 before is read too."""
    for magic, codec in ((_PACKED, "zstd"), (_PACKED_LZ4, "lz4")):
        if payload.startswith(magic):
            import pyarrow as pa

            size = int.from_bytes(payload[len(magic):len(magic) + 8], "little")
            return pa.decompress(payload[len(magic) + 8:], decompressed_size=size,
                                 codec=codec, asbytes=True)
    return payload


_CODECS = {"betweenness": (between_bytes, between_from_bytes),
           "graph": (graph_bytes, graph_from_bytes), "rings": (result_bytes, result_from_bytes),
           "players": (frame_bytes, frame_from_bytes),
           "membership": (array_bytes, array_from_bytes)}


def _ready(payload) -> bytes:
    """A queued payload: bytes, or the bytes of one being encoded in a thread."""
    return payload if isinstance(payload, bytes) else payload.result()


class AnalysisCache:
    """Entries of the store's analysis cache for one case: read through the open store,
    written at once when it is open read-write, otherwise queued for :meth:`flush`."""

    def __init__(self) -> None:
        self.pending: dict[str, tuple] = {}  # (token, kind, bytes or Ahead)
        # WORKBENCH_ANALYSIS_CACHE=0 turns it off (benchmarks compare with and without)
        self.enabled = os.environ.get("WORKBENCH_ANALYSIS_CACHE", "1") != "0"
        self.hits: list[str] = []
        self.graphs_kept = 0
        #: queued entries are written after a write block only, not after every read
        #: (:meth:`deferred`: the Explorer's filter changes)
        self.defer = False

    @contextlib.contextmanager
    def deferred(self):
        """Within the block, queued entries wait for the next block that is not deferred
        or that writes (the newest :data:`KEEP` of them), instead of a read-write open and
        close of the store (0.3-0.6 s on a county) after each read."""
        before, self.defer = self.defer, True
        try:
            yield self
        finally:
            self.defer = before

    def get(self, store: Store, token: str, kind: str, key: str):
        """The decoded entry, or ``None`` (no table, no entry, another token, unreadable)."""
        if not self.enabled:
            return None
        if key in self.pending and self.pending[key][0] == token:
            return _CODECS[kind][1](unpack(_ready(self.pending[key][2])))
        try:
            row = store.con.execute(f"SELECT payload FROM {TABLE} WHERE key = ? AND token = ?",
                                    [key, token]).fetchone()
        except Exception as exc:  # noqa: BLE001 - no table yet, or an old store
            if "does not exist" not in str(exc):
                log.info("analysis cache not read: %s", exc)
            return None
        if row is None:
            return None
        try:
            value = _CODECS[kind][1](unpack(bytes(row[0])))
        except Exception as exc:  # noqa: BLE001 - a damaged entry is recomputed
            log.info("analysis cache entry %s unreadable: %s", key, exc)
            return None
        self.hits.append(kind)
        return value

    def holds(self, store: Store, token: str, kind: str) -> bool:
        """Whether the store keeps an entry of ``kind`` for the data ``token``."""
        try:
            return bool(store.con.execute(f"SELECT count(*) FROM {TABLE} WHERE kind = ? AND "
                                          "token = ?", [kind, token]).fetchone()[0])
        except Exception:  # noqa: BLE001 - no table yet: nothing kept
            return False

    def put(self, store: Store, token: str, kind: str, key: str, value) -> None:
        """Keep an entry: in the store now if it is open read-write, else at :meth:`flush`."""
        if not self.enabled:
            return
        if kind == "graph":  # large: the first few graphs of a process (not every window
            if self.graphs_kept >= GRAPHS_PER_PROCESS:  # of an evolution) are kept
                return
            self.graphs_kept += 1

        def encode() -> bytes:
            return pack(_CODECS[kind][0](*value) if kind in ("graph", "betweenness")
                        else _CODECS[kind][0](value))

        if not store.read_only:
            self._write(store, {key: (token, kind, encode())})
            return
        from .ahead import Ahead

        # a graph is large (0.16 s to encode at 2M calls): encoded in a thread while the
        # ring search runs, at the lowest priority (the search's own work and its forked
        # sweep come first: it takes the time the search waits), waited for when it is
        # read back or written
        self.pending.pop(key, None)
        self.pending[key] = (token, kind, Ahead(key, encode, idle=True) if kind == "graph"
                             else encode())
        for old in list(self.pending)[:-KEEP]:  # the newest stay
            del self.pending[old]

    def flush(self, open_store) -> None:
        """Write queued entries in one short read-write open (``open_store()`` gives it);
        a busy or unwritable store keeps nothing, silently (logged)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, {}
        try:
            with open_store() as store:
                self._write(store, pending)
        except (WorkbenchError, OSError) as exc:
            log.info("analysis not kept in the store: %s", exc)
        except Exception as exc:  # noqa: BLE001 - a read-only file system, a full disk
            log.info("analysis not kept in the store: %s", exc)

    def rings_seen(self, store: Store) -> list[RingResult]:
        """Every ring result kept in the store, of any data (for naming a ring by its id)."""
        try:
            rows = store.con.execute(f"SELECT payload FROM {TABLE} WHERE kind = 'rings' "
                                     "ORDER BY created DESC").fetchall()
        except Exception:  # noqa: BLE001 - no table yet
            return []
        out = []
        for (payload,) in rows:
            try:
                out.append(result_from_bytes(unpack(bytes(payload))))
            except Exception:  # noqa: BLE001 - an unreadable entry names nothing
                continue
        return out

    @staticmethod
    def _write(store: Store, entries: dict) -> None:
        con = store.con
        con.execute(_CREATE)
        tokens = {token for token, _kind, _payload in entries.values()}
        con.execute("BEGIN TRANSACTION")
        try:
            # graphs of other data are stale for good (and large); ring results of earlier
            # data stay a while, so an id from before a phone link can still be looked up
            con.execute(f"DELETE FROM {TABLE} WHERE kind <> 'rings' AND token NOT IN "
                        f"({', '.join('?' for _ in tokens)})", list(tokens))
            for key, (token, kind, payload) in entries.items():
                con.execute(f"INSERT OR REPLACE INTO {TABLE} (key, token, kind, payload) "
                            "VALUES (?, ?, ?, ?)", [key, token, kind, _ready(payload)])
            # the newest entries of each kind stay (a notebook's many filters do not pile up)
            con.execute(f"DELETE FROM {TABLE} WHERE key IN (SELECT key FROM (SELECT key, "
                        f"row_number() OVER (PARTITION BY kind ORDER BY created DESC) AS n "
                        f"FROM {TABLE}) WHERE n > ?)", [KEEP])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
