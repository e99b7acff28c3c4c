"""Structured logs (structlog): JSON lines for operators, or readable lines on a console.

Log calls bind ids (``message_id``, ``case_id``, ``job_id``, ``ref``), never bodies,
passwords or tokens. Libraries' standard-library logs go through the same renderer.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

from intake.url_options import mask_password

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def configure_logging(*, fmt: Literal["json", "console"], level: str) -> None:
    """Send every log line, ours and the libraries', to stderr in one format."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _mask_urls,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(_LEVELS.get(level, logging.INFO))
    # aioimaplib logs every protocol line at debug, including LOGIN: keep it at warning
    logging.getLogger("aioimaplib").setLevel(max(logging.WARNING, root.level))
    # Alembic narrates every migration step at info; operators need only what went wrong
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def _mask_urls(
    _logger: object, _name: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Mask the password of any service URL in a logged value: a library's error message
    may quote the URL it was given."""
    for key, value in event.items():
        if isinstance(value, str) and "://" in value:
            event[key] = mask_password(value)
    return event
