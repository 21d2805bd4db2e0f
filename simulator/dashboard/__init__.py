"""The dashboard: Intune's Mobile Threat Defense pane for the mock's world, live, with its data behind
documented control-API routes (``simulator.service.dashboard`` serves it).

Modules by concept: ``access`` (the only reader of devices) and ``orders`` (its walks and sorted orders),
``overview``, ``devices``, ``findings`` (violations, conformance), ``timeline`` and ``sampler`` (time), ``charts``
(SVG), ``pages`` (HTML), ``static/`` (script, style).
Nothing here imports the service's routes, so the service state may hold a ``Timeline``.
"""
