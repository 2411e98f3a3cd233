"""Build tools for the packaged data, the datasets and the default model (build time only; the package never
imports them). Run them from the repository root as one command: ``python -m scripts.build --help``."""
