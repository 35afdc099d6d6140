"""Anonymous usage statistics: the opt-out switches, `.meltano/analytics.json`, and events.

Nothing here may block or fail a command: events go out on a background thread with a short
timeout, and every sending error is logged at debug level and dropped.
"""
