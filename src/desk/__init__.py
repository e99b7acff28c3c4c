"""The officers' web desk: pages and a JSON API over the case store (``importbio web``).

In the flow of a message this is where the officer meets the case: ``app`` builds the
application, ``pages`` and ``api`` are its two faces, ``listing`` finds cases,
``actions`` records what the officer changes, ``accounts``, ``security`` and
``throttle`` guard the door, and ``mailview`` shows hostile mail safely.
"""
