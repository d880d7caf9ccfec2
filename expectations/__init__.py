"""Great Expectations quality gates of the warehouse: suites in code, one gate per stage, fail-closed."""
