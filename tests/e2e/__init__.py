"""End-to-end tests: a real Home Assistant, the sandbox and Chromium."""
