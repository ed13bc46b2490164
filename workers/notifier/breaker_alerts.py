"""A paused target as the console sees it: an alert on ``system.events`` when its breaker
opens, resolved when a probe gets through."""

from __future__ import annotations

import logging

from workers.bus import Bus, PublishError
from workers.contracts import SystemEvent
from workers.notifier.addressing import local_time
from workers.notifier.gate import reopens_at
from workers.notifier.limits import CircuitBreaker

log = logging.getLogger(__name__)

BREAKER_RULE = "notifier.circuit_breaker"


class BreakerAlerts:
    def __init__(self, bus: Bus, source: str):
        self.bus, self.source = bus, source
        #: the open alert per paused target
        self._raised: dict[str, str] = {}

    async def opened(self, key: str, b: CircuitBreaker, timezone: str) -> None:
        message = (f"Notifications to {key} paused after {b.failures} failed sends "
                   f"(last: {b.last_error}); next try at {local_time(reopens_at(b), timezone)}")
        event = SystemEvent(event_type="alert", source=self.source, severity="warning",
                            data={"action": "raise", "rule_id": BREAKER_RULE, "target_id": key,
                                  "message": message})
        self._raised[key] = event.message_id
        await self._publish(event)

    async def closed(self, key: str) -> None:
        event = SystemEvent(event_type="alert", source=self.source, severity="info",
                            data={"action": "resolve", "alert_id": self._raised.pop(key, None),
                                  "rule_id": BREAKER_RULE, "target_id": key,
                                  "message": f"Notifications to {key} resumed"})
        await self._publish(event)

    async def _publish(self, event: SystemEvent) -> None:
        log.warning("%s", event.data["message"])
        event.metadata.source = self.source
        try:
            await self.bus.publish(self.bus.topology.system_events, "", event, mandatory=False)
        except PublishError as exc:
            log.warning("breaker event not published: %s", exc)
