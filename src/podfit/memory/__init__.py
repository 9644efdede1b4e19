"""podfit.memory."""
