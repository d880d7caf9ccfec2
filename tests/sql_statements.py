"""Statements run on an engine's connection and committed: how tests set up raw tables by hand."""

from __future__ import annotations

from typing import Any


def execute_and_commit(connection: Any, *statements: str) -> None:
    """Run the statements in order on one cursor, then commit them."""
    cursor = connection.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
    finally:
        cursor.close()
    connection.commit()
