"""`coursepack preview`: build a course in memory, serve it on 127.0.0.1, rebuild on every
change and reload the page. Broken edits never stop the server: the last good build stays
up and the problems show in the terminal and over the page."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markupsafe import escape
from msgspec import Struct, field

from .diagnostics import Report, format_text
from .ondisk import OnDisk

PREVIEW_DIR = Path(__file__).resolve().parent / "runtime" / "preview"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json",
         ".vtt": "text/vtt; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
         ".svg": "image/svg+xml", ".webp": "image/webp", ".webm": "video/webm",
         ".mp4": "video/mp4", ".ogv": "video/ogg"}
INJECT = ('<link rel="stylesheet" href="__preview/preview.css">\n'
          '<script src="__preview/preview.js?v={version}"></script>\n</body>')


class Build(Struct):
    """What the server shows: the last good files, and the latest problems."""
    files: dict[str, bytes | OnDisk] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    ok: bool = False
    version: int = 0


class Previewer:
    def __init__(self, folder: Path, echo=print, color: bool = False):
        self.folder = folder
        self.echo = echo
        self.color = color
        self.state = Build()
        self.changed = threading.Condition()
        self.kept: dict = {}     # what each lesson became, and the citations, between rebuilds

    def rebuild(self) -> Build:
        from . import cache, units
        from .pipeline import check, package
        started = time.perf_counter()
        report = Report()
        cache.use(None, memory=self.kept)
        with units.kept(self.folder):
            checked = check(self.folder, report)
            files = package(checked, "web", report) if checked.ok else None
            if files is not None:
                units.packaged()
        problems = [d.as_dict() for d in report.sorted()]
        with self.changed:
            state = self.state
            if files is not None and not report.errors:
                self.state = Build(files, problems, True, state.version + 1)
            else:
                self.state = Build(state.files, problems, False, state.version + 1)
            self.changed.notify_all()
        took = time.perf_counter() - started
        if report.items:
            self.echo(format_text(report, 1, color=self.color))
        self.echo(f"{'rebuilt' if self.state.ok else 'not rebuilt'} in {took:.2f} s")
        return self.state

    def payload(self) -> bytes:
        state = self.state
        return json.dumps({"version": state.version, "ok": state.ok,
                           "problems": state.problems}, sort_keys=True).encode()

    def page(self, path: str) -> tuple[bytes, str] | None:
        state = self.state
        if path in ("", "/"):
            path = "/index.html"
        name = unquote(path.lstrip("/"))
        if name.startswith("__preview/"):
            asset = PREVIEW_DIR / name.split("/", 1)[1]
            if asset.parent == PREVIEW_DIR and asset.is_file():
                return asset.read_bytes(), TYPES.get(asset.suffix, "application/octet-stream")
            return None
        if name == "index.html" and "index.html" not in state.files:
            return self.placeholder(), TYPES[".html"]
        body = state.files.get(name)
        if body is None or isinstance(body, OnDisk) and not body.path.is_file():
            return None                   # (a course file gone since the last good build)
        if name.endswith(".html"):
            if isinstance(body, OnDisk):
                body = body.read()
            body = body.replace(b"</body>", self.inject(state.version), 1)
        return body, TYPES.get(Path(name).suffix.lower(), "application/octet-stream")

    def placeholder(self) -> bytes:
        """Shown until the course first builds: the problems in the way, and the overlay."""
        lines = "".join(f"<li>{escape(p['file'])}:{p['line']}:{p['column']}: "
                        f"{escape(p['message'])}</li>" for p in self.state.problems)
        return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>Preview: not built yet</title></head><body><main><h1>The course "
                f"does not build yet</h1><ul>{lines}</ul></main></body></html>").encode() \
            .replace(b"</body>", self.inject(-1), 1)

    def inject(self, version: int) -> bytes:
        return INJECT.format(version=version).encode()

    def wait(self, seen: int, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.state.version != seen, timeout=timeout)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte of a single `Range: bytes=a-b` request, or None to send all.
    Browsers only let a learner seek in a video whose server answers these."""
    if not header or not header.startswith("bytes=") or "," in header or size == 0:
        return None
    first, _, last = header[6:].strip().partition("-")
    try:
        if first:
            start, end = int(first), int(last) if last else size - 1
        else:
            start, end = max(0, size - int(last)), size - 1
    except ValueError:
        return None
    if start > end or start >= size:
        return None
    return start, min(end, size - 1)


def past_the_end(header: str | None, size: int) -> bool:
    """Whether a `Range: bytes=a-...` request starts at or past the end (416, not 200)."""
    first = header[6:].strip().partition("-")[0] if header and header.startswith("bytes=") \
        else ""
    return first.isdigit() and int(first) >= size


LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", ""})


def make_handler(previewer: Previewer):
    class Handler(BaseHTTPRequestHandler):
        head = False        # a HEAD request: the same answer, without its body

        def do_HEAD(self):  # noqa: N802 (the http.server name)
            self.head = True
            self.do_GET()

        def do_GET(self):  # noqa: N802 (the http.server name)
            # Only pages asked for by this machine's name: a web page elsewhere could
            # otherwise reach the preview through a name of its own that resolves here.
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
            if host not in LOCAL_NAMES:
                return self.send(b"forbidden", "text/plain", 403)
            path = urlsplit(self.path).path
            if path == "/__preview/state":
                return self.send(previewer.payload(), "application/json")
            if path == "/__preview/events":
                return self.events()
            found = previewer.page(path)
            if found is None:
                return self.send(b"not found", "text/plain", 404)
            self.send(*found)

        def events(self):
            """Server-sent events: one message per build, so the page reloads or shows the
            problems as soon as a build ends."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -1
            try:
                while not self.server.stopping.is_set():
                    if previewer.state.version != seen:
                        seen = previewer.state.version
                        self.wfile.write(b"event: build\ndata: " + previewer.payload() + b"\n\n")
                        self.wfile.flush()
                    previewer.wait(seen, timeout=1.0)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def send(self, body: bytes | OnDisk, kind: str, status: int = 200):
            """Send body, or the part of it a Range header asks for; a large course file
            (a video) is read from disk as it is sent."""
            start, end = 0, len(body) - 1
            asked = self.headers.get("Range") if status == 200 else None
            wanted = byte_range(asked, len(body))
            if wanted is not None:   # a video being sought sends Range requests
                start, end = wanted
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
            elif past_the_end(asked, len(body)):
                start, end = 0, -1
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
            else:
                self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(end + 1 - start))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.head or end < start:
                return
            try:
                if isinstance(body, OnDisk):
                    for piece in body.chunks(start, end + 1):
                        self.wfile.write(piece)
                else:
                    self.wfile.write(body[start:end + 1])
            except (BrokenPipeError, ConnectionResetError, FileNotFoundError):
                pass          # the browser stopped reading (a video sought), or the file went

        def log_message(self, format, *args):  # noqa: A002 (keep the terminal for problems)
            pass

    return Handler


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.stopping = threading.Event()


def watch(previewer: Previewer, stop: threading.Event) -> None:
    """Rebuild after every change to the course's files (debounced by watchfiles)."""
    from watchfiles import watch as watch_files
    for _ in watch_files(previewer.folder, stop_event=stop, debounce=150, step=50,
                         raise_interrupt=False):
        try:
            previewer.rebuild()
        except Exception as exc:  # noqa: BLE001 - the preview outlives any one rebuild
            previewer.echo(f"not rebuilt: {type(exc).__name__}: {exc}")


def start(folder: Path, port: int, echo=print, color=False):
    """Build, listen and watch; returns (server, url, stop event). serve_forever is the
    caller's."""
    previewer = Previewer(folder, echo, color)
    previewer.rebuild()
    server = PreviewServer(("127.0.0.1", port), make_handler(previewer))
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    stop = threading.Event()
    threading.Thread(target=watch, args=(previewer, stop), daemon=True).start()
    return server, url, stop


def serve(folder: Path, port: int, open_browser: bool, echo=print, color=False) -> None:
    server, url, stop = start(folder, port, echo, color)
    echo(f"previewing {folder} at {url} (Ctrl+C to stop)")
    if open_browser:
        import webbrowser
        webbrowser.open(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.stopping.set()
        server.server_close()
