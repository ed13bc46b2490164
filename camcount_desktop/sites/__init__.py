"""Sites: named sets of doors and zones, maybe on several cameras (``workers.contracts.sites``),
as the console knows them (``controller``); admins edit them in ``admin/site_editor.py``."""
