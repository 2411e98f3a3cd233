"""The one place that finds files shipped inside the package.

Packaged tables live in ``spin_detect/data/`` and are reached through
:mod:`importlib.resources`, so they are found the same way from a source
checkout, an installed wheel or a zip import. This module imports nothing of
the package, so every table reader can use it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_file"]


def data_file(name: str) -> Path:
    """Path of a packaged data file; ``FileNotFoundError`` names the file if it is missing."""
    ref = resources.files("spin_detect") / "data" / name
    if not ref.is_file():
        raise FileNotFoundError(
            f"packaged data file {name!r} is missing from spin_detect/data; "
            "reinstall spin-detect or rebuild the file (see scripts/)"
        )
    # Installed packages are plain directories, so this path is real and can be mmapped.
    return Path(str(ref))
