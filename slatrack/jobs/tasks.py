"""The job functions. Each is a thin wrapper around an operation, safe to run twice."""

from __future__ import annotations
