"""What tests share: services, buses, waiting, and the servers and messages of each area. Tests
import these from here, never from a conftest file (conftest files hold fixtures and hooks)."""
