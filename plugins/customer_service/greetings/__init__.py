"""greetings (customer service)."""
