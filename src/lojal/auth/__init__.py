"""Admin users (argon2 passwords, roles per shop), login rate limits."""
