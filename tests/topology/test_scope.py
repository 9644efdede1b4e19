"""Scopes: upstream TestAdmit / TestNewManager / TestManagerScope / accumulate tables, plus the
pod-level (KEP-5526) path and the error mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.compiled import COMPILED

from podfit.model.admission import Rejection
from podfit.topology.bitmask import new_bitmask
from podfit.topology.hint import ProviderHints, TopologyHint
from podfit.topology.numa_info import NUMAInfo
from podfit.topology.policy import new_policy
from podfit.topology.scope import admit, check_numa_node_count, scope_for

DATA = Path(__file__).parents[1] / "upstream" / "topologymanager"
SCOPE = yaml.safe_load((DATA / "scope_test.yaml").read_text())
TWO_NODES = NUMAInfo(nodes=(0, 1), distances={0: (10, 11), 1: (11, 10)})


def hint(text: str) -> TopologyHint:
    nodes, pref = text.rsplit(":", 1)
    mask = None if nodes == "any" else new_bitmask(*(int(n) for n in nodes.split(",")))
    return TopologyHint(mask, pref == "T")


def provider_hints(p: dict[str, Any] | None) -> ProviderHints:
    if p is None:
        return None
    return {res: None if hs is None else [hint(h) for h in hs] for res, hs in p.items()}


@dataclass
class FakeProvider:
    """Returns fixed hints; records the calls; fails allocation when told to."""

    hints: ProviderHints = None
    pod_hints: ProviderHints = None
    allocate_error: Rejection | None = None
    calls: list[tuple[str, object, TopologyHint]] = field(default_factory=list)

    def get_topology_hints(self, pod: object, container: object) -> ProviderHints:
        return self.hints

    def get_pod_topology_hints(self, pod: object) -> ProviderHints:
        return self.hints if self.pod_hints is None else self.pod_hints

    def allocate(self, pod: object, container: object, hint: TopologyHint) -> Rejection | None:
        self.calls.append(("allocate", container, hint))
        return self.allocate_error

    def allocate_pod(self, pod: object, hint: TopologyHint) -> Rejection | None:
        self.calls.append(("allocate_pod", None, hint))
        return self.allocate_error


@pytest.mark.parametrize("scope", ["container", "pod"])
@pytest.mark.parametrize("tc", SCOPE["TestAdmit"]["cases"], ids=lambda c: c["name"])
def test_admit(tc: dict[str, Any], scope: str) -> None:
    policy = new_policy(tc["policy"], TWO_NODES)
    providers = [FakeProvider(provider_hints(p)) for p in tc["hp"]]
    rejection = admit(scope, policy, providers, pod=object(), containers=[("c", object())]).rejection
    assert (rejection is None) == tc["expected"]
    if rejection is not None:
        assert rejection == Rejection(
            "Resources cannot be allocated with Topology locality", "TopologyAffinityError"
        )


@pytest.mark.parametrize("tc", SCOPE["TestNewManager"], ids=lambda c: c["description"])
def test_new_manager(tc: dict[str, Any]) -> None:
    if "expectedError" in tc and "numaNodes" not in tc:
        with pytest.raises(ValueError, match=tc["expectedError"]):
            new_policy(tc["policyName"], TWO_NODES)
        return
    policy = new_policy(tc["policyName"], TWO_NODES)
    err = check_numa_node_count(policy.name, tc.get("numaNodes", 2), 8)
    if "expectedError" in tc:
        assert err == tc["expectedError"]
    else:
        assert err is None
        assert policy.name == tc["expectedPolicy"]


@pytest.mark.parametrize("tc", SCOPE["TestManagerScope"], ids=lambda c: c["description"])
def test_manager_scope(tc: dict[str, Any]) -> None:
    policy = new_policy("best-effort", NUMAInfo(nodes=()))
    if "expectedError" in tc:
        with pytest.raises(ValueError, match=tc["expectedError"]):
            scope_for(tc["scopeName"], policy)
    else:
        assert scope_for(tc["scopeName"], policy) == tc["expectedScope"]


@pytest.mark.parametrize("scope", ["container", "pod"])
@pytest.mark.parametrize("tc", SCOPE["AccumulateProvidersHints"], ids=lambda c: f"{c['test']}/{c['name']}")
def test_accumulate_providers_hints(tc: dict[str, Any], scope: str) -> None:
    providers = [FakeProvider(provider_hints(p)) for p in tc["prov"]]
    res = admit(scope, new_policy("best-effort", TWO_NODES), providers, object(), [("c", object())])
    assert list(res.merges[0].providers_hints) == [provider_hints(p) for p in tc["expected"]]


# --- behaviour beyond the upstream tables -------------------------------------------------------


def test_none_policy_uses_none_scope_and_allocates_without_hint() -> None:
    p = FakeProvider({"cpu": [hint("1:T")]})
    res = admit("pod", new_policy("none", None), [p], object(), [("a", "A"), ("b", "B")])
    assert res.rejection is None
    assert p.calls == [
        ("allocate", "A", TopologyHint(None, False)),
        ("allocate", "B", TopologyHint(None, False)),
    ]
    assert res.merges == ()


def test_container_scope_merges_per_container_and_stops_at_rejection() -> None:
    ok, bad = FakeProvider({"cpu": [hint("0:T")]}), FakeProvider({"cpu": [hint("0,1:F")]})

    class Switching(FakeProvider):
        def get_topology_hints(self, pod: object, container: object) -> ProviderHints:
            return (ok if container == "A" else bad).hints

    p = Switching()
    res = admit(
        "container", new_policy("restricted", TWO_NODES), [p], object(), [("a", "A"), ("b", "B"), ("c", "C")]
    )
    assert not res.admit
    assert res.rejection.reason == "TopologyAffinityError"
    assert [m.container for m in res.merges] == ["a", "b"]
    assert res.container_hints == {"a": hint("0:T")}
    assert p.calls == [("allocate", "A", hint("0:T"))]


def test_pod_scope_classic_allocates_each_container_with_pod_hint() -> None:
    p = FakeProvider({"cpu": [hint("1:T"), hint("0,1:F")]})
    res = admit("pod", new_policy("single-numa-node", TWO_NODES), [p], object(), [("i", "I"), ("a", "A")])
    assert res.admit
    assert res.container_hints == {"i": hint("1:T"), "a": hint("1:T")}
    assert p.calls == [("allocate", "I", hint("1:T")), ("allocate", "A", hint("1:T"))]


def test_pod_level_rejection_message() -> None:
    p = FakeProvider({"cpu": [hint("0,1:F")]})
    res = admit("pod", new_policy("restricted", TWO_NODES), [p], object(), [("a", "A")], pod_level=True)
    assert res.rejection == Rejection(
        "Pod Scope pod with pod-level resources failed admission under pod-scope topology manager",
        "TopologyAffinityError",
    )
    assert p.calls == []


def test_pod_level_allocates_pod_once_per_provider() -> None:
    cpu, mem = FakeProvider({"cpu": [hint("0:T")]}), FakeProvider({"memory": [hint("0:T"), hint("1:T")]})
    res = admit(
        "pod",
        new_policy("best-effort", TWO_NODES),
        [cpu, mem],
        "POD",
        [("a", "A"), ("b", "B")],
        pod_level=True,
    )
    assert res.admit
    assert res.container_hints == {"a": hint("0:T"), "b": hint("0:T")}
    assert cpu.calls == [("allocate_pod", None, hint("0:T"))] and mem.calls == cpu.calls


def test_pod_level_flag_words_the_container_scope_rejection() -> None:
    """v1.36.2 scope_container.go: a pod-level pod's failed container merge is a
    PodLevelTopologyAffinityError with the container-scope words (issue 14)."""
    p = FakeProvider({"cpu": [hint("0,1:F")]})
    res = admit("container", new_policy("restricted", TWO_NODES), [p], object(), [("a", "A")], pod_level=True)
    assert res.rejection.reason == "TopologyAffinityError"
    assert res.rejection.message == (
        "Pod Scope pod with pod-level resources failed admission with a container-level topology manager"
    )
    plain = admit("container", new_policy("restricted", TWO_NODES), [p], object(), [("a", "A")])
    assert plain.rejection.message == "Resources cannot be allocated with Topology locality"


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        (
            Rejection("SMT Alignment Error: x", "SMTAlignmentError"),
            Rejection("SMT Alignment Error: x", "SMTAlignmentError"),
        ),
        (
            Rejection("not enough cpus available to satisfy request: requested=4, available=2"),
            Rejection(
                "Allocate failed due to not enough cpus available to satisfy request: "
                "requested=4, available=2, which is unexpected",
                "UnexpectedAdmissionError",
            ),
        ),
    ],
)
@pytest.mark.parametrize("pod_level", [False, True])
def test_allocation_error_mapping(err: Rejection, expected: Rejection, pod_level: bool) -> None:
    first, second = FakeProvider(allocate_error=err), FakeProvider()
    res = admit(
        "pod",
        new_policy("best-effort", TWO_NODES),
        [first, second],
        object(),
        [("a", "A"), ("b", "B")],
        pod_level=pod_level,
    )
    assert res.rejection == expected
    assert len(first.calls) == 1 and second.calls == []


def test_result_classes_behave_like_generated_dataclasses() -> None:
    import dataclasses
    import pickle

    from podfit.topology.scope import MergeStep, ScopeAdmitResult

    step = MergeStep(None, ({},), TopologyHint(1, True), True)
    best = TopologyHint(1, True)
    assert step == MergeStep(container=None, providers_hints=({},), best_hint=best, admit=True)
    names = ["container", "providers_hints", "best_hint", "admit"]
    assert [f.name for f in dataclasses.fields(MergeStep)] == names
    assert dataclasses.replace(step, admit=False).admit is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.admit = False  # type: ignore[misc]
    ok = None
    a, b = ScopeAdmitResult(ok), ScopeAdmitResult(ok)
    assert a == b and a.container_hints == {} and a.merges == ()
    assert a.container_hints is not b.container_hints  # a new dict each time (default_factory)
    full = ScopeAdmitResult(rejection=ok, container_hints={"c": TopologyHint(1, True)}, merges=(step,))
    if not COMPILED:  # compiled (native) frozen classes do not unpickle; podfit never pickles them
        assert pickle.loads(pickle.dumps(full)) == full
    assert dataclasses.replace(full, merges=()) == ScopeAdmitResult(ok, {"c": TopologyHint(1, True)})
    assert repr(full).startswith("ScopeAdmitResult(rejection=None")
