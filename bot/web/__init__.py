"""The HTTP side of `serve`: Slack's events URL, Fivetran's webhook, health and metrics."""
