"""Real servers on loopback for the notifier: an SMTP server (aiosmtpd) speaking STARTTLS or TLS
with login, an HTTP receiver (aiohttp) answering as a test scripts it; SQLite. The fixtures are
registered by the conftest files of the tests that use them (notifier, alerts)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workers.bus import Bus
from workers.contracts.alerting import AlertingConfig, SmtpSettings, WebhookTarget
from workers.notifier.worker import NotifierSettings, NotifierWorker

SECRET_ENV = "CAMCOUNT_TEST_HOOK_SECRET"
SECRET = "s3cret-for-tests"
SMTP_USER, SMTP_PASSWORD = "camcount", "mail-pass"
FAST = NotifierSettings(inline_wait_s=0.3, direct_wait_s=1.0)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}"


StartNotifier = Callable[..., Awaitable[NotifierWorker]]


@pytest.fixture
async def start_notifier(db_url: str) -> AsyncIterator[StartNotifier]:
    """Start notifier workers on a bus (stopped at the end of the test)."""
    started: list[NotifierWorker] = []

    async def start(bus: Bus, config: AlertingConfig,
                    settings: NotifierSettings = FAST) -> NotifierWorker:
        worker = NotifierWorker(config, db_url=db_url, settings=settings)
        await worker.start(bus)
        started.append(worker)
        return worker

    yield start
    for w in reversed(started):
        await w.stop()


# -- the webhook receiver ---------------------------------------------------------------------------
@dataclass
class Hit:
    at: float
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    #: statuses to answer, in order; then ``then`` for ever
    script: list[int] = field(default_factory=list)
    then: int = 200
    hits: list[Hit] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(Hit(time.monotonic(), dict(request.headers), await request.read()))
        self.changed.set()
        status = self.script.pop(0) if self.script else self.then
        return web.Response(status=status, text="ok" if status < 300 else "nope")

    async def wait_hits(self, n: int, timeout: float = 15.0) -> list[Hit]:
        deadline = time.monotonic() + timeout
        while len(self.hits) < n:
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(self.hits)} requests within {timeout} s, wanted {n}")
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                pass
        return self.hits


@asynccontextmanager
async def serve_receiver() -> AsyncIterator[Receiver]:
    """An HTTP receiver on a free loopback port, taking any method on any path."""
    rec = Receiver("")
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield rec
    finally:
        await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serve_receiver() as rec:
        yield rec


def hook_config(url: str, *, max_attempts: int = 3, **target: Any) -> AlertingConfig:
    return AlertingConfig(targets=[WebhookTarget(id="hook", url=url, secret=f"env:{SECRET_ENV}",
                                                 max_attempts=max_attempts, timeout_seconds=3,
                                                 **target)])


@pytest.fixture(autouse=True)
def hook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("CAMCOUNT_TEST_SMTP_PASSWORD", SMTP_PASSWORD)


# -- the SMTP server ----------------------------------------------------------------------------------
@dataclass
class Mailbox:
    messages: list[Envelope] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER
              and auth_data.password.decode() == SMTP_PASSWORD)
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1; the client trusts it as its CA file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    d = tmp_path_factory.mktemp("tls")
    cert_file, key_file = d / "cert.pem", d / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    mailbox: Mailbox
    settings: SmtpSettings


def _smtp(certificate: tuple[Path, Path], security: str) -> Iterator[SmtpServer]:
    cert_file, key_file = certificate
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_file, key_file)
    mailbox = Mailbox()
    port = _free_port()
    # aiosmtpd cannot tell that an implicit-TLS session is encrypted: AUTH must be allowed there
    tls = {"tls_context": ctx, "require_starttls": True, "auth_require_tls": True} \
        if security == "starttls" else {"ssl_context": ctx, "auth_require_tls": False}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port,
                            authenticator=mailbox.authenticate, **tls)
    controller.start()
    try:
        yield SmtpServer(mailbox, SmtpSettings(
            host="127.0.0.1", port=port, security=security, username=SMTP_USER,
            password="env:CAMCOUNT_TEST_SMTP_PASSWORD", sender="CamCount <camcount@example.org>",
            timeout_seconds=5, ca_file=str(cert_file)))
    finally:
        controller.stop()


@pytest.fixture
def smtp_starttls(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    yield from _smtp(certificate, "starttls")


@pytest.fixture
def smtp_tls(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    yield from _smtp(certificate, "tls")
