"""Authentication: login with throttling, API tokens, and each request's user and company."""
