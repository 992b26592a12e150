"""Risk manager: layered pre-trade rules in the engine's order pipeline (no dock yet)."""
