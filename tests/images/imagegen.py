"""Test images made on the fly: QR codes (segno), barcodes (zxing-cpp's writer), photo-like
backgrounds, distortions, and GPS metadata written with Pillow (EXIF) or as an XMP packet.

Nothing here is stored in the repository; every image is generated from a seed, so a failing
case can be regenerated exactly.
"""

from __future__ import annotations

import io
import random
from fractions import Fraction

import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter, ImageOps, PngImagePlugin
from PIL.ExifTags import GPS, IFD, Base

# Fixed, well-known public landmarks (not anybody's home): Tokyo Tower and the Sydney Opera House.
TOKYO_TOWER = (35.658581, 139.745433)
SYDNEY_OPERA_HOUSE = (-33.856784, 151.215297)


def qr(payload: str, *, scale: int = 8, border: int = 4, error: str = "m") -> Image.Image:
    """A black-on-white QR code of *payload* as an 'L' image."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error=error).save(buffer, kind="png", scale=scale, border=border)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def micro_qr(payload: str, *, scale: int = 8) -> Image.Image:
    """A Micro QR code (short payloads only) as an 'L' image."""
    buffer = io.BytesIO()
    segno.make_micro(payload).save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def barcode(payload: str, format_name: str = "Code128", *, scale: int = 3) -> Image.Image:
    """A barcode (Code128, EAN13, DataMatrix, Aztec, PDF417...) drawn by zxing-cpp's writer,
    as an 'L' image."""
    code = zxingcpp.create_barcode(payload, getattr(zxingcpp.BarcodeFormat, format_name))
    view = memoryview(zxingcpp.write_barcode_to_image(code, scale=scale))
    height, width = view.shape
    return Image.frombytes("L", (width, height), view.tobytes())


def photo(width: int, height: int, *, seed: int = 0) -> Image.Image:
    """A photo-like RGB picture: smooth colour gradients plus fine sensor-like noise and shapes.

    Real photos are neither flat nor pure noise; this keeps JPEG sizes and decoder work in the
    range of real camera pictures without shipping any.
    """
    rng = random.Random(seed)
    small = Image.new("RGB", (16, 12))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(16 * 12)])
    base = small.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(max(2, min(width, height) // 40), max(3, min(width, height) // 6))
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    noise = Image.effect_noise((width, height), 18).convert("RGB")
    return Image.blend(base, noise, 0.12)


def paste(background: Image.Image, code: Image.Image, *, at: tuple[float, float] = (0.5, 0.5),
          width_fraction: float | None = None, angle: float = 0.0) -> Image.Image:
    """*code* pasted on a copy of *background*, centred at the fractional position *at*,
    optionally scaled to a fraction of the background width and rotated by *angle* degrees."""
    out = background.convert("RGB").copy()
    item = code.convert("L")
    if width_fraction is not None:
        target = max(8, int(out.width * width_fraction))
        item = item.resize((target, max(1, int(item.height * target / item.width))), Image.Resampling.BILINEAR)
    mask = Image.new("L", item.size, 255)
    if angle:
        item = item.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
        mask = mask.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=0)
    x = int(out.width * at[0] - item.width / 2)
    y = int(out.height * at[1] - item.height / 2)
    out.paste(item.convert("RGB"), (x, y), mask)
    return out


def low_contrast(img: Image.Image, dark: int, light: int) -> Image.Image:
    """Map black to *dark* and white to *light* (a faded print, a photo of a screen)."""
    gray = img.convert("L")
    return gray.point(lambda value: dark + (light - dark) * value // 255)


def noisy(img: Image.Image, *, amount: float, seed: int = 0) -> Image.Image:
    """Salt-and-pepper noise on a fraction *amount* of the pixels."""
    rng = random.Random(seed)
    out = img.convert("L").copy()
    pixels = out.load()
    assert pixels is not None
    for _ in range(int(out.width * out.height * amount)):
        pixels[rng.randrange(out.width), rng.randrange(out.height)] = rng.choice((0, 255))
    return out


def blurred(img: Image.Image, radius: float) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(radius))


def inverted(img: Image.Image) -> Image.Image:
    return ImageOps.invert(img.convert("L"))


def _rational(value: float, denominator: int) -> Fraction:
    return Fraction(round(value * denominator), denominator)


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = (minutes_full - minutes) * 60
    return Fraction(degrees), Fraction(minutes), _rational(seconds, 10_000)


def gps_exif(latitude: float, longitude: float, *, camera: str = "TestCam") -> Image.Exif:
    """EXIF with a camera model and a GPS IFD for the given position, as phones write it."""
    exif = Image.Exif()
    exif[Base.Make] = camera
    exif[Base.Model] = f"{camera} 1"
    exif[IFD.GPSInfo] = {
        GPS.GPSVersionID: b"\x02\x03\x00\x00",
        GPS.GPSLatitudeRef: "N" if latitude >= 0 else "S",
        GPS.GPSLatitude: _dms(latitude),
        GPS.GPSLongitudeRef: "E" if longitude >= 0 else "W",
        GPS.GPSLongitude: _dms(longitude),
        GPS.GPSAltitudeRef: b"\x00",
        GPS.GPSAltitude: Fraction(333, 10),
    }
    return exif


def plain_exif(*, camera: str = "TestCam") -> Image.Exif:
    """EXIF with camera data but no GPS IFD (location turned off)."""
    exif = Image.Exif()
    exif[Base.Make] = camera
    exif[Base.Model] = f"{camera} 1"
    exif[Base.DateTime] = "2026:11:29 12:00:00"
    return exif


def raw_gps_exif(gps_ifd: dict[int, object]) -> Image.Exif:
    """EXIF with an arbitrary GPS IFD (for zero and broken positions)."""
    exif = Image.Exif()
    exif[Base.Make] = "TestCam"
    exif[IFD.GPSInfo] = gps_ifd
    return exif


def xmp_packet(latitude: float, longitude: float, *, as_elements: bool = False) -> bytes:
    """An XMP packet with exif:GPSLatitude/GPSLongitude in the "DDD,MM.mmmmK" form of the spec."""

    def xmp_coordinate(value: float, positive: str, negative: str) -> str:
        degrees = int(abs(value))
        minutes = (abs(value) - degrees) * 60
        return f"{degrees},{minutes:.6f}{positive if value >= 0 else negative}"

    lat = xmp_coordinate(latitude, "N", "S")
    lon = xmp_coordinate(longitude, "E", "W")
    if as_elements:
        body = (
            '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/">'
            f"<exif:GPSLatitude>{lat}</exif:GPSLatitude><exif:GPSLongitude>{lon}</exif:GPSLongitude>"
            "</rdf:Description>"
        )
    else:
        body = (
            '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
            f'exif:GPSLatitude="{lat}" exif:GPSLongitude="{lon}"/>'
        )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{body}</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    ).encode()


def encode(img: Image.Image, fmt: str, *, exif: Image.Exif | None = None, xmp: bytes | None = None,
           quality: int = 90) -> bytes:
    """*img* saved as *fmt* (JPEG, PNG, WEBP, TIFF, HEIF, GIF, BMP) with optional metadata."""
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    if exif is not None:
        if fmt == "TIFF":
            # Pillow's TIFF writer reads sub-IFDs back from a parsed Exif: round-trip it.
            parsed = Image.Exif()
            parsed.load(exif.tobytes())
            exif = parsed
        options["exif"] = exif
    if xmp is not None:
        if fmt == "PNG":
            # The XMP spec's place in PNG: a compressed iTXt chunk with this keyword.
            info = PngImagePlugin.PngInfo()
            info.add_itxt("XML:com.adobe.xmp", xmp.decode(), zip=True)
            options["pnginfo"] = info
        elif fmt == "TIFF":
            options["tiffinfo"] = {700: xmp}
        else:
            options["xmp"] = xmp
    if fmt in {"JPEG", "WEBP", "HEIF"}:
        options["quality"] = quality
    target = img.convert("RGB") if fmt in {"JPEG", "HEIF"} and img.mode not in {"RGB", "L"} else img
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    target.save(buffer, fmt, **options)
    return buffer.getvalue()


def decompression_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A small PNG whose header claims *width* x *height* pixels of one colour.

    Built by hand (IHDR + one IDAT of zlib-compressed zero rows) so the test never allocates
    the pixels it claims; the compressed data is tiny because every row is identical.
    """
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    data = b"".join(compressor.compress(row) for _ in range(min(height, 2_000))) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
