"""Logging filters for the portal's one handler (standard error)."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 403 or 404 is an answer to the user, not a fault of the server: one line, no traceback.

    Django logs "Forbidden (Permission denied)" with the exception attached, which prints a traceback
    on the console for every refused click; 5xx records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
