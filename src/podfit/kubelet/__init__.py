"""podfit.kubelet."""
