"""Strike ledger: the pure escalation policy and the SQLite store that owns all SQL."""
