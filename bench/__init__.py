"""Side-by-side performance benchmark of Pushover Plus (``scripts/bench``).

It measures this integration, Home Assistant's built-in ``pushover``
integration and a bare aiohttp loop (the floor) against the project's Pushover
sandbox, and writes ``artifacts/bench.json``.
"""
