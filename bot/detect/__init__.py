"""Pure detection core: normalisation, rule packs, detectors and the cross-message window.

Nothing in this package may import discord or aiosqlite: it must run (and be tested) on plain
strings, so that the CLI, the bot and the benchmarks all share exactly the same engine.
"""
