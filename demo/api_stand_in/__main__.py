"""CLI: `python -m demo.api_stand_in --source data/source --port 8765` (Ctrl-C stops it)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

import settings
from demo.api_stand_in.server import base_url, make_server

logger = logging.getLogger("demo.api_stand_in")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    default_source = settings.data_dir() / "source"
    parser = argparse.ArgumentParser(prog="python -m demo.api_stand_in", description=__doc__)
    parser.add_argument(
        "--source", type=Path, default=default_source, help="folder with the source *.parquet"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the server closes cleanly."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    server = make_server(args.source, args.host, args.port)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    logger.info("serving %s from %s (Ctrl-C to stop)", base_url(server), args.source)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        server.server_close()
        server.data.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
