"""Deterministic Jaffle Shop demo data: the source system's Parquet tables and the landing file drops."""

from demo.data.generator import append_orders, generate
from demo.data.manifest import read_manifest

__all__ = ["append_orders", "generate", "read_manifest"]
