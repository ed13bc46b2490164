"""Alerting code both the rule engine (``workers.alerts``) and the notifier
(``workers.notifier``) stand on: the rules and targets document, its versions in the analytics
store, following the version in force, and the requests that read and edit it."""
