"""engineering (customer service)."""
