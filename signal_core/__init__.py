"""medlens signal_core package."""
