"""The wiring gives every part the same detector: extra rule packs must reach image payloads too."""

from pathlib import Path

from bot.detect.engine import load_detector
from bot.discord import integrations
from bot.discord.app import BotServices
from bot.ledger.store import LedgerStore

EXTRA_PACK = """
[pack]
family = "community"
description = "a community's own rule"

[[rule]]
id = "community.fanclub-code"
kind = "url"
category = "contact"
view = "words"
patterns = ['fanclub-[0-9]{4}']
triggers = ["fanclub-"]
confidence = 0.9
[rule.examples]
positive = ["fanclub-1234"]
negative = ["fanclub"]
"""


async def test_image_scanner_shares_the_bots_detector(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "community.toml").write_text(EXTRA_PACK, encoding="utf-8")
    detector = load_detector([rules])
    store = await LedgerStore.open(tmp_path / "ledger.sqlite3")
    try:
        services = BotServices(store=store, detector=detector)
        integrations.install(services)
        scanners = list(services.content_scanners)
        assert len(scanners) == 1
        # The scanner judges decoded payloads with the bot's detector, extra packs included.
        assert scanners[0]._detector_or_load() is detector
        assert any(f.rule_id == "community.fanclub-code" for f in detector.scan("fanclub-1234"))
    finally:
        for scanner in services.content_scanners:
            await scanner.close()
        await store.close()
