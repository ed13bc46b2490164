"""Downloading a model file: streamed into a temporary file beside the target, held to the
server's Content-Length and the expected SHA-256, checked to load as a model, then renamed into
place. A download that is cancelled, cut short or refused leaves nothing behind, and an earlier
file of the same name is untouched until a good one replaces it.

Network errors come back as ``DownloadError`` in plain words ("cannot reach github.com: …"), with
the same as a phrase for a reader in another language."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import aiohttp

from workers.contracts.phrases import Phrase, say
from workers.models.catalogue import megabytes

log = logging.getLogger(__name__)

#: (bytes so far, bytes in all or None when the server does not say)
Progress = Callable[[int, int | None], None]
#: blocking: raises with the reason when the file is not a usable model, else says what it is
Check = Callable[[Path], str]

CHUNK = 1 << 18
CONNECT_TIMEOUT_S = 20.0
#: a server that sends nothing for this long has stalled
READ_TIMEOUT_S = 60.0


class DownloadError(Exception):
    """Why a download failed or was refused, for a person to read (``phrase``: in any language)."""

    def __init__(self, phrase: Phrase):
        super().__init__(phrase.english())
        self.phrase = phrase


async def download(url: str, dest: Path, *, sha256: str | None = None,
                   progress: Progress | None = None, check: Check | None = None) -> str:
    """Fetch ``url`` to ``dest``; returns what ``check`` said of the file ("" without one).
    Cancel the task to cancel the download."""
    host = urlsplit(url).netloc or url
    dest.parent.mkdir(parents=True, exist_ok=True)
    # same folder, so the rename is atomic; same suffix, so the check reads it as what it is
    tmp = dest.with_name(f".download-{secrets.token_hex(4)}-{dest.name}")
    try:
        digest = await _fetch(url, host, tmp, progress)
        if sha256 and digest != sha256.lower():
            raise DownloadError(say("download_not_expected", file=dest.name, host=host,
                                    got=digest[:16], expected=sha256.lower()[:16]))
        said = ""
        if check is not None:
            try:
                said = await asyncio.to_thread(check, tmp)
            except Exception as exc:
                raise DownloadError(say("download_not_a_model", file=dest.name, host=host,
                                        error=str(exc))) from exc
        os.replace(tmp, dest)
        log.info("downloaded %s to %s%s", url, dest, f" ({said})" if said else "")
        return said
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


async def _fetch(url: str, host: str, tmp: Path, progress: Progress | None) -> str:
    """Stream the body into ``tmp``; its SHA-256."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT_S,
                                    sock_read=READ_TIMEOUT_S)
    got, total = 0, None
    digest = hashlib.sha256()
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                session.get(url) as response:
            if response.status != 200:
                raise DownloadError(say("download_http_status", host=host, url=url,
                                        status=f"{response.status} {response.reason}"))
            total = response.content_length
            if progress:
                progress(0, total)
            with tmp.open("wb") as f:
                async for chunk in response.content.iter_chunked(CHUNK):
                    await asyncio.to_thread(_write, f, digest, chunk)  # the disk may be slow
                    got += len(chunk)
                    if progress:
                        progress(got, total)
    except aiohttp.ClientConnectorError as exc:
        why = exc.os_error.strerror if exc.os_error and exc.os_error.strerror else str(exc)
        raise DownloadError(say("download_unreachable", host=host, error=str(why))) from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
        log.debug("download of %s cut short: %r", url, exc)
        raise DownloadError(_cut_short(host, got, total)) from exc
    except TimeoutError as exc:
        raise DownloadError(say("download_stalled", host=host, seconds=READ_TIMEOUT_S,
                                size=megabytes(got))) from exc
    except aiohttp.ClientError as exc:
        raise DownloadError(say("download_failed", url=url, error=str(exc))) from exc
    if total is not None and got != total:
        raise DownloadError(_cut_short(host, got, total))
    return digest.hexdigest()


def _write(f: BinaryIO, digest: hashlib._Hash, chunk: bytes) -> None:
    f.write(chunk)
    digest.update(chunk)


def _cut_short(host: str, got: int, total: int | None) -> Phrase:
    if total:
        return say("download_cut_short", host=host, got=f"{got:,}", total=f"{total:,}")
    return say("download_cut_short_unsized", host=host, got=f"{got:,}")
