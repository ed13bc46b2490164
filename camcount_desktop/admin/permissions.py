"""Who may do what: admin actions are confined by the broker's own permissions (docs/admin.md).

An operator account may read results but not write to ``camera.events``, where every admin
action goes (``camera.control.{id}``: cameras, zones), nor to the default exchange, where requests
to ``rpc.notifier`` go (alert rules and notification targets), nor to ``system.events``, where
alerts and config changes are announced by the services. It may write acknowledgements only.
The console asks the broker once it is connected, by publishing a message nobody receives, and
disables admin actions when refused; a refusal later on (permissions changed while running) says
the same, at the action that failed.
RabbitMQ closes a channel that is refused; the bus's publishing channel reopens by itself, so
the connection and everything else the console does carries on.
"""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QCoreApplication, QObject, Signal

from camcount_desktop.console import Console
from workers.bus import BusError, NotAllowed, Unroutable
from workers.contracts import CameraControl

log = logging.getLogger(__name__)

#: four words: bindings to ``camera.control.*`` (three) do not match, so nobody receives the
#: probe, while a topic permission written for ``camera.control.`` keys still applies to it
PROBE_KEY = "camera.control.permission-probe.unrouted"


#: the console's private subscription queues: aio-pika names them ``amq_<uuid hex>``, RabbitMQ
#: ``amq.gen-…`` when the server names them
PRIVATE_QUEUES = r"amq(_|\.gen-).*"


def operator_permissions(namespace: str = "") -> tuple[str, str, str]:
    """``rabbitmqctl set_permissions`` regexes (configure, write, read) of an operator account:
    its own subscription queues; results, camera status and system events to read; to write,
    only alert acknowledgements (``alert.acknowledgements``) and questions to analytics
    (``rpc.queries``: charts, totals, zone sets; analytics takes nothing there that writes).
    Not ``camera.events`` (control messages), not the default exchange (requests that write,
    notifications), not ``system.events`` (alerts and config changes come only from the
    services)."""
    ns = re.escape(namespace)
    return (f"^{PRIVATE_QUEUES}$",
            f"^({PRIVATE_QUEUES}|{ns}(alert\\.acknowledgements|rpc\\.queries))$",
            f"^({PRIVATE_QUEUES}|{ns}(camera\\.events|system\\.events|analytics\\.jobs))$")


def faces_viewer_permissions(namespace: str = "") -> tuple[str, str, str]:
    """An operator with the "see faces" right (docs/privacy.md): also reads ``camera.faces``
    (pictures as taken, when the site blurs people) and writes ``privacy.audit`` (the log of
    each such view, which the console writes before it shows one)."""
    ns = re.escape(namespace)
    return (f"^{PRIVATE_QUEUES}$",
            f"^({PRIVATE_QUEUES}|{ns}(alert\\.acknowledgements|privacy\\.audit))$",
            f"^({PRIVATE_QUEUES}|{ns}(camera\\.events|camera\\.faces|system\\.events"
            f"|analytics\\.jobs))$")


def not_allowed_text(account: str) -> str:
    who = f" ({account})" if account else ""
    return QCoreApplication.translate(
        "AdminAccess", "Not allowed for this account{account}: it may not send control messages, "
        "so it cannot change cameras, zones, alert rules or notification targets. Ask an admin, "
        "or connect with an admin account.").format(account=who)


class AdminAccess(QObject):
    """Whether this console's broker account may send control messages, and sending them."""

    changed = Signal()

    def __init__(self, console: Console, parent: QObject | None = None):
        super().__init__(parent)
        self.console = console
        self.account = "" if console.local else unquote(urlsplit(console.url).username or "")
        #: None until the broker has been asked
        self.allowed: bool | None = True if console.local else None
        self.reason = ""
        self._probe: asyncio.Task[None] | None = None
        console.adapter.state_changed.connect(self._on_state)

    def _on_state(self, state: str) -> None:
        # asked again on every (re)connection: an admin may have changed the account's rights
        if state == "connected" and not self.console.local and (
                self._probe is None or self._probe.done()):
            self._probe = asyncio.get_running_loop().create_task(self.probe())

    async def probe(self) -> None:
        bus = self.console.bus
        try:
            await bus.publish(bus.topology.camera_events, PROBE_KEY, b"", mandatory=False,
                              persistent=False)
        except NotAllowed:
            self._set(False, not_allowed_text(self.account))
            return
        except BusError as exc:  # the broker went away: ask again when it is back
            log.info("permission probe not answered: %s", exc)
            return
        self._set(True, "")

    def refused(self) -> str:
        """A request was refused by the broker: admin actions are off from now; the reason."""
        self._set(False, not_allowed_text(self.account))
        return self.reason

    def _set(self, allowed: bool, reason: str) -> None:
        if (allowed, reason) != (self.allowed, self.reason):
            self.allowed, self.reason = allowed, reason
            self.changed.emit()

    async def send(self, control: CameraControl) -> str | None:
        """Publish a control message; None when the broker took it, else why not in words."""
        bus = self.console.bus
        control.metadata.source = self.console.source
        try:
            await bus.publish(bus.topology.camera_events, bus.topology.control_key(control.camera_id),
                              control)
        except NotAllowed:
            self._set(False, not_allowed_text(self.account))
            return self.reason
        except Unroutable:
            return self.tr("nobody is listening for control messages (no camera, detector or "
                           "analytics worker is connected); nothing was changed")
        except BusError as exc:
            return self.tr("not sent: {why}").format(why=exc)
        return None
