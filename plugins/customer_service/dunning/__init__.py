"""dunning (customer service)."""
