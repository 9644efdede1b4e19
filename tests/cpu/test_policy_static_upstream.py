"""Upstream policy_static_test.go tables (ported as data) run against podfit.cpu.policy_static:
Start, StartWithResvList, Add, AddWithResvList."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cpu.cpumanager_fixtures import (
    build_pod,
    cpuset_spec,
    gates_of,
    hint_of,
    load_cases,
    machine_of,
    make_policy,
    params,
    state_of,
)

from podfit.cpu.policy_static import StaticPolicy
from podfit.model.admission import (
    REASON_SMT_ALIGNMENT,
    REASON_UNEXPECTED,
    REFUSAL_CPU_MANAGER,
    ConfigRefusal,
    SMTAlignmentRejection,
)

START = load_cases("TestStaticPolicyStart.yaml")
START_RESV = load_cases("TestStaticPolicyStartWithResvList.yaml")
ADD = load_cases("TestStaticPolicyAdd.yaml")
ADD_RESV = load_cases("TestStaticPolicyAddWithResvList.yaml")


def _go_map(options: dict[str, str] | None) -> str:
    return "map[" + " ".join(f"{k}:{v}" for k, v in sorted((options or {}).items())) + "]"


def _add_cases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for table_name, table in ADD["tables"].items():
        perms = table.get("options_permutations")
        for case in table["cases"]:
            if perms is None:
                out.append({**case, "table": table_name, "gates": table.get("gates"), "id": case["name"]})
                continue
            for opts in perms:
                out.append(
                    {
                        **case,
                        "options": opts,
                        "table": table_name,
                        "id": f"options={_go_map(opts)} {case['name']}",
                    }
                )
    return out


def _start_case(case: dict[str, Any], gates_map: dict[str, bool]) -> None:
    machine = machine_of(case)
    gates = gates_of(gates_map)
    policy = make_policy(case, machine, gates)
    if "expected_new_error" in case:
        assert policy == ConfigRefusal(REFUSAL_CPU_MANAGER, case["expected_new_error"])
        return
    assert isinstance(policy, StaticPolicy)
    st = state_of(case, machine)
    initial_default = st.get_default_cpu_set()
    err = policy.start(st)
    if "expected_error" in case:
        assert err == ConfigRefusal(REFUSAL_CPU_MANAGER, case["expected_error"])
        return
    assert err is None
    if initial_default:
        for cpu in range(1, machine.num_cpus):
            assert st.get_default_cpu_set() >> cpu & 1
    assert st.get_default_cpu_set() == cpuset_spec(case["expected_default"], machine)


@params(START["cases"])
def test_static_policy_start(case: dict[str, Any]) -> None:
    _start_case(case, START["gates"])


@params(START_RESV["cases"])
def test_static_policy_start_with_resv_list(case: dict[str, Any]) -> None:
    _start_case(case, START_RESV["gates"])


def _add_case(case: dict[str, Any]) -> None:
    machine = machine_of(case)
    gates = gates_of(case.get("gates"))
    policy = make_policy(case, machine, gates)
    assert isinstance(policy, StaticPolicy), policy
    st = state_of(case, machine)
    pod = build_pod(case["pod"])
    container = pod.containers[0]
    err = policy.allocate(st, pod, container, hint_of(case.get("hint")))
    if "expected_smt" in case:
        assert err is not None
        assert err.smt == SMTAlignmentRejection(**case["expected_smt"])
        assert err.reason == REASON_SMT_ALIGNMENT
        assert err.message == err.smt.error()
    elif "expected_error" in case:
        assert err is not None
        assert err.message == case["expected_error"]
        assert err.admit_reason == REASON_UNEXPECTED
        assert err.admit_message == f"Allocate failed due to {case['expected_error']}, which is unexpected"
    else:
        assert err is None
    got = st.get_cpu_set(pod.uid, container.name)
    if case["expected_alloc"]:
        assert got is not None
        assert got == cpuset_spec(case["expected_cpuset"], machine)
        assert got & st.get_default_cpu_set() == 0
    else:
        assert got is None


@pytest.mark.parametrize("case", _add_cases(), ids=lambda c: c["id"])
def test_static_policy_add(case: dict[str, Any]) -> None:
    _add_case(case)


@params(ADD_RESV["cases"])
def test_static_policy_add_with_resv_list(case: dict[str, Any]) -> None:
    _add_case(case)


def test_static_policy_name() -> None:
    """Upstream TestStaticPolicyName (untabled): topoSingleSocketHT, 1 reserved CPU."""
    policy = make_policy(
        {"topology": "topoSingleSocketHT", "num_reserved_cpus": 1},
        machine_of({"topology": "topoSingleSocketHT"}),
        gates_of(),
    )
    assert isinstance(policy, StaticPolicy)
    assert policy.name() == "static"
