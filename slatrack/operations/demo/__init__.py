"""The demo data set: accounts for every role (loading) and a plausible year of activity (history).

Used only by `slatrack init --demo` and the browser tests."""
