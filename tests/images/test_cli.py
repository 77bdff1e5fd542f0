"""`contact-guard image-check`: exit codes, masked output, never any coordinates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.images import imagegen as gen


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "qr.png": gen.encode(gen.paste(gen.photo(640, 480, seed=1), gen.qr("https://line.me/ti/p/Zx8abcdEF")), "PNG"),
        "gps.jpg": gen.encode(gen.photo(640, 480, seed=2), "JPEG", exif=gen.gps_exif(*gen.TOKYO_TOWER)),
        "clean.jpg": gen.encode(gen.photo(640, 480, seed=3), "JPEG", exif=gen.plain_exif()),
        "fake.png": b"this is not a picture",
    }
    paths = {}
    for name, data in made.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize(("name", "status"), [("qr.png", 1), ("gps.jpg", 1), ("clean.jpg", 0), ("fake.png", 0)])
def test_exit_status(files: dict[str, Path], name: str, status: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["image-check", str(files[name])]) == status
    out = capsys.readouterr().out
    assert out.startswith(str(files[name]))


def test_contact_is_masked_and_location_has_no_coordinates(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["image-check", "--json", str(files["qr.png"]), str(files["gps.jpg"])]) == 1
    qr_line, gps_line = capsys.readouterr().out.splitlines()
    qr, gps = json.loads(qr_line), json.loads(gps_line)
    assert "line" in {f["kind"] for f in qr["findings"]}
    assert all("Zx8abcdEF" not in f["matched"] for f in qr["findings"])
    assert gps["location"] == "exif"
    # (the timing fields are left out: "elapsed_ms": 35.6 is a duration, and made this flaky)
    shown = json.dumps({key: value for key, value in gps.items() if not key.endswith("_ms")})
    assert "35.6" not in shown and "139.7" not in shown


def test_allow_list_option(files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    poster = tmp_path / "poster.png"
    poster.write_bytes(gen.encode(gen.qr("https://example-community.jp/events"), "PNG"))
    assert main(["image-check", "--allow", "example-community.jp", str(poster)]) == 0
    assert "codes found: 1" in capsys.readouterr().out


def test_a_codes_text_is_judged_by_the_rules_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # As in the bot (bot.images.integration): the learned model judges chat messages, and a QR
    # payload is not one. The shipped model's contact head takes this text for a handle.
    text = "ここに追加してね → mochi.usagi_77"
    card = tmp_path / "card.png"
    card.write_bytes(gen.encode(gen.qr(text), "PNG"))
    assert main(["image-check", str(card)]) == 0
    assert "codes found: 1" in capsys.readouterr().out


def test_unreadable_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["image-check", str(tmp_path / "missing.png")]) == 2
    assert "cannot read" in capsys.readouterr().err

