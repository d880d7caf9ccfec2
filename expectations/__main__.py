"""``python -m expectations --stage raw|marts [--schema NAME]``: run one gate, print it, exit 1 on failure."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from .suites import stage_builders


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line arguments."""
    parser = argparse.ArgumentParser(prog="python -m expectations", description=__doc__)
    parser.add_argument("--stage", choices=sorted(stage_builders()), required=True)
    parser.add_argument("--schema", help="validate the marts in this schema instead of `marts` (marts only)")
    parser.add_argument("--json", action="store_true", help="print the JSON record instead of the summary")
    arguments = parser.parse_args(argv)
    if arguments.schema and arguments.stage != "marts":
        parser.error("--schema applies to --stage marts only")
    return arguments


def main(argv: list[str] | None = None) -> int:
    """Run the gate of one stage; 0 when it passed, 1 when it failed."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    arguments = parse_arguments(argv)
    from .gate import run_gate

    schema_map = {"marts": arguments.schema} if arguments.schema else None
    result = run_gate(arguments.stage, schema_map)
    print(json.dumps(result.to_dict(), indent=2) if arguments.json else result.summary())
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
