"""Plain values of the domain: quantities, CPU sets, pods, kubelet configuration, machines."""
