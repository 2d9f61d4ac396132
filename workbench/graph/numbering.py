"""Node ids to dense numbers for the fused graph (:func:`workbench.graph.build_graph`).

The ids are numbered in their sorted order (the order of the engine's ``ORDER BY`` on
strings: bytes); every step runs in Arrow and numpy over whole columns, and the strings
are hashed once (a dictionary encoding), the sort runs over the distinct ids only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["calls_of_pairs", "CALL_FIELDS"]

#: the calls layer's measures, as the graph carries them
CALL_FIELDS = ("n_calls", "n_night", "n_short", "duration_s")


def _numbered(columns) -> tuple[pa.Array, list[np.ndarray]]:
    """The ids in Arrow string ``columns``, sorted (a null last, as the engine's ``ORDER BY``
    puts it), and each column as positions in them (-1 for a null: no node). One hash pass
    (a dictionary encoding) numbers every id; the sort is over the distinct ids only."""
    import pyarrow as pa  # pyarrow.compute is loaded when a graph is built
    import pyarrow.compute as pc

    # large strings: 64-bit offsets, so ids beyond 2 GiB in all (a province's pairs) still fit
    chunks = [c for col in columns for c in col.cast(pa.large_string()).chunks]
    coded = pc.dictionary_encode(pa.concat_arrays(chunks or [pa.array([], pa.large_string())]))
    order = pc.sort_indices(coded.dictionary).to_numpy()
    rank = np.empty(len(order) + 1, dtype=np.int64)  # rank[-1]: a null's position
    rank[order] = np.arange(len(order))
    rank[-1] = -1
    ids = coded.dictionary.take(order)
    if coded.indices.null_count:
        ids = pa.concat_arrays([ids, pa.array([None], pa.large_string())])
    at = rank[pc.fill_null(coded.indices, -1).to_numpy()]
    bounds = np.cumsum([0, *(len(col) for col in columns)])
    return ids, [at[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def calls_of_pairs(engine, coded, owners) -> tuple:
    """The calls layer from the numbers' pairs and their owners, as arrays.

    ``coded``: the numbers' pairs as :func:`~workbench.evidence.services.number_pairs`
    gives them; ``owners``: a handle of ``(id, person_id)``, at most one row per number and
    no period (then :func:`~workbench.evidence.links.calls_layer_from_pairs` is the layer).
    Each number stands for its owner, or for itself when it has none; a pair whose two
    numbers stand for one node is no link. Returns ``(labels, a, b, table)``: ``labels`` the
    nodes at either end of a link (a chunked Arrow array of distinct ids), ``a`` and ``b``
    each pair's ends as positions in ``labels`` (one per row of ``table``, a link or not:
    ``a == b`` is none), ``table`` the pairs' :data:`CALL_FIELDS`. Two pairs of numbers may
    stand for one pair of nodes: their measures add up.

    Owners are looked up per distinct number, not per pair.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    own = engine.fetch_arrow(f"SELECT id, person_id FROM {owners}")
    text = coded.numbers.type
    held = pc.index_in(coded.numbers, value_set=own.column("id").cast(text).combine_chunks())
    person = own.column("person_id").cast(text).combine_chunks().take(held)
    node = pc.dictionary_encode(pc.coalesce(person, coded.numbers))  # a number's node
    code = node.indices.to_numpy(zero_copy_only=False)
    a, b = code[coded.a], code[coded.b]
    link = a != b
    used = np.zeros(len(node.dictionary), dtype=bool)
    used[a[link]] = True
    used[b[link]] = True
    place = np.cumsum(used) - 1  # a node's position among the nodes with a link
    labels = pa.chunked_array([node.dictionary.filter(pa.array(used))], text)
    return labels, place[a], place[b], coded.table
