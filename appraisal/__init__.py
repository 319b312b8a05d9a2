"""medlens appraisal package."""
