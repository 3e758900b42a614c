"""Tests of the Pushover sandbox."""
