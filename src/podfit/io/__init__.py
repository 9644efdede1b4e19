"""podfit.io."""
