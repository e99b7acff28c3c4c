"""Real servers for tests (Dovecot, Redis), started from temp folders on 127.0.0.1."""
