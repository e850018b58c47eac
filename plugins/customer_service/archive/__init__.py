"""archive (customer service)."""
