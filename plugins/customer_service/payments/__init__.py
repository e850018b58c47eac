"""payments (customer service)."""
