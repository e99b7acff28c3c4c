"""Shared test configuration: the real-server fixtures (Dovecot, Redis, PostgreSQL)."""

pytest_plugins = ["tests.services.fixtures", "tests.services.pg_fixtures"]
