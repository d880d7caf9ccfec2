"""Where each demo source reads in a run: the simulated systems on this machine, or what configuration says.

``api`` is ``local`` (the demo run: the API stand-in on loopback over the generated data, the generated
landing folder and the demo OLTP database), ``config`` (every source as configured) or a base URL for the
Jaffle Shop API. ``landing`` overrides the landing folder of the file source. Other sources read their
configuration in every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import settings

API_SOURCE, FILES_SOURCE, OLTP_SOURCE = "jaffle_api", "jaffle_files", "jaffle_oltp"
DEMO_SOURCES = (API_SOURCE, FILES_SOURCE, OLTP_SOURCE)


@contextmanager
def api_base_url(api: str) -> Iterator[str | None]:
    """``local`` serves the demo data on loopback; ``config`` uses the configured URL; else a URL."""
    if api == "local":
        from .api_stand_in import serve

        with serve(settings.data_dir() / "source") as base_url:
            yield base_url
    else:
        yield None if api == "config" else api


def source_location(name: str, api: str, landing: str | None) -> AbstractContextManager[str | None]:
    """The location a source reads in this run (None: its configured one)."""
    demo = api == "local"
    if name == API_SOURCE:
        return api_base_url(api)
    if name == FILES_SOURCE:
        return nullcontext(landing or (str(settings.data_dir() / "landing") if demo else None))
    if name == OLTP_SOURCE and demo:
        from .oltp_database import demo_oltp_url

        return nullcontext(demo_oltp_url())
    return nullcontext(None)
