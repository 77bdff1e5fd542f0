"""Strike ledger: the pure escalation policy and the SQLite store that owns all SQL.

* ``bot.ledger.policy`` — pure: ``Action``, ``LadderStep``, ``Ladder`` (validated; ``parse`` /
  ``to_text`` / JSON), ``default_ladder()``, ``StrikeRecord``, ``Violation``, ``decide()`` ->
  ``Decision``, ``standing()`` -> ``Standing``, ``ConfigError`` / ``LadderError``.
* ``bot.ledger.models`` — value types: ``GuildConfig``, ``ViolationInput``, ``FindingRecord``,
  ``AttachmentEvidence``, ``RecordOutcome``, ``OutboxAction``, ``Evidence``, ``Case``.
* ``bot.ledger.store`` — ``LedgerStore``: the one module with SQL (aiosqlite, WAL, numbered
  migrations in ``bot/ledger/migrations``), group-committed ``record_violation``, the action
  outbox, pardons, the case log, export, retention and deletion.
* ``bot.ledger.maintenance`` — the periodic purge job; ``bot.ledger.cli`` — ``contact-guard db``.

Importing this package imports nothing heavy; import the submodule you need.
"""
