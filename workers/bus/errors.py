"""What the buses raise, in terms a caller can act on."""

from __future__ import annotations


class BusError(Exception):
    """Base of the bus's own errors."""


class PublishError(BusError):
    """The broker did not take responsibility for a message (nack, closed channel, timeout)."""


class Unroutable(PublishError):
    """A mandatory message matched no queue: nobody would ever read it."""

    def __init__(self, exchange: str, routing_key: str):
        super().__init__(f"no queue is bound to exchange {exchange or '(default)'!r} "
                         f"with routing key {routing_key!r}")
        self.exchange = exchange
        self.routing_key = routing_key


class NotAllowed(BusError):
    """The broker account may not do this (RabbitMQ ACCESS_REFUSED)."""


class RequestTimeout(BusError, TimeoutError):
    """No reply within the timeout: the serving worker is missing or too busy."""


class RemoteError(BusError):
    """The serving worker answered with an error."""


class PermanentError(Exception):
    """Raised by a handler for a failure that retrying cannot fix; dead-letters at once."""


class BrokerConfigError(BusError):
    """The broker address or credentials cannot be used as given."""


class Unavailable(Exception):
    """Raised by a handler when something it needs is away (its database): the messages are not
    at fault, so they are held (a batch) or put back for later (one message of a work queue) and
    tried again, no attempt counted."""
