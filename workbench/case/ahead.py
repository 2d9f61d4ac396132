"""Work started ahead, in a thread, while the caller does something else.

A first ``rings`` needs the money-pattern search (:func:`workbench.money.patterns_of_case`)
as well as the graph and the ring search, and the money search does not depend on either:
it reads the store only. Started in a thread on its own cursor of the store's connection
before the graph is built, it runs while DuckDB builds the layers (DuckDB releases the
interpreter while a query runs), and the ring search picks up its answer instead of
computing it. The answer is the same: the same function on the same data.

Examples
--------
>>> job = Ahead("k", lambda: 6 * 7)
>>> job.result()
42
>>> Ahead("k", lambda: 1 / 0).result()
Traceback (most recent call last):
...
ZeroDivisionError: division by zero
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import CaseState

__all__ = ["Ahead", "money_ahead", "lower_priority"]


class Ahead:
    """``compute()`` run in a daemon thread at once; :meth:`result` waits for it and gives its
    value or raises its exception. ``key`` says what it computes; ``done`` runs after it, in
    the thread, whatever happened (closing its cursor). ``idle``: the thread runs at the
    lowest priority (:func:`lower_priority`), on what the process's other work leaves of
    the machine's cores."""

    def __init__(self, key, compute: Callable, done: Callable | None = None, *,
                 idle: bool = False) -> None:
        self.key = key
        self._value = None
        self._error: BaseException | None = None

        def run() -> None:
            if idle:
                lower_priority()
            try:
                self._value = compute()
            except BaseException as exc:  # noqa: BLE001 - given to the caller by result()
                self._error = exc
            finally:
                if done is not None:
                    done()

        self._thread = threading.Thread(target=run, name="workbench-ahead", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Wait until the work has ended (before the store it reads is closed)."""
        self._thread.join()

    def result(self):
        """The value of ``compute()``, once it has ended; its exception if it raised."""
        self.wait()
        if self._error is not None:
            raise self._error
        return self._value


def lower_priority() -> bool:
    """Give the calling thread the lowest scheduling priority (nice 19; Linux schedules each
    thread on its own, and lowering one's own priority needs no privilege): it then runs on
    a core the process's other threads and its forked ring search leave idle, instead of
    taking turns with them. Whether it could; elsewhere it runs as before.

    >>> import threading
    >>> t = threading.Thread(target=lower_priority); t.start(); t.join()
    """
    import os

    if not hasattr(os, "setpriority") or not sys.platform.startswith("linux"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except OSError:  # a sandbox that forbids it: the thread runs as before
        return False
    return True


def money_ahead(state: CaseState, request) -> Ahead | None:
    """The money-pattern search of a first ring search (``request``: a
    :class:`~workbench.rings.RingRequest`), started to run while the graph is built; None
    when the search will not need it (no money layer, ``around``), has it already, or when
    a ring result of these data is kept (a follow-up most likely finds its answer kept)."""
    if request.around or (request.layers is not None and "money" not in request.layers):
        return None
    from ..engine import DuckDBEngine

    with state.open() as store:
        key = (state.token(store), request.since, request.until)
        if key in state.patterns or state.cache.holds(store, key[0], "rings"):
            return None
        engine = DuckDBEngine(store.con.cursor(), store.timezone(), owns=True)

    # the thread imports the money search (pandas, pyarrow.compute) while this one builds the
    # graph; what this one would import meanwhile is loaded first, so that the two never
    # import at once (two threads importing modules that import each other can deadlock)
    import pyarrow.compute  # noqa: F401 - the graph's arrays
    import pyarrow.pandas_compat  # noqa: F401 - DuckDB's register of an Arrow table

    def compute():  # the money search's imports (pandas) load in the thread
        from ..money import patterns_of_case

        return patterns_of_case(engine, request.since, request.until)

    return Ahead(key, compute, done=engine.close)
