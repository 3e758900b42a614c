"""A real Home Assistant driven through its REST API, on any release installed.

``python -m tests.smoke`` from the repository root, with the interpreter of the
environment to test: ``.venv`` (the release the test suite pins) or
``.venv-ha-next`` (the next release, see ``scripts/setup ha-next``). It needs
Home Assistant and its frontend only, not pytest.
"""
