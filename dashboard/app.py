"""The Dash app factory and ``python -m dashboard`` (127.0.0.1 by default, port configurable)."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from dash import Dash, Input, Output, dcc, html, no_update

from . import pages
from .reader import NoRunsYet, WarehouseBusy

log = logging.getLogger(__name__)
RETRY_MILLISECONDS = 3000


def _message(kind: str, text: str) -> html.Div:
    """A clear state instead of a traceback: no runs yet, or busy (the page retries)."""
    return html.Div(text, id=f"{kind}-message", className=f"message {kind}")


def render(pathname: str | None) -> tuple[list, bool]:
    """The page's content, and whether to keep retrying (busy warehouse)."""
    builder = pages.BUILDERS.get(pathname or "/", pages.runs_page)
    title = html.H2(pages.PAGES.get(pathname or "/", pages.PAGES["/"]), id="page-title")
    try:
        return [title, *builder()], True
    except NoRunsYet:
        return [title, _message("empty", "No runs yet: run `make demo`.")], True
    except WarehouseBusy:
        return [title, _message("busy", "The warehouse is busy; this page retries by itself.")], False
    except Exception as error:  # a clear message, never a traceback (details go to the log only)
        log.warning("page %s failed: %s", pathname, type(error).__name__)
        return [title, _message("busy", "The warehouse did not answer; this page retries by itself.")], False


def create_app() -> Dash:
    """The dashboard: four pages behind a navigation bar, every asset served locally."""
    app = Dash(__name__, title="Jaffle warehouse", serve_locally=True, suppress_callback_exceptions=True)
    navigation = html.Nav([dcc.Link(name, href=path, id=f"nav{path.replace('/', '-')}") for path, name in
                           pages.PAGES.items()], className="navigation")  # fmt: skip
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            navigation,
            dcc.Interval(id="retry", interval=RETRY_MILLISECONDS, disabled=True),
            html.Main(id="content"),
        ]
    )

    @app.callback(Output("content", "children"), Output("retry", "disabled"),
                  Input("url", "pathname"), Input("retry", "n_intervals"))  # fmt: skip
    def _page(pathname: str | None, _ticks: int | None) -> tuple[list, bool]:
        """Render the page for the URL; retried every few seconds while the warehouse is busy."""
        return render(pathname)

    @app.callback(Output("totals", "children"), Output("daily-revenue", "figure"),
                  Output("top-products", "figure"), Output("customer-mix", "figure"),
                  Input("store", "value"), Input("dates", "start_date"), Input("dates", "end_date"))  # fmt: skip
    def _business(store: str | None, start: str | None, end: str | None) -> tuple:
        """The business numbers for the filters (bound as query parameters)."""
        try:
            return pages.business_figures(store, start, end)
        except (NoRunsYet, WarehouseBusy) as error:
            return _message("busy", str(error)), no_update, no_update, no_update

    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the dashboard on loopback (``--host``, ``--port`` or ``DASHBOARD_PORT``)."""
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DASHBOARD_PORT", "8050")))
    parser.add_argument("--png", type=Path, help="write every figure as PNG into this folder, then exit")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    if arguments.png:
        from .export import export_png

        for path in export_png(arguments.png):
            log.info("wrote %s", path)
        return
    create_app().run(host=arguments.host, port=arguments.port, debug=False)
