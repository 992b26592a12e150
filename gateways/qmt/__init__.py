"""QMT (xtquant) gateway. Only the SDK loader exists so far."""
