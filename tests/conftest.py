"""Shared test configuration: the real-server fixtures (Dovecot, Redis, PostgreSQL, SMTP)."""

pytest_plugins = [
    "tests.services.fixtures",
    "tests.services.pg_fixtures",
    "tests.support.smtp_fixtures",
    "tests.support.desk_fixtures",
]
