"""CamCount's Qt console. Imports ``workers``; nothing imports it back."""
