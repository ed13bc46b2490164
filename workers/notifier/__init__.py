"""The notifier worker (``workers.notifier.worker.NotifierWorker``): email (SMTP) and webhook
delivery with retries, rate limits and circuit breakers; queued sends from
``notification.email`` / ``notification.webhook`` and direct sends over ``rpc.notifier``."""
