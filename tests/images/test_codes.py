"""QR codes and barcodes in generated images: what must be found, and what must not."""

from __future__ import annotations

import pytest
from PIL import Image

from bot.images import DEFAULT_LIMITS, ImageLimits, decode_codes
from tests.images import imagegen as gen

LINE = "https://line.me/ti/p/Zx8abcdEF"
INSTAGRAM = "https://www.instagram.com/yuki.tokyo_21/"
TELEGRAM = "https://t.me/yuki_tokyo21"


def _payloads(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> set[str]:
    return {code.text for code in decode_codes(data, limits)}


def _photo() -> Image.Image:
    return gen.photo(1280, 720, seed=7)


# Each case: (name, image builder, format, expected payloads). Built lazily so a failure in one
# generator shows up as that case failing, not as a collection error.
FOUND = [
    ("line_plain_png", lambda: gen.qr(LINE), "PNG", {LINE}),
    ("instagram_in_photo_jpeg", lambda: gen.paste(_photo(), gen.qr(INSTAGRAM), width_fraction=0.25), "JPEG", {INSTAGRAM}),
    ("telegram_in_photo_webp", lambda: gen.paste(_photo(), gen.qr(TELEGRAM), width_fraction=0.25), "WEBP", {TELEGRAM}),
    ("rotated_30", lambda: gen.paste(_photo(), gen.qr(LINE), width_fraction=0.25, angle=30), "PNG", {LINE}),
    ("rotated_90", lambda: gen.paste(_photo(), gen.qr(LINE), width_fraction=0.25, angle=90), "PNG", {LINE}),
    ("rotated_135", lambda: gen.paste(_photo(), gen.qr(LINE), width_fraction=0.25, angle=135), "JPEG", {LINE}),
    ("small_in_photo", lambda: gen.paste(_photo(), gen.qr(LINE, scale=2)), "PNG", {LINE}),
    ("tiny_thumbnail", lambda: gen.qr(LINE, scale=8).resize((72, 72), Image.Resampling.BILINEAR), "PNG", {LINE}),
    ("scaled_up_blurry", lambda: gen.blurred(gen.qr(LINE, scale=2).resize((900, 900), Image.Resampling.BICUBIC), 2), "JPEG", {LINE}),
    ("low_contrast_flat", lambda: gen.low_contrast(gen.qr(LINE), 120, 140), "PNG", {LINE}),
    ("low_contrast_in_photo", lambda: gen.low_contrast(gen.paste(_photo(), gen.qr(LINE), width_fraction=0.25), 100, 130), "JPEG", {LINE}),
    ("salt_and_pepper_noise", lambda: gen.noisy(gen.qr(LINE, scale=4), amount=0.12, seed=3), "PNG", {LINE}),
    ("noisy_code_in_full_hd_photo", lambda: gen.paste(gen.photo(1920, 1080, seed=2), gen.noisy(gen.qr(LINE, scale=4), amount=0.12, seed=3)), "PNG", {LINE}),
    ("inverted", lambda: gen.inverted(gen.paste(_photo(), gen.qr(LINE), width_fraction=0.25)), "PNG", {LINE}),
    ("two_codes", lambda: gen.paste(gen.paste(_photo(), gen.qr(LINE), at=(0.25, 0.5), width_fraction=0.22),
                                    gen.qr(TELEGRAM), at=(0.75, 0.5), width_fraction=0.22), "PNG", {LINE, TELEGRAM}),
    ("sharp_and_faint", lambda: gen.paste(gen.paste(Image.new("L", (1000, 500), 128), gen.qr(INSTAGRAM), at=(0.25, 0.5), width_fraction=0.35),
                                          gen.low_contrast(gen.qr(LINE), 118, 138), at=(0.75, 0.5), width_fraction=0.35), "PNG", {INSTAGRAM, LINE}),
    ("micro_qr", lambda: gen.paste(_photo(), gen.micro_qr("t.me/yuki"), width_fraction=0.15), "PNG", {"t.me/yuki"}),
    ("datamatrix", lambda: gen.paste(_photo(), gen.barcode(LINE, "DataMatrix", scale=6), width_fraction=0.25), "PNG", {LINE}),
    ("aztec", lambda: gen.paste(_photo(), gen.barcode(TELEGRAM, "Aztec", scale=6), width_fraction=0.25), "JPEG", {TELEGRAM}),
    ("pdf417", lambda: gen.paste(_photo(), gen.barcode("LINE yuki_0321", "PDF417", scale=3), width_fraction=0.6), "PNG", {"LINE yuki_0321"}),
    ("code128_barcode", lambda: gen.paste(_photo(), gen.barcode("LINE:yuki_0321"), width_fraction=0.4), "PNG", {"LINE:yuki_0321"}),
    ("vcard_qr", lambda: gen.qr("BEGIN:VCARD\nVERSION:3.0\nFN:Yuki\nTEL:+81-90-1234-5678\nEND:VCARD"), "PNG",
     {"BEGIN:VCARD\nVERSION:3.0\nFN:Yuki\nTEL:+81-90-1234-5678\nEND:VCARD"}),
    ("japanese_text_qr", lambda: gen.qr("ラインID: yuki_0321 追加してね"), "PNG", {"ラインID: yuki_0321 追加してね"}),
    ("gif_palette", lambda: gen.qr(TELEGRAM).convert("P"), "GIF", {TELEGRAM}),
    ("bmp", lambda: gen.qr(TELEGRAM), "BMP", {TELEGRAM}),
    ("tiff", lambda: gen.paste(_photo(), gen.qr(TELEGRAM), width_fraction=0.25), "TIFF", {TELEGRAM}),
    ("heic", lambda: gen.paste(_photo(), gen.qr(LINE), width_fraction=0.25), "HEIF", {LINE}),
    ("avif", lambda: gen.paste(_photo(), gen.qr(INSTAGRAM), width_fraction=0.25), "AVIF", {INSTAGRAM}),
]


@pytest.mark.parametrize(("name", "build", "fmt", "expected"), FOUND, ids=[case[0] for case in FOUND])
def test_codes_are_found(name: str, build, fmt: str, expected: set[str]) -> None:
    assert _payloads(gen.encode(build(), fmt)) == expected


def test_transparent_white_code_is_read_on_a_dark_background() -> None:
    # White modules on a transparent canvas: invisible on white, visible in Discord's dark theme.
    code = gen.inverted(gen.qr(LINE))  # white modules, black background
    rgba = Image.new("RGBA", code.size, (255, 255, 255, 0))
    rgba.putalpha(code)  # opaque exactly where the modules are
    assert _payloads(gen.encode(rgba, "PNG")) == {LINE}


def test_animated_gif_code_in_a_later_frame() -> None:
    frames = [gen.photo(320, 320, seed=s).convert("P") for s in range(6)]
    frames[4] = gen.qr(LINE, scale=6).resize((320, 320)).convert("P")
    import io

    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert _payloads(buffer.getvalue()) == {LINE}


NOT_FOUND = [
    ("plain_photo_jpeg", lambda: _photo(), "JPEG"),
    ("flat_gray", lambda: Image.new("L", (640, 480), 128), "PNG"),
    ("text_like_stripes", lambda: gen.paste(Image.new("L", (800, 400), 255), Image.new("L", (600, 20), 0)), "PNG"),
    # A retail barcode (EAN-13 / JAN) is not searched: every product in a photo carries one.
    ("ean13_product_code", lambda: gen.paste(_photo(), gen.barcode("4901234567894", "EAN13"), width_fraction=0.35), "PNG"),
]


@pytest.mark.parametrize(("name", "build", "fmt"), NOT_FOUND, ids=[case[0] for case in NOT_FOUND])
def test_nothing_is_found_where_there_is_no_searched_code(name: str, build, fmt: str) -> None:
    assert _payloads(gen.encode(build(), fmt)) == set()


def test_payload_is_cut_to_the_configured_length() -> None:
    data = gen.encode(gen.qr("x" * 500, error="l"), "PNG")
    (code,) = decode_codes(data, ImageLimits(max_payload_chars=100))
    assert code.text == "x" * 100
    assert code.format == "QRCode"


def test_the_number_of_codes_is_capped() -> None:
    canvas = Image.new("L", (1200, 300), 255)
    for index in range(4):
        canvas = gen.paste(canvas, gen.qr(f"https://t.me/member{index}"), at=(0.125 + index * 0.25, 0.5), width_fraction=0.2).convert("L")
    data = gen.encode(canvas, "PNG")
    assert len(decode_codes(data, DEFAULT_LIMITS)) == 4
    assert len(decode_codes(data, ImageLimits(max_codes=2))) == 2
