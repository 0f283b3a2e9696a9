"""Photo ingest of a 12 MP JPEG against a plain Pillow open+thumbnail in the same run.

Prints the timings, then `photo ingest: ratio <ours/plain> (target ≤ 0.5)`.
"""

import io
import statistics
import time

from PIL import Image, ImageDraw, ImageFilter

from anbiao import photos

ROUNDS = 15


def twelve_megapixels() -> bytes:
    """A 4000×3000 JPEG with detail, EXIF and a rotation tag, like a phone's."""
    image = Image.effect_noise((4000, 3000), 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(0, 4000, 160):
        draw.line((i, 0, 4000 - i, 3000), fill=(200, 80 + i % 150, 40), width=9)
    image = image.filter(ImageFilter.SMOOTH)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 09:15:00"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def plain(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.thumbnail((1600, 1600))


def ours(data: bytes) -> int:
    prepared = photos.prepare(data)
    return len(prepared.display) + len(prepared.thumb)  # encoded when first asked for, as storing them does


def main() -> None:
    data = twelve_megapixels()
    plain(data), ours(data)  # warm up
    # Alternate the two every round, so a busy moment of the machine falls on both alike.
    times: dict = {plain: [], ours: []}
    for _ in range(ROUNDS):
        for fn in (plain, ours):
            start = time.perf_counter()
            fn(data)
            times[fn].append(time.perf_counter() - start)
    fn_plain, fn_ours = statistics.median(times[plain]), statistics.median(times[ours])
    print(f"input: 4000x3000 JPEG, {len(data) / 1e6:.1f} MB; median of {ROUNDS} alternating rounds")
    print(f"plain Pillow open+thumbnail(1600): {fn_plain * 1000:.0f} ms")
    print(f"anbiao ingest (check, EXIF, upright, display + 320 px JPEG copies, hash): {fn_ours * 1000:.0f} ms")
    print(f"photo ingest: ratio {fn_ours / fn_plain:.2f} (target ≤ 0.5)")


if __name__ == "__main__":
    main()
