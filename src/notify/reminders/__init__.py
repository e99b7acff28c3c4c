"""Reminders and officer digests on the desk's working days.

The flow of one scheduled pass, one concept per module:

    config   what runs when (times of day, lead times, officer groups), from the settings
    rules    pure: is a reminder, notice or escalation due for a case on a day
    queries  the store's candidate cases for each job, each an index range scan
    mails    pure: the four mail kinds composed from a case's facts (Dutch, then English)
    record   each effect as an event and its outbox row, in one transaction, once per key
    passes   one job run as of a moment: candidates → rules → mails → record (or a dry run)
    leader   which scheduler process may fire (a Redis lock with a renewed TTL)
    scheduler  APScheduler 3.x firing the jobs into arq; jobs: the arq side
"""
