"""Static files under names that carry a hash of their content (app.3f2a9c1e4b.css), cached by phones for a year."""

import hashlib
import mimetypes
from pathlib import Path, PurePosixPath

from flask import Flask, Response, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface

# A hashed name never changes content, so a phone keeps it a year and never asks again (no revalidation on 4G).
IMMUTABLE = "public, max-age=31536000, immutable"
# A plain name (/static/app.css) may change on the next deploy: whatever still links one gets it fresh soon.
PLAIN_MAX_AGE = 10 * 60


def hashed_name(name: str, content: bytes) -> str:
    """'vendor/htmx.min.js' with the first 10 hex digits of its content's SHA-256 before the extension."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(content).hexdigest()[:10]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


class Assets:
    """The static folder read once at start: each file's hashed name, and its bytes to serve under that name.

    `mounted` adds other folders under a prefix: {'offline': …/offline} serves offline/outbox.js the same way.
    """

    def __init__(self, folder: str | Path, mounted: dict[str, Path] | None = None):
        self.folder = Path(folder)
        self.names: dict[str, str] = {}  # 'app.css' -> 'app.3f2a9c1e4b.css'
        self.files: dict[str, tuple[bytes, str]] = {}  # 'app.3f2a9c1e4b.css' -> (content, mimetype)
        for prefix, root in [("", self.folder), *(mounted or {}).items()]:
            for path in sorted(Path(root).rglob("*")):
                if not path.is_file():
                    continue
                name = (PurePosixPath(prefix) / path.relative_to(root).as_posix()).as_posix().lstrip("/")
                content = path.read_bytes()
                hashed = hashed_name(name, content)
                self.names[name] = hashed
                self.files[hashed] = (content, mimetypes.guess_type(name)[0] or "application/octet-stream")

    def cacheable(self) -> list[str]:
        """The names of the files a phone keeps for working offline: styles, scripts, icons (not licences)."""
        return sorted(name for name in self.names if name.endswith((".css", ".js", ".png", ".ico", ".svg")))

    def url_name(self, name: str) -> str:
        """The name to link: the hashed one, or the name itself for a file that was not there at start."""
        return self.names.get(name, name)

    def serve(self, filename: str):
        """A hashed name from memory (the very bytes its hash names, even if the file changed since), cached a
        year; any other name from the folder with a short cache."""
        found = self.files.get(filename)
        if found is None:
            return send_from_directory(self.folder, filename, max_age=PLAIN_MAX_AGE)
        content, mimetype = found
        # A whole body, not a file stream: the compressor can then gzip it as well as brotli it.
        response = Response(content, mimetype=mimetype)
        response.headers["Cache-Control"] = IMMUTABLE
        return response


class StaticFilesKeepNoSession(SecureCookieSessionInterface):
    """The cookie session, never saved on a static file: a shared cached file carries no Set-Cookie and no
    Vary: Cookie (which would make a phone fetch it again whenever its session cookie changed)."""

    def save_session(self, app, session, response):
        if request.endpoint != "static":
            super().save_session(app, session, response)


def init_app(app: Flask, mounted: dict[str, Path] | None = None) -> Assets:
    """Serve the static folder (and `mounted` folders) through Assets and make every
    url_for('static', filename=...) the hashed URL; a release is a new Assets in app.extensions['assets']."""
    app.extensions["assets"] = Assets(app.static_folder, mounted)

    def hashed(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = app.extensions["assets"].url_name(values["filename"])

    app.url_defaults(hashed)
    app.view_functions["static"] = lambda filename: app.extensions["assets"].serve(filename)
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = StaticFilesKeepNoSession()
    return app.extensions["assets"]
