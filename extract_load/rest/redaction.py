"""Keep resolved secrets out of logs: a filter on the loggers that print request URLs and messages.

Auth classes add credentials only to the prepared request, so dlt's own request log never shows them, but
urllib3 logs every request line at DEBUG, query string included: an API key sent as a query parameter would
be printed. Every secret this layer resolves is registered here and replaced by ``***`` in those records.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote, quote_plus

# Loggers whose records may carry URLs or request details; filters run where a record is created.
WATCHED_LOGGERS = ("dlt", "urllib3.connectionpool", "urllib3.util.retry", "extract_load")
MASK = "***"
# Shorter values would mask ordinary words and numbers; such secrets are too weak to matter anyway.
MIN_SECRET_LENGTH = 4


class SecretRedactor(logging.Filter):
    """Replaces every registered secret (and its URL-encoded forms) in a record's message and traceback."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def register(self, secret: str) -> None:
        """Mask ``secret`` from now on."""
        if len(secret) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            self._secrets.update({secret, quote(secret, safe=""), quote_plus(secret, safe="")})

    def redact(self, text: str) -> str:
        """``text`` with every registered secret masked, longest first."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record in place; never drops it."""
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


REDACTOR = SecretRedactor()


def install() -> None:
    """Attach the redactor to the watched loggers (idempotent)."""
    for name in WATCHED_LOGGERS:
        logger = logging.getLogger(name)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)


def register_secret(secret: str) -> None:
    """Mask ``secret`` in the watched loggers from now on."""
    install()
    REDACTOR.register(secret)
