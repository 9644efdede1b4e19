"""A node's cgroups as files: each pod's and container's (:func:`pod_cgroup_files`) and the whole
tree (:func:`node_cgroup_tree`), from the node's allocated pods, the resource managers' state and
what the QoS container manager wrote.

The kubelet writes a pod cgroup's Memory QoS entries when it creates it (and, from 1.37, on a
resize); its other values follow the allocation (a resize rewrites them). Container values are the
runtime's, regenerated from the allocation. The QoS-class cgroups hold what ``UpdateCgroups`` wrote
last (podfit runs it after every event: the value after the kubelet's next periodic update).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

from podfit.kubelet.allocatable import node_allocatable_absolute
from podfit.kubelet.assignments import PodAssignments, pod_has_exclusive_cpus
from podfit.kubelet.cgroup_config import (
    ContainerResources,
    ResourceConfig,
    linux_container_resources,
    milli_cpu_to_shares,
    qos_cpu_shares,
    resource_config_for_pod,
)
from podfit.kubelet.cgroup_names import parse_cgroup_name
from podfit.kubelet.cgroup_tree import (
    CONTAINER,
    NODE,
    POD,
    QOS,
    RESERVED,
    CgroupNode,
    CgroupTree,
    container_files,
    kubelet_files,
    pod_parts,
    qos_tier_files,
    root_parts,
)
from podfit.kubelet.memory_qos import (
    MemoryQoSConfig,
    container_memory_qos,
    memory_qos_warnings,
    reserved_cgroup_memory_min,
)
from podfit.model.kubelet_config import KubeletConfig
from podfit.model.machine import Machine
from podfit.model.node_os import NodeOS
from podfit.model.pod import Pod
from podfit.model.qos import QOSGates, get_pod_qos
from podfit.model.release_gates import release_gate
from podfit.release.node_features import NodeFeatures

__all__ = ["CgroupFiles", "CgroupSource", "node_cgroup_tree", "pod_cgroup_files"]

CgroupFiles = tuple[Mapping[str, str], dict[str, Mapping[str, str]], ResourceConfig]
_STATIC: Final = "static"


class CgroupSource(Protocol):
    """What the view reads from a node (:class:`podfit.kubelet.node.Node`)."""

    machine: Machine
    config: KubeletConfig
    features: NodeFeatures
    node_os: NodeOS
    mqos: MemoryQoSConfig

    @property
    def pods(self) -> tuple[Pod, ...]: ...

    @property
    def default_cpuset(self) -> int: ...

    @property
    def plr(self) -> bool: ...

    @property
    def qos_gates(self) -> QOSGates: ...

    def assignments(self, pod: Pod) -> PodAssignments: ...

    def pod_memory_qos(self, uid: str) -> tuple[tuple[str, str], ...]: ...

    def spec_pods(self) -> tuple[Pod, ...]: ...

    def qos_memory(self) -> tuple[dict[str, str], dict[str, str], object]: ...


def _pod_config(node: CgroupSource, pod: Pod, assigned: PodAssignments) -> ResourceConfig:
    config, f = node.config, node.features
    exclusive = pod_has_exclusive_cpus(assigned) and release_gate(
        config.feature_gates, f, "DisableCPUQuotaWithExclusiveCPUs"
    )
    return resource_config_for_pod(
        pod,
        enforce_cpu_limits=config.cpu_cfs_quota and not exclusive,
        cpu_period=config.cpu_cfs_quota_period_us,
        gates=node.qos_gates,
        custom_period=release_gate(config.feature_gates, f, "CustomCPUCFSQuotaPeriod"),
        memory_qos=node.pod_memory_qos(pod.uid),
        pids_limit=config.pod_pids_limit,
    )


def _containers(node: CgroupSource, pod: Pod, assigned: PodAssignments) -> dict[str, ContainerResources]:
    config, f, os_ = node.config, node.features, node.node_os
    gates = config.feature_gates
    static = config.cpu_manager_policy == _STATIC
    out: dict[str, ContainerResources] = {}
    views = assigned.containers
    for c, isolated, view in zip(pod.all_containers(), assigned.isolated, views, strict=True):
        res = linux_container_resources(
            pod,
            c,
            pod_level_resources=node.plr,
            cpu_cfs_quota=config.cpu_cfs_quota,
            cpu_period=config.cpu_cfs_quota_period_us,
            custom_period=release_gate(gates, f, "CustomCPUCFSQuotaPeriod"),
            exclusive_cpus=isolated,
            disable_quota_with_exclusive=release_gate(gates, f, "DisableCPUQuotaWithExclusiveCPUs"),
            cgroup_v2=os_.cgroup_v2,
            single_process_oom_kill=config.single_process_oom_kill,
            swap_controller=os_.swap_controller,
            host_hugepage_sizes=os_.hugepage_sizes,
            hugepages_from_pod_level=f.container_hugepages_from_pod_level,
            memory_qos=container_memory_qos(node.mqos, pod, c),
        )
        cgroup = view.cgroup
        cpus = cgroup.cpuset_cpus if cgroup is not None and static else None
        mems = cgroup.cpuset_mems if cgroup is not None else None
        out[c.name] = ContainerResources(
            res.cpu_shares,
            res.cpu_quota,
            res.cpu_period,
            res.memory_limit,
            res.hugepage_limits,
            res.unified,
            cpus,
            mems,
        )
    return out


def pod_cgroup_files(node: CgroupSource, pod: Pod, *, weight_formula: str = "linear") -> CgroupFiles:
    """The pod cgroup's files, each container's files (by name), and the pod's ResourceConfig, for
    ``pod`` as allocated with the node's current assignments."""
    assigned = node.assignments(pod)
    v2 = node.node_os.cgroup_v2
    config = _pod_config(node, pod, assigned)
    pod_files = dict(kubelet_files(config, node.node_os.hugepage_sizes, cgroup_v2=v2))
    per_container: dict[str, Mapping[str, str]] = {
        name: dict(container_files(res, cgroup_v2=v2, weight_formula=weight_formula))
        for name, res in _containers(node, pod, assigned).items()
    }
    return pod_files, per_container, config


def _reserved_nodes(node: CgroupSource, v2: bool) -> list[CgroupNode]:
    config = node.config
    out = []
    for key, name, reserved in (
        ("system-reserved", config.system_reserved_cgroup, config.system_reserved),
        ("kube-reserved", config.kube_reserved_cgroup, config.kube_reserved),
    ):
        if key not in config.enforce_node_allocatable or not name:
            continue
        rc = ResourceConfig(
            cpu_shares=milli_cpu_to_shares(reserved["cpu"]) if "cpu" in reserved else None,
            memory=reserved.get("memory"),
            pids_limit=reserved.get("pid"),
            unified=reserved_cgroup_memory_min(node.mqos, reserved.get("memory", 0)),
        )
        files = kubelet_files(rc, (), cgroup_v2=v2)
        out.append(CgroupNode(parse_cgroup_name(name, config.cgroup_driver), RESERVED, key, files))
    return out


def node_cgroup_tree(
    node: CgroupSource,
    *,
    driver: str | None = None,
    runtime: str = "containerd",
    weight_formula: str = "linear",
) -> CgroupTree:
    """Every cgroup the kubelet and the runtime would have written on ``node`` now."""
    config, os_, machine = node.config, node.node_os, node.machine
    driver = driver or ("systemd" if config.cgroup_driver == "systemd" else "cgroupfs")
    v2 = os_.cgroup_v2
    warnings = list(memory_qos_warnings(node.mqos, os_))
    if not v2:
        warnings.append(
            "cgroup v1 node: shown with cgroup v2 file names; the kubelet drops the Unified entries "
            "(memory.min/low/high, memory.oom.group) on cgroup v1"
        )
        if node.features.fail_cgroup_v1_default and config.fields.get("failCgroupV1") is not False:
            warnings.append(f"the kubelet refuses to start: {node.features.cgroup_v1_refusal}")
    nodes = _reserved_nodes(node, v2)
    root = root_parts(config.cgroup_root, driver, config.cgroups_per_qos)
    # the node-allocatable cgroup: capacity, or capacity - reserved with enforceNodeAllocatable=pods
    if config.cgroups_per_qos and "pods" in config.enforce_node_allocatable:
        absolute = node_allocatable_absolute(machine, config)
        cpu, mem = absolute["cpu"], absolute["memory"]
    else:
        cpu, mem = machine.num_cpus * 1000, machine.total_memory
    kubepods_q, burstable_q, _ = node.qos_memory()
    static_cpus = config.cpu_manager_policy == _STATIC
    root_config = ResourceConfig(
        cpu_shares=milli_cpu_to_shares(cpu),
        memory=mem,
        cpuset_cpus=None if static_cpus else sum(1 << c.cpu for c in machine.cpus),
    )
    root_files = dict(kubelet_files(root_config, (), cgroup_v2=v2))
    root_files.update(
        qos_tier_files(None, tuple(sorted(kubepods_q.items())), os_.hugepage_sizes, cgroup_v2=v2)
    )
    nodes.append(CgroupNode(root, NODE, None, tuple(sorted(root_files.items()))))
    spec = node.spec_pods()
    burstable_shares, besteffort_shares = qos_cpu_shares(spec, node.qos_gates)
    if config.cgroups_per_qos:
        nodes.append(
            CgroupNode(
                (*root, "burstable"),
                QOS,
                "Burstable",
                qos_tier_files(
                    burstable_shares, tuple(sorted(burstable_q.items())), os_.hugepage_sizes, cgroup_v2=v2
                ),
            )
        )
        nodes.append(
            CgroupNode(
                (*root, "besteffort"),
                QOS,
                "BestEffort",
                qos_tier_files(besteffort_shares, (), os_.hugepage_sizes, cgroup_v2=v2),
            )
        )
    for pod in node.pods:
        qos = get_pod_qos(pod, node.qos_gates)
        parts = pod_parts(root, qos, pod.uid)
        pod_files, per_container, _ = pod_cgroup_files(node, pod, weight_formula=weight_formula)
        nodes.append(CgroupNode(parts, POD, pod.key, tuple(sorted(pod_files.items()))))
        for c in pod.all_containers():
            files = per_container.get(c.name, {})
            nodes.append(
                CgroupNode(
                    (*parts, c.name), CONTAINER, f"{pod.key}/{c.name}", tuple(sorted(files.items())), c.name
                )
            )
    return CgroupTree(driver, runtime, tuple(nodes), tuple(warnings))
