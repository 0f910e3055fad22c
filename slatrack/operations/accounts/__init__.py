"""Accounts: users, logins with lockout, API tokens, administration, and reading the audit log.

Owns who may act and the record of what they did."""
