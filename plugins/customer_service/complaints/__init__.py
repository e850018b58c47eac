"""complaints (customer service)."""
