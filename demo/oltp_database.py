"""The demo's operational database: where it lives and seeding it once per seed and scale.

The demo writes only where it was told. ``[demo] oltp_url`` (``DEMO__OLTP_URL``) names the database (any SQLAlchemy URL).
Unset, it is the database ``jaffle_oltp`` on the configured PostgreSQL server when the Postgres warehouse is
chosen (the user named that server), and otherwise a SQLite file in the data folder: a DuckDB or Spark demo
never writes into a PostgreSQL server merely because one answers on this machine. Only this demo database is
ever seeded: a real source database is configured as ``sources.jaffle_oltp.credentials`` and read, never
written.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.engine import make_url

import settings
from engines import current_engine

log = logging.getLogger("jaffle")

DEMO_DATABASE = "jaffle_oltp"


def demo_oltp_url() -> str:
    """The demo OLTP database's SQLAlchemy URL (see the module docstring for the choice)."""
    configured = settings.current().demo_oltp_url
    if configured:
        return configured
    on_server = current_engine().server_url(DEMO_DATABASE)
    if on_server is not None:
        return on_server
    return f"sqlite:///{settings.data_dir() / 'source' / 'oltp.sqlite'}"


def seed_demo_oltp(seed: int, scale: float, force: bool = False) -> dict[str, int]:
    """Seed the demo OLTP database unless it already holds this seed and scale; returns rows per table."""
    from demo.data.oltp import seed_oltp

    url = demo_oltp_url()
    shown = make_url(url).render_as_string(hide_password=True)
    marker = settings.data_dir() / "source" / "oltp.json"
    wanted = {"database": shown, "seed": seed, "scale": scale}
    if marker.exists() and not force:
        seeded = json.loads(marker.read_text())
        if {key: seeded.get(key) for key in wanted} == wanted:
            return seeded["row_counts"]
    log.info("seeding the demo OLTP database %s", shown)
    row_counts = seed_oltp(url, seed=seed, scale=scale)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({**wanted, "row_counts": row_counts}, indent=2))
    return row_counts
