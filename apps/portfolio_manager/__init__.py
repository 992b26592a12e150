"""Portfolio manager (in progress): attribution of PnL and capital allocation across strategies.
So far the allocation methods and their constraints (allocation.py); the app, its engine and
dock come with the attribution."""
