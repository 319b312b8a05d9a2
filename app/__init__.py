"""medlens app package."""
