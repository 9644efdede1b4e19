"""The CPU Manager ``static`` policy: exclusive CPUs for integral-CPU containers of Guaranteed pods.

Mirrors: pkg/kubelet/cm/cpumanager/policy_static.go (the
code carrying ``AllocatePod`` and the ``PodLevelResourceManagers`` gate).

CPU pools, as in the kubelet: SHARED = the state's default set (everything not exclusively
assigned); RESERVED = a fixed subset of SHARED never handed out (with ``strict-cpu-reservation``
it is not in SHARED at all); ASSIGNABLE = SHARED - RESERVED; exclusive assignments live in the
state. The policy object is immutable; all mutable data (including the kubelet's in-policy
``cpusToReuse`` map) is in :class:`podfit.cpu.state.CPUState`.

The pod-level (KEP-5526) ``AllocatePod`` bubble lives in :mod:`podfit.cpu.policy_static_pod`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from podfit.cpu.accumulator import TopologyIndex
from podfit.cpu.assignment import (
    CPUAssignmentError,
    CPUSorting,
    take_by_topology,
    take_numa_packed,
)
from podfit.cpu.assignment_reference import take_by_topology_reference
from podfit.cpu.guaranteed import (
    PLR,
    PLRM,
    FeatureGateReader,
    PodCPURequests,
    compute_pod_cpu_requests,
    guaranteed_cpus,
    validate_pod_scope_resources,
)
from podfit.cpu.hints import (
    cpus_in_numa_nodes,
    generate_cpu_topology_hints,
    generate_cpu_topology_hints_reference,
    sockets_in_numa_nodes,
)
from podfit.cpu.policy_static_pod import allocate_pod, classify_restored, restored_pod_hints
from podfit.cpu.state import CPUState
from podfit.cpu.state_validation import validate_state
from podfit.model.admission import (
    REFUSAL_CPU_MANAGER,
    ConfigRefusal,
    Rejection,
    SMTAlignmentRejection,
    smt_alignment_rejection,
)
from podfit.model.cpuset import cpus, format_cpuset
from podfit.model.machine import Machine
from podfit.model.pod import RESOURCE_CPU, Container, Pod
from podfit.model.policy_options import CPUManagerOptions
from podfit.topology.bitmask import get_bits
from podfit.topology.hint import TopologyHint

__all__ = ["POLICY_STATIC", "StaticPolicy", "new_static_policy", "validate_static_policy_options"]

POLICY_STATIC: Final = "static"
_SINGLE_NUMA_NODE: Final = "single-numa-node"

CPUHints = dict[str, list[TopologyHint]]


def validate_static_policy_options(
    options: CPUManagerOptions, machine: Machine, topology_manager_policy: str
) -> str | None:
    """The refusal text when the options do not fit the machine or the Topology Manager policy.

    Mirrors: cpumanager/policy_options.go ValidateStaticPolicyOptions
    """
    if options.align_by_socket:
        if topology_manager_policy == _SINGLE_NUMA_NODE:
            return (
                f"Topolgy manager {_SINGLE_NUMA_NODE} policy is incompatible with CPUManager "
                "align-by-socket policy option"
            )
        if machine.num_sockets > machine.num_numa_nodes_with_cpus:
            return (
                "Align by socket is not compatible with hardware where number of sockets "
                "are more than number of NUMA"
            )
    return None


def _refusal(message: str) -> ConfigRefusal:
    return ConfigRefusal(REFUSAL_CPU_MANAGER, message)


def new_static_policy(
    machine: Machine,
    num_reserved_cpus: int,
    reserved_cpus: int,
    options: CPUManagerOptions,
    gates: FeatureGateReader,
    topology_manager_policy: str = "none",
    restore_fixes: bool = False,
) -> StaticPolicy | ConfigRefusal:
    """Build the policy, or the kubelet's refusal. ``reserved_cpus`` (``reservedSystemCPUs``) wins
    when non-empty; otherwise ``num_reserved_cpus`` CPUs are taken by topology from all CPUs.
    ``restore_fixes``: the release re-admits a restored pod-level allocation as it is (see
    :attr:`StaticPolicy.restore_fixes`).

    Mirrors: cpumanager/policy_static.go NewStaticPolicy
    """
    refusal = validate_static_policy_options(options, machine, topology_manager_policy)
    if refusal is not None:
        return _refusal(refusal)
    group = machine.cpus_per_core
    if reserved_cpus:
        reserved = reserved_cpus
    else:
        try:
            round_up = gates.release.switches.uncore_partial_round_up
            reserved = take_by_topology(
                machine, options, group, machine.all_cpus, num_reserved_cpus, uncore_round_up=round_up
            )
        except CPUAssignmentError:
            reserved = 0
    if reserved.bit_count() != num_reserved_cpus:
        return _refusal(
            "[cpumanager] unable to reserve the required amount of CPUs "
            f"(size of {format_cpuset(reserved)} did not equal {num_reserved_cpus})"
        )
    physical = 0
    for cpu in cpus(reserved):
        if cpu not in machine.cpu_info:
            return _refusal(
                "[cpumanager] unable to build the reserved physical CPUs from the reserved set: "
                f"unknown CPU ID: {cpu}"
            )
        physical |= machine.sibling_cpus(cpu)
    return StaticPolicy(machine, options, gates, reserved, physical, group, restore_fixes=restore_fixes)


@dataclass(frozen=True)
class StaticPolicy:
    """Mirrors: cpumanager/policy_static.go staticPolicy. Build with :func:`new_static_policy`."""

    machine: Machine
    options: CPUManagerOptions
    gates: FeatureGateReader
    reserved_cpus: int
    reserved_physical_cpus: int
    cpu_group_size: int
    # hints from the literal enumeration (generate_cpu_topology_hints_reference) and CPUs from the
    # literal accumulator (take_by_topology_reference): the references of the fast paths
    exact_reference: bool = False
    # kubernetes PR #141041 (1.37): AllocatePod keeps a pod-level CPU set restored from the
    # checkpoint (completing missing container slices inside it) and GetPodTopologyHints
    # regenerates the pod hint from it; without it (1.36) a restarted kubelet re-allocates (#140989)
    restore_fixes: bool = False
    # NUMA affinity mask -> the CPUs ``get_aligned_cpus`` may choose from (filled on use)
    _aligned_by_affinity: dict[int, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # the values below, each computed on first read
    _lazy: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def topology_index(self) -> TopologyIndex:
        """The machine's lookups for CPU assignment, built once."""
        got = self._lazy.get("topology_index")
        if got is None:
            got = self._lazy["topology_index"] = self._make_topology_index()
        return got

    def _make_topology_index(self) -> TopologyIndex:
        # a function of the (immutable) machine alone: one per machine, shared by its nodes
        found = self.machine.derived.get("cpu-topology-index")
        if isinstance(found, TopologyIndex):
            return found
        index = TopologyIndex.of(self.machine)
        self.machine.derived["cpu-topology-index"] = index
        return index

    @property
    def plrm(self) -> bool:
        """The ``PodLevelResourceManagers`` gate (gates never change while the kubelet runs)."""
        got = self._lazy.get("plrm")
        if got is None:
            got = self._lazy["plrm"] = self._make_plrm()
        return got

    def _make_plrm(self) -> bool:
        return self.gates.enabled(PLRM)

    @property
    def _requests_key(self) -> tuple[str, bool, bool, str]:
        got = self._lazy.get("_requests_key")
        if got is None:
            got = self._lazy["_requests_key"] = self._make_requests_key()
        return got

    def _make_requests_key(self) -> tuple[str, bool, bool, str]:
        skip = self.gates.release.switches.plr_pod_skip_in_static_managers
        return ("cpu-requests", self.gates.enabled(PLR), self.plrm, skip)

    def requests(self, pod: Pod) -> PodCPURequests:
        """The pod's CPU requests as this policy reads them, derived once per pod."""
        found: PodCPURequests = pod.memo(self._requests_key, compute_pod_cpu_requests, pod, self.gates)
        return found

    def name(self) -> str:
        """Mirrors: cpumanager/policy_static.go staticPolicy.Name"""
        return POLICY_STATIC

    # ----- start ---------------------------------------------------------------------------
    def start(self, s: CPUState) -> ConfigRefusal | None:
        """Validate (and, when empty, initialise) the state.

        Mirrors: cpumanager/policy_static.go staticPolicy.Start
        """
        return self.validate_state(s)

    def validate_state(self, s: CPUState) -> ConfigRefusal | None:
        """Mirrors: cpumanager/policy_static.go staticPolicy.validateState"""
        return validate_state(
            s,
            self.machine.all_cpus,
            self.reserved_cpus,
            self.options.strict_cpu_reservation,
            self.gates.enabled(PLRM),
        )

    # ----- pools ---------------------------------------------------------------------------
    def get_allocatable_cpus(self, s: CPUState) -> int:
        """Mirrors: cpumanager/policy_static.go staticPolicy.GetAllocatableCPUs"""
        return self.machine.all_cpus & ~self.reserved_cpus

    def get_available_cpus(self, s: CPUState) -> int:
        """Mirrors: cpumanager/policy_static.go staticPolicy.GetAvailableCPUs"""
        return s.get_default_cpu_set() & ~self.reserved_cpus

    def get_available_physical_cpus(self, s: CPUState) -> int:
        """Mirrors: cpumanager/policy_static.go staticPolicy.GetAvailablePhysicalCPUs"""
        return s.get_default_cpu_set() & ~self.reserved_physical_cpus

    # ----- requests ------------------------------------------------------------------------
    def guaranteed_cpus(self, pod: Pod, container: Container) -> int:
        """Mirrors: cpumanager/policy_static.go staticPolicy.guaranteedCPUs"""
        n = self.requests(pod).guaranteed_cpus(container)
        return guaranteed_cpus(pod, container, self.gates) if n is None else n

    def pod_guaranteed_cpus(self, pod: Pod) -> int:
        """Mirrors: cpumanager/policy_static.go staticPolicy.podGuaranteedCPUs"""
        return self.requests(pod).pod_total

    # ----- allocation ----------------------------------------------------------------------
    def update_cpus_to_reuse(self, s: CPUState, pod: Pod, container: Container, cset: int) -> None:
        """Init containers (not sidecars) lend their CPUs to later containers of the same pod;
        an app container's CPUs leave the reusable set. Entries of other pods are dropped.

        Mirrors: cpumanager/policy_static.go staticPolicy.updateCPUsToReuse
        """
        reuse = s.cpus_to_reuse(pod.uid)
        for init in pod.init_containers:
            if init.name == container.name:
                if not init.is_restartable_init:
                    s.keep_cpus_to_reuse(pod.uid, reuse | cset)
                    return
                break
        s.keep_cpus_to_reuse(pod.uid, reuse & ~cset)

    def take_by_topology(self, available: int, num_cpus: int) -> int:
        """Dispatch to the packed or NUMA-distributed algorithm per the options; raises
        :class:`podfit.cpu.assignment.CPUAssignmentError` with the kubelet's text on failure.

        Mirrors: cpumanager/policy_static.go staticPolicy.takeByTopology
        """
        if num_cpus == 0:
            return 0  # the accumulator is satisfied before it looks at anything
        round_up = self.gates.release.switches.uncore_partial_round_up
        if self.exact_reference:
            group = self.cpu_group_size
            opts = self.options
            return take_by_topology_reference(self.machine, opts, group, available, num_cpus, round_up)
        topo = self.topology_index
        packed = self._packed_take
        if packed is not None:
            return take_numa_packed(topo, available, num_cpus, packed[0], packed[1], None, round_up)
        return take_by_topology(
            self.machine, self.options, self.cpu_group_size, available, num_cpus, topo, round_up
        )

    @property
    def _packed_take(self) -> tuple[CPUSorting, bool] | None:
        """(CPU sorting, prefer-align-by-uncore) when the options choose the packed algorithm."""
        got = self._lazy.get("_packed_take")
        if got is None:
            got = self._lazy["_packed_take"] = self._make_packed_take()
        return got

    def _make_packed_take(self) -> tuple[CPUSorting, bool] | None:
        o = self.options
        if o.distribute_cpus_across_numa:
            return None
        return ("spread" if o.distribute_cpus_across_cores else "packed", o.prefer_align_by_uncore_cache)

    def get_aligned_cpus(self, numa_affinity: int, allocatable: int) -> int:
        """CPUs of ``allocatable`` in the hint's NUMA nodes (whole sockets with align-by-socket).

        Mirrors: cpumanager/policy_static.go staticPolicy.getAlignedCPUs
        """
        region = self._aligned_by_affinity.get(numa_affinity)
        if region is None:
            bits = get_bits(numa_affinity)
            if self.options.align_by_socket:
                region = 0
                for socket in sockets_in_numa_nodes(self.machine, bits):
                    region |= self.machine.socket_cpus[socket]
            else:
                region = cpus_in_numa_nodes(self.machine, bits)
            self._aligned_by_affinity[numa_affinity] = region
        return allocatable & region

    def allocate_cpus(
        self, s: CPUState, num_cpus: int, numa_affinity: int | None, reusable: int
    ) -> int | str:
        """Take ``num_cpus`` CPUs (from the hint's NUMA nodes first) out of the shared pool; the
        mask taken, or the error text (state untouched).

        Mirrors: cpumanager/policy_static.go staticPolicy.allocateCPUs
        """
        allocatable = self.get_available_cpus(s) | reusable
        result = 0
        try:
            if numa_affinity is not None:
                aligned = self.get_aligned_cpus(numa_affinity, allocatable)
                result |= self.take_by_topology(aligned, min(num_cpus, aligned.bit_count()))
            remaining = num_cpus - result.bit_count()
            if remaining:  # (takeByTopology of 0 CPUs takes nothing)
                result |= self.take_by_topology(allocatable & ~result, remaining)
        except CPUAssignmentError as exc:
            return str(exc)
        s.set_default_cpu_set(s.get_default_cpu_set() & ~result)
        return result

    def enforce_smt_alignment(self, s: CPUState, num_cpus: int) -> SMTAlignmentRejection | None:
        """Mirrors: cpumanager/policy_static.go staticPolicy.enforceSMTAlignment"""
        if not self.options.full_physical_cpus_only:
            return None
        if num_cpus % self.cpu_group_size != 0:
            return SMTAlignmentRejection(num_cpus, self.cpu_group_size)
        available = self.get_available_physical_cpus(s).bit_count()
        if num_cpus > available:
            return SMTAlignmentRejection(num_cpus, self.cpu_group_size, available, True)
        return None

    def allocate(
        self, s: CPUState, pod: Pod, container: Container, affinity: TopologyHint | None = None
    ) -> Rejection | None:
        """Give ``container`` its exclusive CPUs (if it qualifies); ``affinity`` is the Topology
        Manager's hint for it (None = no preference). A rejection comes back as a value.

        Mirrors: cpumanager/policy_static.go staticPolicy.Allocate
        """
        req = self.requests(pod)
        num_cpus = req.guaranteed_cpus(container)
        if num_cpus is None:
            num_cpus = guaranteed_cpus(pod, container, self.gates)
        if num_cpus == 0:
            return None
        if req.gated_off:
            return None
        if self.options.full_physical_cpus_only:
            smt = self.enforce_smt_alignment(s, num_cpus)
            if smt is not None:
                return smt_alignment_rejection(smt)
        existing = s.get_cpu_set(pod.uid, container.name)
        if existing is not None:
            self.update_cpus_to_reuse(s, pod, container, existing)
            return None
        numa = affinity.numa_affinity if affinity is not None else None
        got = self.allocate_cpus(s, num_cpus, numa, s.cpus_to_reuse(pod.uid))
        if isinstance(got, str):
            return Rejection(got)
        s.set_cpu_set(pod.uid, container.name, got)
        self.update_cpus_to_reuse(s, pod, container, got)
        return None

    def allocate_pod(self, s: CPUState, pod: Pod, affinity: TopologyHint | None = None) -> Rejection | None:
        """KEP-5526 pod-level allocation (the CPU "bubble"); see :mod:`podfit.cpu.policy_static_pod`.

        Mirrors: cpumanager/policy_static.go staticPolicy.AllocatePod
        """
        return allocate_pod(self, s, pod, affinity)

    def remove_container(self, s: CPUState, pod_uid: str, container_name: str) -> None:
        """Return a container's CPUs to the shared pool (unless a sibling still holds them; a
        pod-level set is released only with the pod's last container).

        Mirrors: cpumanager/policy_static.go staticPolicy.RemoveContainer
        """
        to_release = s.get_cpu_set(pod_uid, container_name)
        if to_release is None:
            return
        s.delete(pod_uid, container_name)
        if self.plrm:
            pod_set = s.get_pod_cpu_set(pod_uid)
            if pod_set is not None:
                if not s.container_cpu_sets(pod_uid):
                    s.set_default_cpu_set(s.get_default_cpu_set() | pod_set)
                    s.delete_pod(pod_uid)
                return
        in_use = 0
        for name, cset in s.container_cpu_sets(pod_uid).items():
            if name != container_name:
                in_use |= cset
        s.set_default_cpu_set(s.get_default_cpu_set() | (to_release & ~in_use))

    # ----- hints ---------------------------------------------------------------------------
    def generate_cpu_topology_hints(self, available: int, reusable: int, request: int) -> list[TopologyHint]:
        """Mirrors: cpumanager/policy_static.go staticPolicy.generateCPUTopologyHints"""
        if self.exact_reference:
            return generate_cpu_topology_hints_reference(
                self.machine, self.options, available, reusable, request
            )
        return generate_cpu_topology_hints(self.machine, self.options, available, reusable, request)

    def get_topology_hints(self, s: CPUState, pod: Pod, container: Container) -> CPUHints | None:
        """The container's CPU hints; None = no preference (not exclusive, or gated off).

        Mirrors: cpumanager/policy_static.go staticPolicy.GetTopologyHints
        """
        req = self.requests(pod)
        requested = req.guaranteed_cpus(container)
        if requested is None:
            requested = guaranteed_cpus(pod, container, self.gates)
        if requested == 0 or req.gated_off:
            return None
        allocated = s.get_cpu_set(pod.uid, container.name)
        if allocated is not None:
            if allocated.bit_count() != requested:
                return {RESOURCE_CPU: []}
            return {RESOURCE_CPU: self.generate_cpu_topology_hints(allocated, 0, requested)}
        available = self.get_available_cpus(s)
        reusable = s.cpus_to_reuse(pod.uid)
        return {RESOURCE_CPU: self.generate_cpu_topology_hints(available, reusable, requested)}

    def get_pod_topology_hints(self, s: CPUState, pod: Pod) -> CPUHints | None:
        """The pod's CPU hints for the Topology Manager's ``pod`` scope.

        Mirrors: cpumanager/policy_static.go staticPolicy.GetPodTopologyHints
        """
        req = self.requests(pod)
        requested = req.pod_total
        if requested == 0 or req.gated_off:
            return None
        if req.pod_level and validate_pod_scope_resources(pod, self.gates) is not None:
            return {RESOURCE_CPU: []}
        if self.restore_fixes and req.pod_level:
            restored = classify_restored(s, pod)
            if restored is not None:
                return {RESOURCE_CPU: restored_pod_hints(self, s, pod, requested, restored)}
        assigned = 0
        held = s.container_cpu_sets(pod.uid)
        for _, (c, by_container) in req.by_container.items():
            allocated = held.get(c.name)
            if allocated is not None:
                if allocated.bit_count() != by_container:
                    return {RESOURCE_CPU: []}
                assigned |= allocated
        if assigned.bit_count() == requested:
            return {RESOURCE_CPU: self.generate_cpu_topology_hints(assigned, 0, requested)}
        available = self.get_available_cpus(s)
        reusable = s.cpus_to_reuse(pod.uid) | assigned
        return {RESOURCE_CPU: self.generate_cpu_topology_hints(available, reusable, requested)}
