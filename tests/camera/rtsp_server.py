"""A real RTSP camera on 127.0.0.1 that a test can kill or hang, and bring back on the same port.

GStreamer's RTSP server streams a moving test pattern as RTP/JPEG at rtsp://127.0.0.1:PORT/cam.
It runs as a subprocess of the system Python (``/usr/bin/python3``), which has the GObject
bindings the project's venv lacks; Debian packages: python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-base, gstreamer1.0-plugins-good.

    /usr/bin/python3 rtsp_server.py --check            exit 1 saying what is missing
    /usr/bin/python3 rtsp_server.py PORT FPS W H       print the bound port, serve until killed
"""

from __future__ import annotations

import signal
import subprocess
import sys
from functools import cache
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
#: videotestsrc, videoconvert, appsrc/appsink (RTP over TCP): plugins-base; the rest: plugins-good
ELEMENTS = ("videotestsrc", "videoconvert", "appsrc", "appsink", "jpegenc", "rtpjpegpay", "rtpbin",
            "udpsrc", "udpsink")


class RtspServer:
    def __init__(self, fps: int = 10, size: tuple[int, int] = (320, 240)):
        self.fps, self.size = fps, size
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam"

    @staticmethod
    @cache
    def unavailable() -> str | None:
        """Why the server cannot run here, or None."""
        if not Path(SYSTEM_PYTHON).is_file():
            return f"no {SYSTEM_PYTHON} to run GStreamer's RTSP server"
        check = subprocess.run([SYSTEM_PYTHON, __file__, "--check"], capture_output=True, text=True,
                               timeout=30)
        return (check.stderr.strip() or f"{__file__} --check failed") if check.returncode else None

    def start(self) -> None:
        """Listen (again on the same port after a kill); returns once it accepts connections."""
        width, height = self.size
        self._process = subprocess.Popen(
            [SYSTEM_PYTHON, __file__, str(self.port), str(self.fps), str(width), str(height)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline()  # the port, printed once it listens
        if not line.strip().isdigit():
            self.kill()
            raise RuntimeError(f"the RTSP server did not start (port {self.port})")
        self.port = int(line)

    def hang(self, hung: bool = True) -> None:
        """Hang like a wedged camera (connections stay open, nothing comes), or carry on."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP if hung else signal.SIGCONT)

    def kill(self) -> None:
        """Die like a crashed camera: every connection drops, new ones are refused."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


def _missing() -> str | None:
    try:
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstRtspServer", "1.0")
        from gi.repository import Gst, GstRtspServer  # noqa: F401
    except (ImportError, ValueError) as exc:
        return (f"no GStreamer RTSP server for {SYSTEM_PYTHON} ({exc}): "
                "apt-get install python3-gi gir1.2-gst-rtsp-server-1.0")
    Gst.init(None)
    if missing := [e for e in ELEMENTS if Gst.ElementFactory.find(e) is None]:
        return (f"GStreamer elements missing: {', '.join(missing)}: "
                "apt-get install gstreamer1.0-plugins-base gstreamer1.0-plugins-good")
    return None


def _serve(port: int, fps: int, width: int, height: int) -> None:
    from gi.repository import GLib, GstRtspServer

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    # A moving ball, so no two pictures are alike (the worker takes identical ones for a frozen
    # camera); I420, because RTP/JPEG (RFC 2435) carries only 4:2:0 and 4:2:2 JPEGs.
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width={width},"
        f"height={height},framerate={fps}/1 ! jpegenc ! rtpjpegpay name=pay0 pt=26 )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/cam", factory)
    if server.attach(None) == 0:
        sys.exit(f"rtsp_server: cannot listen on 127.0.0.1:{port}")
    print(server.get_bound_port(), flush=True)
    loop = GLib.MainLoop()
    # Our stdin closes when the test process ends, however it ends: never outlive it.
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, lambda *_: loop.quit())
    loop.run()


if __name__ == "__main__":
    if why := _missing():
        sys.exit(why)
    if sys.argv[1:] != ["--check"]:
        _serve(*(int(a) for a in sys.argv[1:5]))
