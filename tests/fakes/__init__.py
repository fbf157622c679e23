"""Fake partner servers on loopback, for tests that talk HTTP to a channel, 3PL or supplier."""
