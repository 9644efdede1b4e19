"""podfit: where does my pod land on this node, and why?

A kubelet-exact re-implementation of the node resource managers (Topology Manager, CPU Manager
``static``, Memory Manager ``Static``, KEP-5526 pod-level resource managers) with a simulator around it.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
