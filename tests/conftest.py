"""Shared pytest configuration. Markers (``slow``) are registered in pyproject.toml, [tool.pytest.ini_options]."""
