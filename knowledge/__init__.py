"""medlens knowledge package."""
