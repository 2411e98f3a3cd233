"""The packaged default model (model.npz, manifest.json, MODEL_CARD.md); data only."""
