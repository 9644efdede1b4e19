"""podfit.node."""
