"""Layer 2, text: sentences and tokens with offsets (:mod:`.segment`)."""
