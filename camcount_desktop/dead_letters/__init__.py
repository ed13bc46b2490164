"""Dead-letter review: browse, requeue and discard what the error queue holds."""
