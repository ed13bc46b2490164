"""The log of who looked at a camera's pictures with people showing (the "see faces" right).

A console publishes ``FacesViewed`` on ``privacy.audit`` before it follows a camera's pictures as
taken, and again when it stops; the analytics worker stores each by the broker account that sent
it (the broker-validated ``user_id``), never by a name in the message.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from workers.contracts.base import Contract


class FacesViewed(Contract):
    type_name: ClassVar[str] = "faces_viewed"

    camera_id: str = Field(min_length=1, max_length=200)
    action: Literal["start", "stop"]
    #: the console's host, for the log (who is the sending account)
    console: str = Field(default="", max_length=200)
