"""Email over SMTP (aiosmtplib): STARTTLS or TLS, login, text and HTML bodies, attachments."""

from __future__ import annotations

import asyncio
import mimetypes
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import aiosmtplib

from workers.contracts.alerting import EmailTarget, SmtpSettings
from workers.notifier.compose import Attachment, EmailContent
from workers.notifier.outcome import Outcome
from workers.notifier.templates import render


class AttachmentError(ValueError):
    """An attachment that cannot be sent as asked (missing, unreadable, too large)."""


def _read(att: Attachment, max_bytes: int) -> bytes:
    path = Path(att.path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise AttachmentError(f"attachment {att.filename!r} is {size / 1e6:.1f} MB, "
                                  f"more than the {max_bytes / 1e6:.0f} MB allowed")
        return path.read_bytes()
    except OSError as exc:
        raise AttachmentError(f"attachment {att.filename!r} cannot be read: {exc.strerror} "
                              f"({att.path})") from exc


async def build(content: EmailContent, target: EmailTarget, sender: str, message_id: str, *,
                max_attachment_bytes: int) -> EmailMessage:
    """The MIME message to the target's recipients: text and HTML alternatives from the
    template, then the attachments (read in a thread: reports can be large)."""
    text, html = render(content.template, content.data, content.language)
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(target.recipients)
    if target.cc:
        mail["Cc"] = ", ".join(target.cc)
    mail["Subject"] = content.subject
    mail["Date"] = formatdate(localtime=False)
    # the same id on every attempt lets mail clients fold a duplicate delivery
    mail["Message-ID"] = f"<{message_id}@camcount>"
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    for att in content.attachments:
        body = await asyncio.to_thread(_read, att, max_attachment_bytes)
        ctype = att.content_type
        if ctype == "application/octet-stream":
            ctype = mimetypes.guess_type(att.filename)[0] or ctype
        maintype, _, subtype = ctype.partition("/")
        mail.add_attachment(body, maintype=maintype, subtype=subtype or "octet-stream",
                            filename=att.filename)
    return mail


async def send(smtp: SmtpSettings, password: str | None, mail: EmailMessage) -> Outcome:
    try:
        refused, _ = await aiosmtplib.send(
            mail, hostname=smtp.host, port=smtp.port, username=smtp.username, password=password,
            use_tls=smtp.security == "tls", start_tls=smtp.security == "starttls",
            timeout=smtp.timeout_seconds, cert_bundle=smtp.ca_file)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        error = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        if any(400 <= c < 500 for c in codes):
            return Outcome.failed(f"recipients refused for now: {error}", codes[0])
        return Outcome.refused(f"recipients refused: {error}", codes[0])
    except aiosmtplib.SMTPResponseException as exc:
        error = f"SMTP {exc.code} {exc.message}"
        return Outcome.refused(error, exc.code) if exc.code >= 500 else Outcome.failed(error, exc.code)
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError,
            aiosmtplib.SMTPServerDisconnected, OSError, TimeoutError) as exc:
        return Outcome.failed(f"SMTP server {smtp.host}:{smtp.port} unreachable: "
                              f"{type(exc).__name__}: {exc}")
    except aiosmtplib.SMTPException as exc:  # e.g. no STARTTLS or AUTH offered: configuration
        return Outcome.refused(f"SMTP server {smtp.host}:{smtp.port}: {exc}")
    # aiosmtplib returns the server's text only: the message was accepted, so the code was 250
    if refused:  # some recipients took it: a retry would send the others a second copy
        return Outcome(True, 250, "some recipients refused: " + "; ".join(
            f"{rcpt}: {r.code} {r.message}" for rcpt, r in refused.items()))
    return Outcome(True, 250)
