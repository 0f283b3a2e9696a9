"""Moving a server's photos from the disk into the bucket: every file copied and verified, so the switch to object
storage loses none; a second run finds them all there and copies nothing."""

import hashlib

from . import storage


def move(disk_root, settings: dict, each=lambda key: None) -> dict:
    """Copy every photo file under `disk_root` into the bucket `settings` names, calling `each(key)` after each.

    An original is checked against the hash it is stored under before it goes (a damaged file is named, not copied);
    every upload counts only once the bucket holds the same bytes. The disk copies stay: the operator removes the
    folder once the server runs on the bucket. Returns the keys copied, those already there, and the damaged ones."""
    disk, bucket = storage.Disk(disk_root), storage.Bucket(settings)
    found = {"copied": [], "present": [], "damaged": []}
    for key in list(disk.keys()):
        data = disk.read(key)
        name = key.rsplit("/", 1)[-1]
        if name.endswith(".original") and hashlib.sha256(data).hexdigest() != name.removesuffix(".original"):
            found["damaged"].append(key)
        elif bucket.holds(key, data):
            found["present"].append(key)
        else:
            bucket.put(key, data)
            found["copied"].append(key)
        each(key)
    return found


def count(disk_root) -> int:
    """How many photo files the disk holds (for the progress bar)."""
    return sum(1 for _ in storage.Disk(disk_root).keys())
