"""contacts (customer service)."""
