"""The hub's headline numbers for the admin dashboard."""
