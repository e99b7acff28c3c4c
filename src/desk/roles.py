"""The roles of desk accounts (a module of its own, so commands can name them cheaply)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an account may do: officers work the queues; admins also replay quarantine."""

    OFFICER = "officer"
    ADMIN = "admin"
