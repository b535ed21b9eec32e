"""What every API endpoint shares: the request's session, the calling shop, errors, idempotency."""
