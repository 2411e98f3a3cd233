"""Application: the ``spin-detect`` command line (Typer)."""

from spin_detect.cli.app import app, main

__all__ = ["app", "main"]
