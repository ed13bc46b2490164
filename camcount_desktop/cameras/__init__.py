"""The camera tree: every camera this console knows and its state."""
