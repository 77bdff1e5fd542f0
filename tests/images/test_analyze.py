"""Decoded payloads judged by the real detector: contacts in codes, allow-listed codes, locations."""

from __future__ import annotations

from functools import cache

import pytest

from bot.detect.allowlist import Allowlist
from bot.detect.engine import Detector, load_detector
from bot.detect.findings import Category
from bot.images import ImageStatus, analyze_image
from tests.images import imagegen as gen


@cache
def detector() -> Detector:
    return load_detector()


def _scan(text: str, allowlist: Allowlist | None) -> list:
    return detector().scan(text, allowlist)


def _qr_picture(payload: str) -> bytes:
    return gen.encode(gen.paste(gen.photo(800, 600, seed=2), gen.qr(payload), width_fraction=0.35), "PNG")


CONTACT_CODES = [
    ("line_profile", "https://line.me/ti/p/Zx8abcdEF", "line"),
    ("line_id_text", "LINE ID: yuki_0321", "line"),
    ("instagram_profile", "https://www.instagram.com/yuki.tokyo_21/", "instagram"),
    ("telegram_link", "https://t.me/yuki_tokyo21", "telegram"),
    ("vcard_phone", "BEGIN:VCARD\nVERSION:3.0\nFN:Yuki\nTEL:090-1234-5678\nEND:VCARD", "phone"),
    ("mailto", "mailto:kazu.0315@gmail.com", "email"),
    ("other_server_invite", "https://discord.gg/othercode", "discord_invite"),
]


@pytest.mark.parametrize(("name", "payload", "kind"), CONTACT_CODES, ids=[c[0] for c in CONTACT_CODES])
def test_a_contact_in_a_code_is_an_image_finding(name: str, payload: str, kind: str) -> None:
    report = analyze_image(_qr_picture(payload), scan=_scan, attachment_id="555")
    assert report.status == ImageStatus.OK
    assert kind in {f.kind for f in report.findings}
    for item in report.code_findings:
        finding = item.finding
        # An image finding has no text span: it points at the attachment instead.
        assert (finding.start, finding.end, finding.text) == (0, 0, "")
        assert finding.attachment_id == "555"
        assert finding.rule_id.startswith("image.code:")
        assert item.code.text == payload
        assert item.matched and item.matched in payload
    assert report.flagged and not report.has_location
    assert report.allowed_codes == ()


ALLOW = Allowlist.from_entries(["example-community.jp", "discord.gg/ourcode"])
CLEAN_CODES = [
    ("allow_listed_site", "https://example-community.jp/events/2026", ALLOW),
    ("own_server_invite", "https://discord.gg/ourcode", ALLOW),
    ("wifi_login", "WIFI:S:CafeGuest;T:WPA;P:coffee2026;;", None),
    ("plain_words", "Thank you for coming! 来てくれてありがとう", None),
    ("product_number", "SKU-2026-1129", None),
]


@pytest.mark.parametrize(("name", "payload", "allowlist"), CLEAN_CODES, ids=[c[0] for c in CLEAN_CODES])
def test_a_clean_or_allow_listed_code_is_not_a_finding(name: str, payload: str, allowlist: Allowlist | None) -> None:
    report = analyze_image(_qr_picture(payload), scan=_scan, allowlist=allowlist, attachment_id="556")
    assert report.status == ImageStatus.OK
    assert report.findings == ()
    assert [code.text for code in report.allowed_codes] == [payload]
    assert not report.flagged


def test_the_allow_list_is_what_makes_the_invite_clean() -> None:
    picture = _qr_picture("https://discord.gg/ourcode")
    assert analyze_image(picture, scan=_scan, allowlist=ALLOW).findings == ()
    assert analyze_image(picture, scan=_scan, allowlist=None).findings != ()


def test_two_codes_one_clean_one_contact() -> None:
    picture = gen.encode(
        gen.paste(
            gen.paste(gen.photo(1200, 600, seed=4), gen.qr("https://example-community.jp/"), at=(0.25, 0.5), width_fraction=0.25),
            gen.qr("https://line.me/ti/p/Zx8abcdEF"), at=(0.75, 0.5), width_fraction=0.25,
        ),
        "JPEG",
    )
    report = analyze_image(picture, scan=_scan, allowlist=ALLOW, attachment_id="7")
    assert "line" in {f.kind for f in report.findings}
    # Every finding comes from the LINE code; the allow-listed one is clean.
    assert {item.code.text for item in report.code_findings} == {"https://line.me/ti/p/Zx8abcdEF"}
    assert [code.text for code in report.allowed_codes] == ["https://example-community.jp/"]


def test_a_gps_photo_is_a_location_finding_without_coordinates() -> None:
    photo = gen.encode(gen.photo(640, 480, seed=6), "JPEG", exif=gen.gps_exif(*gen.SYDNEY_OPERA_HOUSE))
    report = analyze_image(photo, scan=_scan, attachment_id="42")
    assert report.flagged and report.has_location
    assert report.contact_findings == ()
    (finding,) = report.findings
    assert finding.kind == "location" and finding.category == Category.LOCATION
    assert (finding.start, finding.end, finding.text, finding.attachment_id) == (0, 0, "", "42")
    assert "-33.8" not in repr(report) and "151.2" not in repr(report)


def test_a_photo_with_a_qr_code_and_gps_gives_both() -> None:
    photo = gen.encode(
        gen.paste(gen.photo(800, 600, seed=1), gen.qr("https://t.me/yuki_tokyo21"), width_fraction=0.35),
        "JPEG",
        exif=gen.gps_exif(*gen.TOKYO_TOWER),
    )
    report = analyze_image(photo, scan=_scan)
    kinds = {f.kind for f in report.findings}
    assert {"telegram", "location"} <= kinds
    assert kinds <= {"telegram", "url", "location"}  # the detector may also name the link a URL


@pytest.mark.parametrize(
    "data",
    [gen.encode(gen.photo(640, 480, seed=3), "JPEG", exif=gen.plain_exif()), b"GIF89a but not really", b""],
    ids=["ordinary_photo", "fake_gif", "empty"],
)
def test_ordinary_and_broken_files_are_not_flagged(data: bytes) -> None:
    report = analyze_image(data, scan=_scan, attachment_id="1")
    assert not report.flagged
    assert report.findings == ()
