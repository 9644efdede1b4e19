"""The scheduler stage: NodeResourcesFit (filter + LeastAllocated / MostAllocated score) on indexes.

Score (kube-scheduler's ``leastResourceScorer`` / ``mostResourceScorer``, CPU and memory weight 1):
per resource ``(alloc - used - req) * 100 // alloc`` (least) or ``min(used + req, alloc) * 100 //
alloc`` (most), the node's score their integer mean. (The scorers leave a resource with zero
allocatable out of the mean; a node without allocatable CPU or memory is never picked here.)
Ties go to the lowest node index (kube-scheduler picks at random among ties; a replay must be
deterministic). Requests are the pods' requests (the
scheduler's non-zero defaults for containers without requests are not applied).

Index: nodes are grouped in *classes* (same allocatable CPU, memory, GPUs, pods and selected
labels); inside a class, by *level* ``S = used_cpu*100//alloc_cpu + used_mem*100//alloc_mem`` and
then by exact usage ``(cpu, mem, gpu)`` with the node indexes in ascending order. For a pod, a
class's levels are walked best first, each with an upper bound of the score any node on it can
reach with the pod; the walk stops when the bound falls below the best score found. A usage group
is scored once (its nodes are equal for the score and the resource fit); only the pod count and the
optional NUMA filter are checked node by node.

Filters besides the resources (:mod:`podfit.fleet.node_filters`): ``nodeSelector`` and the required
node affinity on the class's labels (the keys pods read), TaintToleration and NodeUnschedulable on
the class's taints (part of the class key), evaluated once per class and pod signature (affinity,
tolerations) and memoised; affinity terms that read the node's name (``matchFields``) are evaluated
node by node. Without taints or affinity nothing of this runs. Pure.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable

from podfit.fleet.node_filters import affinity_reads_fields, find_untolerated_taint, match_node_selector_terms
from podfit.fleet.values import SelectorTerm, Taint, Toleration

__all__ = ["Scheduler"]

Usage = tuple[int, int, int]
Labels = tuple[tuple[str, str], ...]
Affinity = tuple[SelectorTerm, ...] | None
Tolerations = tuple[Toleration, ...]


class _Class:
    def __init__(
        self, cpu: int, mem: int, gpu: int, pods: int, labels: Labels, taints: tuple[Taint, ...] = ()
    ) -> None:
        self.cpu = cpu
        self.mem = mem
        self.gpu = gpu
        self.pods = pods
        self.labels = labels
        self.label_map = dict(labels)
        self.taints = taints  # the NoSchedule / NoExecute ones (node_filters.filter_taints)
        self.by_level: dict[int, dict[Usage, list[int]]] = {}
        self.levels: list[int] = []  # occupied levels, ascending
        # the least used CPU / memory / GPUs of any node (a pod needing more free fits on none)
        self.cpu_used: dict[int, int] = {}
        self.cpu_order: list[int] = []
        self.mem_used: dict[int, int] = {}
        self.mem_order: list[int] = []
        self.gpu_used: dict[int, int] = {}
        self.gpu_order: list[int] = []

    def could_fit(self, rc: int, rm: int, rg: int) -> bool:
        return (
            rc <= self.cpu - self.cpu_order[0]
            and rm <= self.mem - self.mem_order[0]
            and rg <= self.gpu - self.gpu_order[0]
        )

    def level(self, u: Usage) -> int:
        cpu = u[0] * 100 // self.cpu if self.cpu else 0
        mem = u[1] * 100 // self.mem if self.mem else 0
        return cpu + mem

    def insert(self, node: int, u: Usage) -> None:
        _count(self.cpu_used, self.cpu_order, u[0], 1)
        _count(self.mem_used, self.mem_order, u[1], 1)
        _count(self.gpu_used, self.gpu_order, u[2], 1)
        lv = self.level(u)
        groups = self.by_level.get(lv)
        if groups is None:
            groups = self.by_level[lv] = {}
            insort(self.levels, lv)
        nodes = groups.get(u)
        if nodes is None:
            groups[u] = [node]
        else:
            insort(nodes, node)

    def delete(self, node: int, u: Usage) -> None:
        _count(self.cpu_used, self.cpu_order, u[0], -1)
        _count(self.mem_used, self.mem_order, u[1], -1)
        _count(self.gpu_used, self.gpu_order, u[2], -1)
        lv = self.level(u)
        groups = self.by_level[lv]
        nodes = groups[u]
        nodes.remove(node)
        if not nodes:
            del groups[u]
            if not groups:
                del self.by_level[lv]
                self.levels.pop(bisect_right(self.levels, lv) - 1)


def _count(counts: dict[int, int], order: list[int], value: int, delta: int) -> None:
    n = counts.get(value, 0) + delta
    if n:
        counts[value] = n
        if n == delta:
            insort(order, value)
    else:
        del counts[value]
        order.pop(bisect_right(order, value) - 1)


def _least(used: int, req: int, alloc: int) -> int:
    """Mirrors: pkg/scheduler/framework/plugins/noderesources/least_allocated.go leastRequestedScore
    (v1.36, read in microshift 8e16b12f)"""
    if alloc == 0 or used + req > alloc:
        return 0
    return (alloc - used - req) * 100 // alloc


def _most(used: int, req: int, alloc: int) -> int:
    """Mirrors: pkg/scheduler/framework/plugins/noderesources/most_allocated.go mostRequestedScore
    (v1.36, read in microshift 8e16b12f)"""
    if alloc == 0:
        return 0
    return min(used + req, alloc) * 100 // alloc


class Scheduler:
    """NodeResourcesFit over ``n`` nodes; ``add``/``remove`` keep the index in step with the pods."""

    def __init__(
        self,
        allocatable: list[tuple[int, int, int, int]],
        labels: list[Labels],
        most_allocated: bool,
        taints: list[tuple[Taint, ...]] | None = None,
        names: list[str] | None = None,
    ) -> None:
        """``labels``: per node, the labels pods read; ``taints``: per node, what the taint filters
        see (``node_filters.filter_taints``); ``names``: the node names (for ``matchFields``)."""
        self.most = most_allocated
        n = len(allocatable)
        node_taints = taints if taints is not None else [()] * n
        self.names = names if names is not None else [""] * n
        self.tainted = any(node_taints)
        self.classes: list[_Class] = []
        keys: dict[tuple[int, int, int, int, Labels, tuple[Taint, ...]], int] = {}
        self.node_class: list[int] = []
        for (cpu, mem, gpu, pods), lab, tnt in zip(allocatable, labels, node_taints, strict=True):
            key = (cpu, mem, gpu, pods, lab, tnt)
            cid = keys.get(key)
            if cid is None:
                cid = keys[key] = len(self.classes)
                self.classes.append(_Class(cpu, mem, gpu, pods, lab, tnt))
            self.node_class.append(cid)
        # per pod signature (affinity, tolerations): the classes whose nodes may pass its filters
        self._passing: dict[tuple[Affinity, Tolerations], list[_Class]] = {}
        self.used: list[Usage] = [(0, 0, 0)] * n
        self.pods = [0] * n
        for node in range(n):
            self.classes[self.node_class[node]].insert(node, (0, 0, 0))

    def add(self, node: int, req: Usage) -> None:
        cls = self.classes[self.node_class[node]]
        old = self.used[node]
        new = (old[0] + req[0], old[1] + req[1], old[2] + req[2])
        cls.delete(node, old)
        cls.insert(node, new)
        self.used[node] = new
        self.pods[node] += 1

    def remove(self, node: int, req: Usage) -> None:
        cls = self.classes[self.node_class[node]]
        old = self.used[node]
        new = (old[0] - req[0], old[1] - req[1], old[2] - req[2])
        cls.delete(node, old)
        cls.insert(node, new)
        self.used[node] = new
        self.pods[node] -= 1

    def score(self, node: int, req: Usage) -> int:
        """The node's score for a pod of ``req`` (it must fit)."""
        cls = self.classes[self.node_class[node]]
        u = self.used[node]
        f = _most if self.most else _least
        return (f(u[0], req[0], cls.cpu) + f(u[1], req[1], cls.mem)) // 2

    def pick_node(
        self,
        node: int,
        req: Usage,
        selector: Labels = (),
        check: Callable[[int], bool] | None = None,
        affinity: Affinity = None,
        tolerations: Tolerations = (),
        mirror: bool = False,
    ) -> int:
        """``node`` when a pod of ``req`` bound to it passes the filters there (``-1``: it does not,
        or the node is not in this cell): a DaemonSet's pod, whose required node affinity names its
        node (its tolerations, the DaemonSet controller's included, are the pod's), or a static
        pod's mirror (``mirror``: the kubelet runs it, no taint or affinity filter).
        Mirrors: scheduler framework plugins nodeaffinity / nodename / tainttoleration /
        nodeunschedulable + noderesources Fit (v1.36)"""
        if node < 0 or not self.fits(node, req):
            return -1
        if selector and not _selects(selector, self.classes[self.node_class[node]].labels):
            return -1
        if (
            not mirror
            and (self.tainted or affinity is not None)
            and not self.passes(node, affinity, tolerations)
        ):
            return -1
        if check is not None and not check(node):
            return -1
        return node

    def passes(self, node: int, affinity: Affinity, tolerations: Tolerations) -> bool:
        """Whether ``node`` passes TaintToleration, NodeUnschedulable and the required node affinity.
        Mirrors: pkg/scheduler/framework/plugins/tainttoleration Filter, nodeunschedulable Filter,
        nodeaffinity Filter (v1.36)"""
        cls = self.classes[self.node_class[node]]
        if cls.taints and find_untolerated_taint(cls.taints, tolerations) is not None:
            return False
        return affinity is None or match_node_selector_terms(affinity, cls.label_map, self.names[node])

    def _candidates(self, affinity: Affinity, tolerations: Tolerations) -> list[_Class]:
        """The classes whose nodes may pass the taint and affinity filters, memoised per signature
        (terms that read the node name are left to the nodes)."""
        key = (affinity, tolerations if self.tainted else ())
        found = self._passing.get(key)
        if found is None:
            by_class = affinity is not None and not affinity_reads_fields(affinity)
            found = self._passing[key] = [
                cls
                for cls in self.classes
                if not (cls.taints and find_untolerated_taint(cls.taints, tolerations) is not None)
                and not (
                    by_class
                    and affinity is not None
                    and not match_node_selector_terms(affinity, cls.label_map, "")
                )
            ]
        return found

    def fits(self, node: int, req: Usage) -> bool:
        cls = self.classes[self.node_class[node]]
        u = self.used[node]
        return (
            cls.cpu > 0
            and cls.mem > 0
            and u[0] + req[0] <= cls.cpu
            and u[1] + req[1] <= cls.mem
            and u[2] + req[2] <= cls.gpu
            and self.pods[node] < cls.pods
        )

    def pick(
        self,
        req: Usage,
        selector: Labels = (),
        check: Callable[[int], bool] | None = None,
        affinity: Affinity = None,
        tolerations: Tolerations = (),
    ) -> int:
        """The node NodeResourcesFit chooses for a pod of ``req`` (``-1``: none fits) among the nodes
        passing the selector, taint and affinity filters.
        ``check``: an extra per-node filter (the NUMA-aware filter)."""
        rc, rm, rg = req
        best_score, best_node = -1, -1  # Mirrors: noderesources/fit.go fitsRequest (v1.36), as a filter
        most = self.most
        classes = self.classes
        if affinity is not None or self.tainted:
            classes = self._candidates(affinity, tolerations)
            if affinity is not None and affinity_reads_fields(affinity):
                check = self._by_name(affinity, check)
        for cls in classes:
            ac, am = cls.cpu, cls.mem
            if ac == 0 or am == 0 or not cls.could_fit(rc, rm, rg):
                continue
            if selector and not _selects(selector, cls.labels):
                continue
            cc = -(-rc * 100 // ac) if ac else 0
            cm = -(-rm * 100 // am) if am else 0
            levels = cls.levels
            if most:
                top = (ac - rc) * 100 // ac + ((am - rm) * 100 // am if am else 0)
                order = reversed(levels[: bisect_right(levels, top)])
            else:
                order = iter(levels)
            for lv in order:
                bound = min(200, lv + cc + cm) // 2 if most else (200 - lv - cc - cm) // 2
                if bound < best_score:
                    break
                for u, nodes in cls.by_level[lv].items():
                    if u[0] + rc > ac or u[1] + rm > am or u[2] + rg > cls.gpu:
                        continue
                    if most:
                        s = (_most(u[0], rc, ac) + _most(u[1], rm, am)) // 2
                    else:
                        s = (_least(u[0], rc, ac) + _least(u[1], rm, am)) // 2
                    if s < best_score or (s == best_score and nodes[0] >= best_node):
                        continue
                    tie = s == best_score
                    for node in nodes:
                        if tie and node >= best_node:
                            break
                        if self.pods[node] >= cls.pods:
                            continue
                        if check is not None and not check(node):
                            continue
                        best_score, best_node = s, node
                        break
        return best_node

    def _by_name(
        self, terms: tuple[SelectorTerm, ...], check: Callable[[int], bool] | None
    ) -> Callable[[int], bool]:
        """``check`` and the node affinity evaluated on each node (terms reading its name)."""
        classes, node_class, names = self.classes, self.node_class, self.names

        def both(node: int) -> bool:
            if not match_node_selector_terms(terms, classes[node_class[node]].label_map, names[node]):
                return False
            return check is None or check(node)

        return both

    def pick_by_scan(
        self,
        req: Usage,
        selector: Labels = (),
        check: Callable[[int], bool] | None = None,
        affinity: Affinity = None,
        tolerations: Tolerations = (),
    ) -> int:
        """The reference: every node filtered and scored (what :meth:`pick` must equal)."""
        best_score, best_node = -1, -1
        for node in range(len(self.used)):
            if not self.fits(node, req):
                continue
            if selector and not _selects(selector, self.classes[self.node_class[node]].labels):
                continue
            if (self.tainted or affinity is not None) and not self.passes(node, affinity, tolerations):
                continue
            if check is not None and not check(node):
                continue
            s = self.score(node, req)
            if s > best_score:
                best_score, best_node = s, node
        return best_node


def _selects(selector: Labels, labels: Labels) -> bool:
    have = dict(labels)
    return all(have.get(k) == v for k, v in selector)
