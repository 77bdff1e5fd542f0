"""Numbered, forward-only schema migrations (``NNNN_name.sql``), applied by bot.ledger.store.

Never edit a released migration: add the next number. Each file runs inside one transaction
together with the schema-version bump, so a failed upgrade leaves the database as it was.
"""
