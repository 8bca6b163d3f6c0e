"""Record codes: the one format for a record's code whether it was typed on a form or came in a ledger file.

Ledgers given without codes get `content_code` of the record's natural key (a person and a date) — so a record
entered by hand gets the code an import of the same record would give it, and a ledger imported later updates it
instead of adding a twin (issue 16: "OBS-20261205-470298 beside OBS000614"). Prefixes as the demo and the offices'
ledgers write them: OBS, CASE, P, H.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any


def content_code(prefix: str, *parts: Any) -> str:
    """A stable code from a record's natural key: `prefix` + 14 hex digits of the SHA-1 of the parts. The same
    key gives the same code in every import and on every form."""
    key = "\x1f".join("" if p is None else p.isoformat() if isinstance(p, dt.date) else str(p) for p in parts)
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:14].upper()
