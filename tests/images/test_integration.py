"""The content scanner's choice of attachments (the rest of it runs end to end in
tests/discord/test_images_e2e.py, against the fake Discord)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("filename", "content_type", "scanned"),
    [
        ("photo.jpg", "image/jpeg", True),
        ("IMG_0001.HEIC", "image/heic", True),
        ("no_type.png", None, True),  # no content type: the extension decides
        ("renamed.txt", "image/png", True),  # Discord sniffed an image: trust the type
        ("drawing.svg", "image/svg+xml", False),
        ("clip.mp4", "video/mp4", False),
        ("notes.txt", "text/plain", False),
        ("archive.zip", None, False),
    ],
)
def test_which_attachments_are_scanned(filename: str, content_type: str | None, scanned: bool) -> None:
    from bot.images.integration import looks_like_image

    assert looks_like_image(filename, content_type) is scanned
