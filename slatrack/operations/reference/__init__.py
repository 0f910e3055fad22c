"""Reference data: units, projects, contracts, budget lines and indicators, and the fiscal years.

Owns loading the reference file idempotently and answering which year and contract apply."""
