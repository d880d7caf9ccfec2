"""Deterministic Jaffle Shop demo data: the source system's Parquet tables and the landing file drops."""

from extract_load.demo_data.generator import append_orders, generate
from extract_load.demo_data.manifest import read_manifest

__all__ = ["append_orders", "generate", "read_manifest"]
