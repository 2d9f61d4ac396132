"""Names of the temporary tables one file's ingest uses, derived from what they hold.

Every table an ingest creates on the store's connection (the raw stage, the lookup of parsed
identifiers per type, the typed rows, their rejects, the list of repeated rows) is named by a
template and a hash of what they hold (the file's content hash, its kind and header), as
splink names its tables by a hash of their SQL: two ingests on one connection never write
into each other's tables, and the same content is staged under the same name.

Examples
--------
>>> s = ScratchNames("abc123")
>>> s.stage, s.typed, s.rejects, s.lookup("phone"), s.repeats
('_stage_abc123', '_typed_abc123', '_typed_abc123_rej', '_map_phone_abc123', '_repeats_abc123')
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["ScratchNames"]


@dataclass(frozen=True)
class ScratchNames:
    """The temporary tables of one file's ingest; ``token`` is the hash they share."""

    token: str

    @classmethod
    def for_file(cls, sha256: str, kind: str, headers: list[str]) -> ScratchNames:
        """Names for a file with content hash ``sha256`` read as ``kind`` with ``headers``.

        >>> a = ScratchNames.for_file("9f86d0", "calls", ["caller", "callee"])
        >>> b = ScratchNames.for_file("9f86d0", "phones", ["caller", "callee"])
        >>> a == b, len(a.token)
        (False, 16)
        """
        identity = "\0".join([sha256, kind, *headers])
        return cls(hashlib.blake2b(identity.encode(), digest_size=8).hexdigest())

    @property
    def stage(self) -> str:
        """The raw rows as read: ``_line`` and one VARCHAR ``c<i>`` per header position."""
        return f"_stage_{self.token}"

    @property
    def batch(self) -> str:
        """The name an Arrow batch is registered under while it is appended to the stage."""
        return f"_batch_{self.token}"

    @property
    def typed(self) -> str:
        """The typed and checked rows."""
        return f"_typed_{self.token}"

    @property
    def rejects(self) -> str:
        """The rejected rows with reason, column and the row as read."""
        return f"{self.typed}_rej"

    @property
    def repeats(self) -> str:
        """Row hashes that occur more than once in the file, with their first line."""
        return f"_repeats_{self.token}"

    def lookup(self, vtype: str) -> str:
        """Parsed values of one identifier type (``raw``, ``norm``, ``err``)."""
        return f"_map_{vtype}_{self.token}"
