"""podfit.cpu."""
