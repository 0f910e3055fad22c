"""Monitoring: check results in (ingest), the segment store and its upkeep, targets, outages.

Owns everything about what the probes saw and the outage records made from it."""
