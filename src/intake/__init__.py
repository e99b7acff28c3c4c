"""Intake: how a mail comes in and becomes an officer's work.

The packages read in the order a message travels::

    sources → parse → triage → case → queue

``parse`` and ``triage`` are pure: they take bytes and values and return values, and
import no I/O module. The adapters around them (mailboxes, the case store, the job
queue) are thin.
"""
