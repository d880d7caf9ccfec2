"""``python api_down_once.py <airflow arguments>``: the Airflow CLI, in this process, with the API down once.

The first API stand-in started in this process (the first try of the ``jaffle_api`` extract-load task) answers
every API request with HTTP 503, as a server that is down for a while does; every later one serves normally.
``airflow dags test`` runs every task in this process, so the task's retry starts a second stand-in, which works.
"""

from __future__ import annotations

import sys
from http import HTTPStatus
from itertools import count

from demo.api_stand_in.server import API_PREFIX, RequestHandler, StandInServer

STARTED = count(1)


def install() -> None:
    """Make the first stand-in server answer 503 to every API request."""
    start, route = StandInServer.__init__, RequestHandler._route

    def numbered_start(self: StandInServer, *args: object, **kwargs: object) -> None:
        start(self, *args, **kwargs)
        self.down = next(STARTED) == 1

    def unavailable_route(self: RequestHandler, path: str, *args: object) -> tuple:
        if getattr(self.server, "down", False) and path.startswith(API_PREFIX):
            return HTTPStatus.SERVICE_UNAVAILABLE, {"detail": "Service Unavailable"}, {}
        return route(self, path, *args)

    StandInServer.__init__ = numbered_start
    RequestHandler._route = unavailable_route


if __name__ == "__main__":
    install()
    from airflow.__main__ import main

    sys.argv = ["airflow", *sys.argv[1:]]
    sys.exit(main())
