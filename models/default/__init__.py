"""The packaged default model (model.joblib, manifest.json, MODEL_CARD.md); data only."""
