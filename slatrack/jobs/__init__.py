"""Scheduled jobs: definitions as data (definitions.py, all of them in catalog.py), the runner (runner.py)."""
