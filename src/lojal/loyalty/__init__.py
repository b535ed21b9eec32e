"""The customer club: points ledger, earning rules, tiers, rewards, codes and member-only offers."""
