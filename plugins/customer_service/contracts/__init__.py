"""contracts (customer service)."""
