"""Durable state: a consistent capture of a running mock, the snapshot document, and the SQLite state directory.

``mtdsim serve --state DIR`` restores from DIR at start and checkpoints into it (``lifecycle.durable_state``);
``GET``/``PUT /_sim/snapshot`` export and import the same document (``routes``); ``mtdsim report --state DIR``
and ``mtdsim journal --state DIR`` read a directory offline (``SqliteStore``).
"""

from __future__ import annotations

__all__: list[str] = []  # import the modules themselves: the service imports this package while it loads
