"""Secrets by reference: ``env:NAME`` or ``keyring:service/username``. Values never appear in
messages, config documents or logs; only the reference is ever shown."""

from __future__ import annotations

import asyncio
import os


class SecretMissing(LookupError):
    """The reference points at nothing (an unset variable, no keyring entry)."""


def _lookup(ref: str) -> str:
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(name)
    elif scheme == "keyring":
        import keyring  # only where keyring references are used: it may probe a desktop service

        service, _, user = name.partition("/")
        value = keyring.get_password(service, user)
    else:
        raise SecretMissing(f"unknown secret reference {ref!r} (use env:NAME or keyring:service/name)")
    if not value:
        raise SecretMissing(f"secret {ref} is not set")
    return value


async def resolve(ref: str) -> str:
    """The secret's value; keyring backends may block (D-Bus), so this runs in a thread."""
    return await asyncio.to_thread(_lookup, ref)
