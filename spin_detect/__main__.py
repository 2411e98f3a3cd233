"""``python -m spin_detect`` runs the command line."""

from spin_detect.cli.app import main

main()
