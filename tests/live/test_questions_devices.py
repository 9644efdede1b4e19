"""``inspect --add`` / ``--restart`` on a node with GPUs: the device manager restarts on the bundle's
``kubelet_internal_checkpoint`` (the running pods keep their devices, a new pod gets the free ones),
with the devices the plugins report taken from the PodResources allocatable answer, the machine, or
the checkpoint itself; a file the device manager cannot read is a note and it starts empty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.kubelet.test_restart_devices import CONFIG, MACHINE, _pod
from tests.live.test_inspect import node_dir

from podfit.api.pods import pod_from_dict
from podfit.checkpoint.devices import READ_FAILED
from podfit.cli.main import main
from podfit.live.bundle import read_bundle
from podfit.live.from_node import allocatable_of
from podfit.live.inspect_load import load
from podfit.live.questions import Answer, ask
from podfit.live.values import allocatable_to_json

GPU = "nvidia.com/gpu"
G00, G01 = f"{GPU}#000#00000", f"{GPU}#000#00001"
DEVICE_FILE = "device-plugins/kubelet_internal_checkpoint"


def _bundle(tmp_path: Path) -> tuple[Path, Any]:
    scenario = tmp_path / "gpus.yaml"
    doc = {
        "kind": "Scenario",
        "metadata": {"name": "gpus"},
        "node": {"machine": MACHINE},
        "kubeletConfig": CONFIG,
        "pods": [_pod("a", 1), _pod("b", 2)],
    }
    scenario.write_text(yaml.safe_dump(doc))
    return node_dir(tmp_path / "bundle", scenario)


def _new_pod_devices(answer: Answer) -> dict[str, frozenset[str]]:
    (added,) = answer.added
    assert added.admitted and answer.result is not None and answer.result.node is not None
    return dict(answer.result.node.managers.pod_devices(added.uid) or {})


def test_add_gets_a_gpu_no_running_pod_holds(tmp_path: Path) -> None:
    directory, _ = _bundle(tmp_path)
    answer = ask(load(read_bundle(directory)), add=[pod_from_dict(_pod("c", 1, "1"))])
    assert answer.refusal is None
    assert [fate.endswith("keeps its devices") for _, fate in answer.running] == [True, True]
    assert _new_pod_devices(answer) == {"trainer": frozenset({G01})}


def test_the_devices_reported_come_from_the_allocatable_answer(tmp_path: Path) -> None:
    directory, sim = _bundle(tmp_path)
    (directory / "podresources" / "allocatable.json").write_text(
        json.dumps(allocatable_to_json(allocatable_of(sim.node)))
    )
    machine = yaml.safe_load((directory / "machine.yaml").read_text())
    del machine["node"]["devices"]  # a machine read from sysfs knows no device
    (directory / "machine.yaml").write_text(yaml.safe_dump(machine))
    answer = ask(load(read_bundle(directory)), add=[pod_from_dict(_pod("c", 1, "1"))])
    assert _new_pod_devices(answer) == {"trainer": frozenset({G01})}
    assert not any("registered ones" in n for n in answer.notes)


def test_without_allocatable_answer_nor_machine_devices_the_checkpoint_lists_them(tmp_path: Path) -> None:
    directory, _ = _bundle(tmp_path)
    machine = yaml.safe_load((directory / "machine.yaml").read_text())
    del machine["node"]["devices"]
    (directory / "machine.yaml").write_text(yaml.safe_dump(machine))
    answer = ask(load(read_bundle(directory)), add=[pod_from_dict(_pod("c", 1, "1"))])
    assert any("the checkpoint's registered ones" in n for n in answer.notes)
    assert [fate.endswith("keeps its devices") for _, fate in answer.running] == [True, True]
    # G01, the free GPU, is held by no entry: its NUMA node is unknown, so no NUMA mask holds it
    # and single-numa-node cannot align it (the note says to capture the allocatable answer)
    (added,) = answer.added
    assert (added.admitted, added.reason) == (False, "TopologyAffinityError")


def test_an_unreadable_device_file_is_a_note_and_the_manager_starts_empty(tmp_path: Path) -> None:
    directory, _ = _bundle(tmp_path)
    damaged = directory / DEVICE_FILE
    damaged.write_text(damaged.read_text().replace('"Checksum":', '"Checksum":9'))
    answer = ask(load(read_bundle(directory)), add=[pod_from_dict(_pod("c", 1, "1"))])
    assert f'"{READ_FAILED}" err="checkpoint is corrupted"' in " ".join(answer.notes)
    # the running pods' containers are left alone (no device recorded): c is given a's GPU
    assert answer.running[0][1].endswith("keeps its assignments (trainer 1-2)")
    assert _new_pod_devices(answer) == {"trainer": frozenset({G00})}


@pytest.mark.parametrize("flag", ["--restart", "--add"])
def test_the_cli_answers_on_a_gpu_node(tmp_path: Path, flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    directory, _ = _bundle(tmp_path)
    args = ["inspect", str(directory), flag]
    if flag == "--add":
        (tmp_path / "c.yaml").write_text(yaml.safe_dump(_pod("c", 1, "1")))
        args.append(str(tmp_path / "c.yaml"))
    assert main(args) == 0
    assert "keeps its devices" in capsys.readouterr().out
