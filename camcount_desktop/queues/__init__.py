"""The queue-depth panel: depths over time and how full each queue is."""
