"""Images end to end: the real bot and discord.py client against the fake Discord, which serves
the attachment files itself; a real SQLite ledger per test.

* a LINE QR code in a picture -> the message is deleted, the member warned, the picture's
  bytes kept as evidence;
* a photo with GPS data -> deleted, a private and kind notice, no strike by default, and the
  coordinates appear in NO request the bot makes;
* a QR code to an allow-listed site, an ordinary photo, a fake image -> left alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.images import ImageWorkerPool, read_location
from bot.images.integration import ImageContentScanner
from bot.ledger.models import AllowEntry
from bot.ledger.store import LedgerStore
from tests.discord.bot_fixtures import BotHarness, running_bot, shared_detector
from tests.fakediscord import FakeAttachment
from tests.fakediscord.server import FakeDiscord, StandardGuild
from tests.images import imagegen as gen

pytestmark = pytest.mark.slow

LINE_QR = "https://line.me/ti/p/Zx8abcdEF"
DELETE_ONE = "/channels/{channel_id}/messages/{message_id}"


def _photo_with_qr(payload: str) -> bytes:
    return gen.encode(gen.paste(gen.photo(1024, 768, seed=3), gen.qr(payload), width_fraction=0.3), "JPEG")


def _gps_photo() -> bytes:
    return gen.encode(gen.photo(1024, 768, seed=4), "JPEG", exif=gen.gps_exif(*gen.TOKYO_TOWER))


def _coordinate_patterns() -> list[re.Pattern[str]]:
    """Every way the Tokyo Tower position could be written: decimal, and degrees/minutes."""
    lat, lon = gen.TOKYO_TOWER
    return [
        re.compile(r"35[.,]6[0-9]"),
        re.compile(r"139[.,]7[0-9]"),
        re.compile(r"35\D{1,3}39"),  # 35°39'
        re.compile(r"139\D{1,3}44"),  # 139°44'
        re.compile(rf"{int(lat)}\s*,\s*{int(lon)}"),
    ]


def _own_scanner(harness: BotHarness, pool: ImageWorkerPool) -> ImageContentScanner:
    """Swap the installed image scanner for one that shares the test process's detector (rule
    compilation is slow) and uses a one-worker pool the test owns."""
    installed = [s for s in harness.bot.pipeline.content_scanners if isinstance(s, ImageContentScanner)]
    # bot.discord.integrations found bot.images.content_scanner and put it in the pipeline.
    assert len(installed) == 1
    scanner = ImageContentScanner(
        detector=shared_detector(), allowlist_factory=installed[0]._allowlist_factory, pool=pool
    )
    harness.bot.pipeline.content_scanners = [scanner]
    return scanner


@pytest.fixture
async def image_bot(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    async with (
        running_bot(fake_discord, standard_guild, tmp_path / "ledger.sqlite3") as harness,
        ImageWorkerPool(workers=1) as pool,
    ):
        scanner = _own_scanner(harness, pool)
        try:
            yield harness
        finally:
            await scanner.close()


async def test_line_qr_picture_is_deleted_warned_and_kept_as_evidence(image_bot: BotHarness) -> None:
    h, fake, std = image_bot, image_bot.fake, image_bot.std
    picture = _photo_with_qr(LINE_QR)
    message_id = await fake.send_message(
        std.general.id, std.member, "add me!",
        attachments=[FakeAttachment("me.jpg", picture, content_type="image/jpeg", width=1024, height=768)],
    )
    delete = await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}")
    assert delete.status == 204
    await h.settle()
    (dm,) = h.dms_to(std.member.id)
    assert "LINE" in dm.json["content"]
    (strike,) = await h.strikes(std.member.id)
    assert strike.points == 1
    evidence = await h.store.get_evidence(strike.id)
    assert evidence is not None
    image_findings = [f for f in evidence.findings if f.attachment_id is not None]
    assert "line" in {f.kind for f in image_findings}
    assert all((f.start, f.end) == (0, 0) for f in image_findings)
    (stored,) = evidence.attachments
    assert stored.data == picture  # Discord's link dies with the message; the bytes do not
    assert stored.sha256 == hashlib.sha256(picture).hexdigest()
    assert {f.attachment_id for f in image_findings} == {stored.attachment_id}


async def test_gps_photo_is_deleted_with_a_kind_private_notice_and_no_coordinates_anywhere(
    image_bot: BotHarness,
) -> None:
    h, fake, std = image_bot, image_bot.fake, image_bot.std
    message_id = await fake.send_message(
        std.general.id, std.member, "view from my window",
        attachments=[FakeAttachment("IMG_0001.jpg", _gps_photo(), content_type="image/jpeg")],
    )
    await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}")
    await h.settle()
    (dm,) = h.dms_to(std.member.id)
    assert "location" in dm.json["content"].lower()
    (strike,) = await h.strikes(std.member.id)
    assert strike.category == "location"
    assert strike.points == 0  # default: no strike for a location, only the notice
    # The evidence keeps the picture for the administrators, but not where it was taken.
    evidence = await h.store.get_evidence(strike.id)
    assert evidence is not None
    (stored,) = evidence.attachments
    assert stored.data is not None and read_location(stored.data) is None

    # Nothing the bot sent anywhere — DMs, reports, notices, audit reasons — holds the position.
    assert fake.calls, "the bot made no request at all?"
    for call in fake.calls:
        shown = json.dumps(call.json, ensure_ascii=False) + (call.reason or "") + call.path
        for pattern in _coordinate_patterns():
            assert not pattern.search(shown), f"{call.method} {call.path} leaks the position"


async def test_location_strike_can_be_turned_on(
    fake_discord: FakeDiscord, standard_guild: StandardGuild, tmp_path: Path
) -> None:
    async def strict(store: LedgerStore) -> None:
        await store.update_guild_config(standard_guild.id, location_strike=True)

    async with (
        running_bot(fake_discord, standard_guild, tmp_path / "ledger.sqlite3", configure=strict) as h,
        ImageWorkerPool(workers=1) as pool,
    ):
        scanner = _own_scanner(h, pool)
        await fake_discord.send_message(
            standard_guild.general.id, standard_guild.member, "",
            attachments=[FakeAttachment("IMG_0002.jpg", _gps_photo(), content_type="image/jpeg")],
        )
        await fake_discord.wait_for_call("DELETE", DELETE_ONE)
        await h.settle()
        (strike,) = await h.strikes(standard_guild.member.id)
        assert strike.points == 1
        await scanner.close()


CLEAN = [
    ("allow_listed_qr", lambda: _photo_with_qr("https://example-community.jp/events/2026"), "poster.jpg", "image/jpeg"),
    ("ordinary_photo", lambda: gen.encode(gen.photo(800, 600, seed=8), "JPEG", exif=gen.plain_exif()), "cat.jpg", "image/jpeg"),
    ("text_file_named_png", lambda: b"not a picture, just text\n" * 20, "notes.png", "image/png"),
    ("truncated_png", lambda: gen.encode(gen.photo(400, 300, seed=2), "PNG")[:2_000], "broken.png", "image/png"),
]


@pytest.mark.parametrize(("name", "build", "filename", "content_type"), CLEAN, ids=[c[0] for c in CLEAN])
async def test_clean_and_broken_images_are_left_alone(
    image_bot: BotHarness, name: str, build, filename: str, content_type: str
) -> None:
    h, fake, std = image_bot, image_bot.fake, image_bot.std
    await h.store.update_guild_config(std.id, allow_list=(AllowEntry("domain", "example-community.jp"),))
    h.bot.pipeline.invalidate_guild(std.id)
    await fake.send_message(
        std.general.id, std.member, "look",
        attachments=[FakeAttachment(filename, build(), content_type=content_type)],
    )
    await h.settle()
    await fake.assert_no_call("DELETE", DELETE_ONE, within=0.2)
    assert await h.strikes(std.member.id) == []
    assert h.dms_to(std.member.id) == []


def _scanner_of(harness: BotHarness) -> ImageContentScanner:
    (scanner,) = harness.bot.pipeline.content_scanners
    assert isinstance(scanner, ImageContentScanner)
    return scanner


async def test_only_the_flagged_picture_is_kept_and_other_files_are_not_fetched(image_bot: BotHarness) -> None:
    h, fake, std = image_bot, image_bot.fake, image_bot.std
    flagged = _photo_with_qr("https://t.me/yuki_tokyo21")
    message_id = await fake.send_message(
        std.general.id, std.member, "two pictures and a document",
        attachments=[
            FakeAttachment("holiday.jpg", gen.encode(gen.photo(640, 480, seed=12), "JPEG"), content_type="image/jpeg"),
            FakeAttachment("contact.jpg", flagged, content_type="image/jpeg"),
            FakeAttachment("minutes.pdf", b"%PDF-1.4 not scanned", content_type="application/pdf"),
        ],
    )
    await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}")
    await h.settle()
    (strike,) = await h.strikes(std.member.id)
    evidence = await h.store.get_evidence(strike.id)
    assert evidence is not None
    (stored,) = evidence.attachments
    assert stored.filename == "contact.jpg" and stored.data == flagged
    assert _scanner_of(h).stats["downloaded"] == 2  # the PDF is never fetched


async def test_an_edit_does_not_download_again(image_bot: BotHarness) -> None:
    h, fake, std = image_bot, image_bot.fake, image_bot.std
    message_id = await fake.send_message(
        std.general.id, std.member, "my cat",
        attachments=[FakeAttachment("cat.jpg", gen.encode(gen.photo(640, 480, seed=13), "JPEG"), content_type="image/jpeg")],
    )
    await h.settle()
    await fake.edit_message(std.general.id, message_id, "my cat, sleeping")
    await h.settle()
    scanner = _scanner_of(h)
    assert scanner.stats["downloaded"] == 1
    assert scanner.stats["cache_hits"] == 1
    assert await h.strikes(std.member.id) == []


async def test_a_picture_over_the_guild_cap_is_not_downloaded(image_bot: BotHarness) -> None:
    h, fake, std = image_bot, image_bot.fake, image_bot.std
    await h.store.update_guild_config(std.id, max_image_bytes=64 * 1024)
    h.bot.pipeline.invalidate_guild(std.id)
    big = gen.encode(gen.paste(gen.photo(1600, 1200, seed=14), gen.qr(LINE_QR), width_fraction=0.3), "PNG")
    assert len(big) > 64 * 1024
    await fake.send_message(std.general.id, std.member, "",
                            attachments=[FakeAttachment("big.png", big, content_type="image/png")])
    await h.settle()
    scanner = _scanner_of(h)
    assert scanner.stats.get("downloaded", 0) == 0
    assert scanner.stats["status.too_large"] == 1
    await fake.assert_no_call("DELETE", DELETE_ONE, within=0.1)


async def test_a_gps_photo_over_the_cap_is_still_caught_from_its_first_bytes(image_bot: BotHarness) -> None:
    h, fake, std = image_bot, image_bot.fake, image_bot.std
    await h.store.update_guild_config(std.id, max_image_bytes=256 * 1024)
    h.bot.pipeline.invalidate_guild(std.id)
    big = gen.encode(gen.photo(3000, 2000, seed=15), "JPEG", quality=95, exif=gen.gps_exif(*gen.TOKYO_TOWER))
    assert len(big) > 256 * 1024
    message_id = await fake.send_message(std.general.id, std.member, "",
                                         attachments=[FakeAttachment("IMG_4032.jpg", big, content_type="image/jpeg")])
    await fake.wait_for_call("DELETE", f"/channels/{std.general.id}/messages/{message_id}")
    await h.settle()
    scanner = _scanner_of(h)
    assert scanner.stats.get("downloaded", 0) == 0 and scanner.stats["prefix_downloaded"] == 1
    (dm,) = h.dms_to(std.member.id)
    assert "location" in dm.json["content"].lower()
    (strike,) = await h.strikes(std.member.id)
    evidence = await h.store.get_evidence(strike.id)
    assert evidence is not None
    (stored,) = evidence.attachments
    assert stored.data is None and stored.size == len(big)  # over the cap: metadata, no bytes


async def test_japanese_guild_gets_the_location_notice_in_japanese(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    std = fake_discord.add_standard_guild("日本のサーバー", preferred_locale="ja")
    async with (
        running_bot(fake_discord, std, tmp_path / "ledger.sqlite3") as h,
        ImageWorkerPool(workers=1) as pool,
    ):
        scanner = _own_scanner(h, pool)
        await fake_discord.send_message(std.general.id, std.member, "窓からの景色",
                                        attachments=[FakeAttachment("IMG_0003.jpg", _gps_photo(), content_type="image/jpeg")])
        await fake_discord.wait_for_call("DELETE", DELETE_ONE)
        await h.settle()
        (dm,) = h.dms_to(std.member.id)
        assert "位置情報" in dm.json["content"]
        await scanner.close()
