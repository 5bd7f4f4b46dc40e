"""Every Slack message, modal and Home view, as pure functions: domain objects in, plain dicts out.

Strings passed in are plain text and are escaped here, so job names, outputs and errors can never ping
a channel, mention someone or forge a link. Every message has a `text` fallback and stays within Slack's
Block Kit limits at any size of input (tests/bot/views checks them at their largest).
"""
