"""The claims ledger: what claimcalc has paid, so that the next claim knows.

A database of settlements (SQLite by default, PostgreSQL for a team), read
for each claim's prior payments and written when a settlement is recorded.
See docs/ledger.md.
"""
