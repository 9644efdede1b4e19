"""The live node: read a running node's state (kubelet files, PodResources over gRPC, its
configuration and pods), check it for drift and leaks, and serve the PodResources API for a
simulated node. A shell package: it does I/O; ``podfit.live.drift`` is its pure part."""
