"""The page tests' ``app`` fixture (the real app.py on the sample workspace), here too."""

from tests.pages.conftest import app  # noqa: F401
