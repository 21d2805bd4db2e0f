"""Locust load tests, load shapes, thresholds and benchmarks for mtdsim.

Only ``locustfile.py`` imports locust; every other module here is plain Python so tests and the one-command
runner (``python -m loadtests.run``) can use it without gevent's monkey patching.
"""
