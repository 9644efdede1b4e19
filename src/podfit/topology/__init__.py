"""podfit.topology."""
