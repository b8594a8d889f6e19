"""Bolt listeners and the request handler: parse, ack, call a service, render, respond. Thin."""
