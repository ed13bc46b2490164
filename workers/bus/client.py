"""What a typed service client (``rpc.*``) shares: one timeout policy and one error type whose
message is a sentence for people.

A client says what its service can be asked, builds the requests itself and waits
``ANSWER_TIMEOUT_S`` for an answer (a client that must wait longer for one kind of request, the
notifier's test sends, says so in its own module). Every way a request can fail ends as
``RequestFailed``: no answer, refused by the service with its reason, not allowed for this broker
account, or a question the service would refuse, found before asking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from workers.bus.base import Bus
from workers.bus.errors import BusError, NotAllowed, RemoteError, RequestTimeout
from workers.contracts.base import Contract
from workers.contracts.phrases import Phrase, say

log = logging.getLogger(__name__)

#: how long a question waits for its answer
ANSWER_TIMEOUT_S = 5.0

R = TypeVar("R", bound=BaseModel)
Why = Literal["no_answer", "refused", "not_allowed", "invalid"]


class RequestFailed(Exception):
    """A request that got no usable answer; ``str()`` is what to tell the person who asked (in
    English, for logs), ``phrase`` the same as a code and values for a reader in another
    language, ``why`` what kind of failure it was."""

    def __init__(self, sentence: str | Phrase, why: Why):
        self.phrase = sentence if isinstance(sentence, Phrase) else None
        super().__init__(sentence.english() if isinstance(sentence, Phrase) else sentence)
        self.why = why


class ServiceClient:
    #: the worker that answers, as people call it ("analytics")
    service: ClassVar[str]

    def __init__(self, bus: Bus, *, timeout: float = ANSWER_TIMEOUT_S):
        self.bus = bus
        self.timeout = timeout

    def _queue(self) -> str:
        raise NotImplementedError

    def _build(self, build: Callable[[], Contract]) -> Contract:
        """The request ``build`` makes; a question the service would refuse fails here, before
        asking, with the same reasons."""
        try:
            return build()
        except ValidationError as exc:
            reasons = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise RequestFailed(f"Cannot ask for that: {reasons}", "invalid") from exc

    async def _request(self, request: Contract, reply_model: type[R], *,
                       timeout: float | None = None, exchange: str = "") -> R:
        timeout = self.timeout if timeout is None else timeout
        service = self.service
        try:
            reply = await self.bus.request(self._queue(), request, reply_model=reply_model,
                                           timeout=timeout, exchange=exchange)
        except NotAllowed as exc:
            # the broker's own words (exchange, vhost) are for the log, not for people
            log.info("request to %s refused by the broker: %s", self._queue(), exc)
            raise RequestFailed(say("request_not_allowed", user=self.bus.user, service=service),
                                "not_allowed") from exc
        except RemoteError as exc:  # the worker's reason, as it wrote it
            raise RequestFailed(say("request_refused", service=service, reason=str(exc)),
                                "refused") from exc
        except RequestTimeout as exc:
            raise RequestFailed(say("request_no_answer", service=service, seconds=float(timeout)),
                                "no_answer") from exc
        except (BusError, OSError) as exc:  # the library's words, in English
            raise RequestFailed(say("request_unreachable", service=service, error=str(exc)),
                                "no_answer") from exc
        assert isinstance(reply, reply_model)
        return reply
