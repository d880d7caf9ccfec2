"""Local stand-in for the public Jaffle Shop REST API, serving data/source/*.parquet over loopback."""

from demo.api_stand_in.server import make_server, serve

__all__ = ["make_server", "serve"]
