"""The health bar: broker, detector in use, one chip per worker."""
