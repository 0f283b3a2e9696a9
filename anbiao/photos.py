"""Photos as evidence: check by content, keep capture time and GPS, store under the content hash,
and serve only metadata-free copies (a display size and a thumbnail)."""

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import pillow_heif
from PIL import Image, UnidentifiedImageError

from . import storage
from .db import now, one

pillow_heif.register_heif_opener()

# MPO is how Pillow names a JPEG with a second picture appended, as many phone cameras save them.
ACCEPTED = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}
MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 64_000_000  # a 48 MP phone photo passes; a 20000×20000 bomb does not
DISPLAY = 1600
PHONE = 960  # a risk map's plan as a phone's screen needs it; made when first asked for
THUMB = 320
QUALITY = 82


class PhotoError(ValueError):
    """A photo refused, with the Chinese reason."""


@dataclass
class Prepared:
    """A checked photo, ready to store."""

    hash: str
    format: str
    width: int
    height: int
    original: bytes
    upright: Image.Image  # decoded, turned and flattened, at most DISPLAY on its longest side
    taken_at: str | None
    latitude: float | None
    longitude: float | None
    stored: bool = False  # its files are in the store already (sent as soon as the request was read)

    # The served copies are encoded when first asked for, so `store` can encode them while the original travels.
    @cached_property
    def display(self) -> bytes:
        return _jpeg(self.upright)

    @cached_property
    def phone(self) -> bytes:
        return _jpeg(_shrunk(self.upright, PHONE))

    @cached_property
    def thumb(self) -> bytes:
        return _jpeg(self.upright.reduce(-(-max(self.upright.size) // THUMB)))


def _rational(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _degrees(parts, ref) -> float | None:
    try:
        d, m, s = (_rational(p) for p in parts)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return -value if ref in ("S", "W") else value


def _evidence(exif: Image.Exif) -> tuple[str | None, float | None, float | None]:
    """Capture time and GPS from EXIF, or Nones when absent or garbled."""
    taken = None
    try:
        raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
        if raw:
            taken = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
    except (ValueError, TypeError, KeyError):
        taken = None
    lat = lon = None
    try:
        gps = exif.get_ifd(0x8825)
        if gps.get(2) and gps.get(4):
            lat, lon = _degrees(gps[2], gps.get(1)), _degrees(gps[4], gps.get(3))
            if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                lat = lon = None
    except (ValueError, TypeError, KeyError, AttributeError):
        lat = lon = None
    return taken, lat, lon


def _exif_from_app1(segment: bytes | None) -> Image.Exif | None:
    """EXIF sent beside a photo the phone shrank (the shrunk copy has none): the original's APP1 segment."""
    if not segment or len(segment) < 10 or len(segment) > 256 * 1024:
        return None
    body = segment[4:] if segment[:2] == b"\xff\xe1" else segment
    exif = Image.Exif()
    try:
        exif.load(body)
    except Exception:  # a garbled segment only loses the capture time, never the photo
        return None
    return exif


T = Image.Transpose
# EXIF orientation → the transpose that makes the picture upright (as ImageOps.exif_transpose does).
_TURNS = {2: T.FLIP_LEFT_RIGHT, 3: T.ROTATE_180, 4: T.FLIP_TOP_BOTTOM, 5: T.TRANSPOSE, 6: T.ROTATE_270,
          7: T.TRANSVERSE, 8: T.ROTATE_90}
_SIDEWAYS = {T.TRANSPOSE, T.ROTATE_270, T.TRANSVERSE, T.ROTATE_90}


def _shrunk(image: Image.Image, longest: int) -> Image.Image:
    """The image with its longest side at most `longest`, by area averaging (fast, and right for shrinking)."""
    scale = longest / max(image.size)
    if scale >= 1:
        return image
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                        Image.Resampling.BOX)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY)  # no exif= : nothing of the original's metadata leaks out
    return out.getvalue()


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.split()[-1])
        return flat
    return image.convert("RGB")


def prepare(data: bytes, app1: bytes | None = None) -> Prepared:
    """Check a photo by its content and decode it for its served copies; raises PhotoError in Chinese."""
    if not data:
        raise PhotoError("照片是空文件，请重新拍摄")
    if len(data) > MAX_BYTES:
        raise PhotoError(f"照片太大（超过 {MAX_BYTES // 1024 // 1024} MB），请重新拍摄或压缩后上传")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            kind = ACCEPTED.get(image.format)
            if kind is None:
                raise PhotoError("只接受 JPEG、PNG、WebP、HEIC 格式的照片")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PhotoError("照片像素过大，无法处理，请用手机相机正常拍摄")
            exif = image.getexif()
            if kind == "jpeg":
                # Decode at a reduced scale straight away (2× faster); keep the aspect ratio in the box.
                scale = DISPLAY / max(width, height)
                if scale < 1:
                    image.draft("RGB", (int(width * scale), int(height * scale)))
            image.load()
            image = _shrunk(image, DISPLAY)
            turn = _TURNS.get(exif.get(0x0112))
            if turn is not None:  # once, here; the served copies carry no orientation tag
                image = image.transpose(turn)
                if turn in _SIDEWAYS:
                    width, height = height, width
            flat = _rgb(image)
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise PhotoError("这不是可识别的照片文件（只接受 JPEG、PNG、WebP、HEIC）") from exc
        raise PhotoError("照片像素过大，无法处理，请用手机相机正常拍摄") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError) as exc:
        raise PhotoError("照片文件不完整或已损坏，请重新拍摄") from exc
    taken, lat, lon = _evidence(exif)
    if taken is None and lat is None:
        sent = _exif_from_app1(app1)
        if sent is not None:
            taken, lat, lon = _evidence(sent)
    return Prepared(
        hash=hashlib.sha256(data).hexdigest(), format=kind, width=width, height=height, original=data, upright=flat,
        taken_at=taken, latitude=lat, longitude=lon,
    )


def key(photo_hash: str, size: str) -> str:
    """Storage key of a photo's copy: original, display or thumb."""
    return f"{photo_hash[:2]}/{photo_hash}.{size}"


def store(prepared: list[Prepared]) -> None:
    """Put the photos' files in the store (side by side when it is a bucket); StorageError if it cannot take them.
    Content-addressed, so a resend is harmless, and a file whose record is never written is only unused."""
    waiting = [p for p in prepared if not p.stored]
    # The original is the evidence (never served) and is stored before anything counts; the served copies are made
    # from it (encoded here while the original travels), so they may follow, and are made again if one is ever
    # missing (`remade`).
    landed = storage.put_soon({key(p.hash, "original"): p.original for p in waiting})
    served = {key(p.hash, size): getattr(p, size) for p in waiting for size in ("display", "thumb")}
    landed()
    storage.put_later(served)
    for p in prepared:
        p.stored = True


def remade(photo_hash: str, size: str) -> bool:
    """Make a served copy from the stored original: one that went missing on its way to the store, or a phone copy
    asked for the first time; whether there is one now."""
    if size not in ("display", "phone", "thumb") or not storage.exists(key(photo_hash, "original")):
        return False
    try:
        again = prepare(storage.read(key(photo_hash, "original")))
    except PhotoError:
        return False
    storage.put_soon({key(photo_hash, size): getattr(again, size)})()
    return True


def save(db, prepared: Prepared, by) -> int:
    """The photo's row (its files stored first, if the request did not store them already); returns its id."""
    found = one(db, "SELECT id FROM photos WHERE hash = ?", (prepared.hash,))
    store([prepared])
    if found:
        return found["id"]
    cur = db.execute(
        "INSERT INTO photos (hash, format, width, height, bytes, taken_at, latitude, longitude, uploaded_by,"
        " uploaded_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (prepared.hash, prepared.format, prepared.width, prepared.height, len(prepared.original),
         prepared.taken_at, prepared.latitude, prepared.longitude, by, now()),
    )
    return cur.lastrowid


def from_request(files, name: str) -> list[Prepared]:
    """The photos uploaded under a field name, each checked, paired with the EXIF sent as `<name>_exif`."""
    uploads = [f for f in files.getlist(name) if f and f.filename]
    exifs = files.getlist(f"{name}_exif")
    out = []
    for index, upload in enumerate(uploads):
        app1 = exifs[index].read() if index < len(exifs) else None
        try:
            out.append(prepare(upload.read(), app1))
        except PhotoError as exc:
            raise PhotoError(f"第 {index + 1} 张照片：{exc}") from exc
    # Stored now, before the record's transaction: no other write waits on the upload to a bucket.
    store(out)
    return out


def held(db, files) -> tuple[int, int]:
    """Of the photos uploaded in this request (every field but the `_exif` ones): how many are stored, of how many."""
    hashes = []
    for name in files:
        if name.endswith("_exif"):
            continue
        for upload in files.getlist(name):
            if upload and upload.filename:
                upload.stream.seek(0)
                hashes.append(hashlib.sha256(upload.stream.read()).hexdigest())
    stored = sum(one(db, "SELECT 1 AS x FROM photos WHERE hash = ?", (h,)) is not None for h in hashes)
    return stored, len(hashes)
