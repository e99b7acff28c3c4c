"""Notify: decisions, mail out, reminders. May use intake; intake never imports notify."""
