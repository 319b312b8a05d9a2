"""medlens decision_support package."""
