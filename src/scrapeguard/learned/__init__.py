"""The learned layer: session features, the session model and its training."""
