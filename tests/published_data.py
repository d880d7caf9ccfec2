"""What readers see, as a fingerprint: equal fingerprints, identical published data."""

from __future__ import annotations

import hashlib

import settings
from warehouse.connection import connect, fetch_all, quote, schema_tables


def published_fingerprint(with_publication: bool = False) -> dict[str, str]:
    """A hash of every published table's sorted rows (the ``publication`` row only when asked)."""
    fingerprints = {}
    with connect() as connection:
        for table in schema_tables(connection, settings.PUBLISHED_SCHEMA):
            if table == "publication" and not with_publication:
                continue
            rows = fetch_all(connection, f"select * from {quote(settings.PUBLISHED_SCHEMA, table)}")
            text = "\n".join(sorted(repr(tuple(str(value) for value in row)) for row in rows))
            fingerprints[table] = hashlib.sha256(text.encode()).hexdigest()
    return fingerprints
