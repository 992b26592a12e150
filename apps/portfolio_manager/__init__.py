"""Portfolio manager (in progress): attribution of PnL and capital allocation across strategies.
So far the pure parts: PnL attribution per day, strategy and symbol (attribution.py) and the
allocation methods with their constraints (allocation.py); the app, its engine (journal and
gateways in), plan and dock come next."""
