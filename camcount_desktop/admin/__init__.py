"""Admin tools of the console: cameras, the zone editor, and who may use them (broker
permissions). Everything here changes the system through ``camera.control.*`` messages."""
