"""The benchmark: ``make bench`` times each pipeline stage against the engines' native ingest paths."""
