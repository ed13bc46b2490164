"""The MQTT bridge: counts, camera health and alerts on an MQTT broker, with Home Assistant
discovery (``camcount-worker mqtt``)."""
