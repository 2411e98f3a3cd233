"""Shared pytest configuration."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: heavy tests (100 MB inputs, million-character sentences); "
                                       "deselect with -m 'not slow'")
