"""The alerts panel: what is raised, acknowledged and resolved."""
