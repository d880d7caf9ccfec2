"""The demo's simulated source systems: the Jaffle Shop generator, the API stand-in and the event logs.

Only the demo path imports this package (``jaffle demo``, ``jaffle generate``, ``jaffle logs``, the tests and
the bench); the loaders in ``extract_load`` read real sources and know nothing of it.
"""
