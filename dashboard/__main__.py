"""``python -m dashboard``."""

from .app import main

main()
