"""statistics (customer service)."""
