"""``python -m spin_detect`` runs the command line."""

from .cli import main

main()
