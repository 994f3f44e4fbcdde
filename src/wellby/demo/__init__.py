"""The demo study: generated Big Local-like survey waves with a known truth."""
