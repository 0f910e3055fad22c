"""Records kept by hand: monthly inspections, satisfaction surveys, payments, manual indicator entries.

Owns their checks, storage and the per-unit and per-project summaries read by the pages."""
