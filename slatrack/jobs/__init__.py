"""Scheduled jobs: definitions as data (definitions.py), the runner with its single-run guarantees (runner.py)."""
