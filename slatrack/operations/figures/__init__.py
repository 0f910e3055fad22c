"""Figures: SLA loading and caches, indicators, snapshots, report status, the dashboard, document data.

Owns turning stored records into the plain inputs of measure/ and the figures every reader shows."""
