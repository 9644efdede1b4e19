"""podfit.devices."""
