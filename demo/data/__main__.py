"""CLI: `python -m demo.data --out data --seed 42 --scale 0.1` (or `--append-orders N --start D`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import settings
from demo.data import append_orders, generate


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m demo.data", description=__doc__)
    project = settings.current()
    parser.add_argument("--out", type=Path, default=project.data_dir)
    parser.add_argument("--seed", type=int, default=project.demo_seed)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is about the public data set")
    parser.add_argument(
        "--append-orders", type=int, metavar="N", help="append N orders instead of generating"
    )
    parser.add_argument(
        "--start", type=datetime.fromisoformat, help="first ordered_at of the appended orders"
    )
    parser.add_argument("--days", type=int, default=1, help="days the appended orders spread over")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.append_orders is not None and args.start is None:
        parser.error("--append-orders needs --start")
    return args


def summary_lines(manifest: dict) -> list[str]:
    """Return one line per table with its row count, then the money totals."""
    lines = [f"{name:<16} {count:>10,} rows" for name, count in manifest["row_counts"].items()]
    lines += [
        f"{name:<16} {count:>10,} rows (landing)" for name, count in manifest["landing_row_counts"].items()
    ]
    lines.append(
        f"order_total      {manifest['order_total_cents'] / 100:>14,.2f} "
        f"({manifest['first_ordered_at']} .. {manifest['last_ordered_at']})"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Generate (or append to) the demo data and print a summary."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    started = time.perf_counter()
    if args.append_orders is not None:
        manifest = append_orders(args.out, args.seed, args.append_orders, args.start, args.days)
    else:
        manifest = generate(args.out, seed=args.seed, scale=args.scale)
    for line in summary_lines(manifest):
        print(line)
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f}s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
