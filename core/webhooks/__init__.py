"""Outgoing webhooks: events as signed JSON to the URLs in SCHEDOPS_WEBHOOKS, through an outbox."""
