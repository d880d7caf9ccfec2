"""The manifest: what was generated (seed, scale, row counts, money totals, files) as source/manifest.json."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from demo.data.files import write_bytes
from demo.data.randomness import ISO_FORMAT

MANIFEST_NAME = "manifest.json"
SOURCE_ENTITIES = ("customers", "orders", "items", "products", "stores", "supplies")
LANDING_TABLES = ("tweets", "supplier_prices", "store_events", "loyalty_events")
TAX_ROUNDING = (
    "tax_paid = floor((subtotal * tax_rate * 10000 + 5000) / 10000): round half up, exact in integers"
)


def order_totals(orders: pa.Table) -> dict:
    """Return the money sums (cents) and the first/last ordered_at of an orders table."""
    first, last = pc.min_max(orders.column("ordered_at")).values()
    return {
        "order_total_cents": int(pc.sum(orders.column("order_total")).as_py() or 0),
        "subtotal_cents": int(pc.sum(orders.column("subtotal")).as_py() or 0),
        "tax_paid_cents": int(pc.sum(orders.column("tax_paid")).as_py() or 0),
        "first_ordered_at": first.as_py().strftime(ISO_FORMAT) if first.is_valid else None,
        "last_ordered_at": last.as_py().strftime(ISO_FORMAT) if last.is_valid else None,
    }


def build_manifest(
    seed: int,
    scale: float,
    source: dict[str, pa.Table],
    landing_counts: dict[str, int],
    files: list[Path],
    out_dir: Path,
) -> dict:
    """Return the manifest of one generate() run."""
    return {
        "seed": seed,
        "scale": scale,
        "row_counts": {name: source[name].num_rows for name in SOURCE_ENTITIES},
        "landing_row_counts": {name: landing_counts[name] for name in LANDING_TABLES},
        **order_totals(source["orders"]),
        "tax_rounding": TAX_ROUNDING,
        "appended_batches": [],
        "files": relative_files(files, out_dir),
    }


def relative_files(files: list[Path], out_dir: Path) -> list[str]:
    """Return sorted POSIX paths relative to out_dir."""
    return sorted({Path(f).relative_to(out_dir).as_posix() for f in files})


def manifest_path(out_dir: Path) -> Path:
    """Return the manifest's path under out_dir."""
    return Path(out_dir) / "source" / MANIFEST_NAME


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    """Write the manifest as indented JSON with a trailing newline."""
    path = manifest_path(out_dir)
    write_bytes((json.dumps(manifest, indent=2) + "\n").encode("utf-8"), path)
    return path


def read_manifest(out_dir: Path) -> dict:
    """Read the manifest written by generate()."""
    return json.loads(manifest_path(out_dir).read_text(encoding="utf-8"))
