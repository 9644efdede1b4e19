"""Pods as the kubelet sees them after API-server defaulting and validation.

Quantities are canonical integers: ``cpu`` in millicores, ``memory``, ``ephemeral-storage`` and
``hugepages-<size>`` in bytes, every other (extended) resource as an integer count.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from podfit.model.quantity import BINARY_SI, Quantity

ContainerKind = Literal["init", "sidecar", "app", "ephemeral"]
"""``sidecar`` = an init container with ``restartPolicy: Always`` (a restartable init container)."""

QOSClass = Literal["Guaranteed", "Burstable", "BestEffort"]

RESOURCE_CPU: Final = "cpu"
RESOURCE_MEMORY: Final = "memory"
RESOURCE_EPHEMERAL_STORAGE: Final = "ephemeral-storage"
RESOURCE_HUGEPAGES_PREFIX: Final = "hugepages-"
_MISSING: Final = object()


def hugepage_resource_name(page_size: int) -> str:
    """``hugepages-<size>`` for a page size in bytes (``2Mi``, ``1Gi``, ...).

    Mirrors: pkg/apis/core/v1/helper/helpers.go HugePageResourceName
    """
    return RESOURCE_HUGEPAGES_PREFIX + str(Quantity(page_size, 0, BINARY_SI))


CONTAINER_RESTART_POLICY_ALWAYS: Final = "Always"


class ResourceList(Mapping[str, int]):
    """An immutable, hashable resource name → canonical integer map (sorted by name)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, int] | None = None) -> None:
        self._items: dict[str, int] = dict(sorted((items or {}).items()))

    def __getitem__(self, key: str) -> int:
        return self._items[key]

    # the dict's own methods (the Mapping mixins go through __getitem__ and are slow)
    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def keys(self) -> KeysView[str]:
        return self._items.keys()

    def items(self) -> ItemsView[str, int]:
        return self._items.items()

    def values(self) -> ValuesView[int]:
        return self._items.values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ResourceList):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"ResourceList({self._items!r})"


EMPTY_RESOURCES: Final = ResourceList()


def _freeze(items: Mapping[str, int] | None) -> ResourceList:
    if isinstance(items, ResourceList):
        return items
    return ResourceList(items)


@dataclass(frozen=True)
class ResourceRequirements:
    """A container's (or the pod's) ``resources`` stanza, after defaulting."""

    requests: Mapping[str, int] = field(default_factory=ResourceList)
    limits: Mapping[str, int] = field(default_factory=ResourceList)

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", _freeze(self.requests))
        object.__setattr__(self, "limits", _freeze(self.limits))

    def request(self, name: str) -> int:
        """The request for ``name`` (0 when unset)."""
        return self.requests.get(name, 0)

    def limit(self, name: str) -> int:
        """The limit for ``name`` (0 when unset)."""
        return self.limits.get(name, 0)

    @property
    def is_empty(self) -> bool:
        """True when neither requests nor limits name anything."""
        return not self.requests and not self.limits


@dataclass(frozen=True)
class Container:
    """One container of a pod, with its kind and (defaulted) resources."""

    name: str
    kind: ContainerKind
    resources: ResourceRequirements = field(default_factory=ResourceRequirements)
    restart_policy: str | None = None
    # resizePolicy: (resource name, NotRequired | RestartContainer) pairs as given (in-place resize)
    resize_policy: tuple[tuple[str, str], ...] = ()

    def resize_restart_policy(self, resource: str) -> str:
        """The container's resize policy for ``resource`` (default ``NotRequired``)."""
        for name, policy in self.resize_policy:
            if name == resource:
                return policy
        return "NotRequired"

    @property
    def is_restartable_init(self) -> bool:
        """A sidecar: an init container whose restartPolicy is Always."""
        return self.kind == "sidecar"


@dataclass(frozen=True)
class Pod:
    """A pod manifest after API-server defaulting and validation."""

    namespace: str
    name: str
    uid: str
    init_containers: tuple[Container, ...] = ()
    containers: tuple[Container, ...] = ()
    ephemeral_containers: tuple[Container, ...] = ()
    resources: ResourceRequirements | None = None
    restart_policy: str = "Always"
    os_name: str | None = None
    overhead: Mapping[str, int] = field(default_factory=ResourceList)
    qos_status: str | None = None
    priority: int | None = None  # spec.priority
    # a static pod: annotation kubernetes.io/config.source other than "api", or a mirror pod
    # (kubernetes.io/config.mirror)
    static: bool = False
    # A memo for the values pure functions derive from this pod (QoS class, effective requests,
    # ...): the pod never changes, so each is computed once (see :meth:`memo`).
    derived: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overhead", _freeze(self.overhead))
        object.__setattr__(self, "init_containers", tuple(self.init_containers))
        object.__setattr__(self, "containers", tuple(self.containers))
        object.__setattr__(self, "ephemeral_containers", tuple(self.ephemeral_containers))

    def memo(self, key: Hashable, compute: Callable[..., Any], *args: Any, anchor: object = None) -> Any:
        """``compute(*args)``, computed once per ``key`` for this pod. With ``anchor`` (a container or
        a configuration the value also depends on), the value is kept per anchor object: the anchor
        is held with it, so its identity stays unique while the pod lives."""
        store = self.derived
        if anchor is None:
            value = store.get(key, _MISSING)
            if value is _MISSING:
                value = store[key] = compute(*args)
            return value
        full = (key, id(anchor))
        found = store.get(full)
        if found is None or found[0] is not anchor:
            found = store[full] = (anchor, compute(*args))
        return found[1]

    @property
    def key(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def all_containers(self) -> tuple[Container, ...]:
        """Init containers (in order, sidecars included), then app containers (no ephemeral ones)."""
        return self.init_containers + self.containers

    def container(self, name: str) -> Container | None:
        """The init, app or ephemeral container called ``name``."""
        for c in self.init_containers + self.containers + self.ephemeral_containers:
            if c.name == name:
                return c
        return None
