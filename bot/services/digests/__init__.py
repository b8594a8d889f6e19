"""Scheduled digests: what a digest contains and when it fires."""
