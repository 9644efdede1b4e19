"""The kubelet release as an input: ``node.kubeletVersion`` and ``--kubelet-version``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from podfit.api.scenario import decode_kubelet_version, scenario_from_dict
from podfit.cli.main import main
from podfit.errors import InputError
from podfit.release import DEFAULT_RELEASE, SUPPORTED_RELEASES, parse_kubelet_version

NODE = {"machine": {"sockets": 1, "coresPerNUMANode": 2, "threadsPerCore": 1}}
KC = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1.35", "1.35"),
        ("v1.35.3", "1.35"),
        ("1.36.2-gke.1000", "1.36"),
        ("1.33.0", "1.33"),
        ("v1.37.1+k3s1", "1.37"),
        ("1.32", None),
        ("2.0", None),
        ("one.two", None),
        ("1.3x", None),
    ],
)
def test_versions_map_to_their_minor(text: str, minor: str | None) -> None:
    assert parse_kubelet_version(text) == minor


def test_default_and_supported() -> None:
    assert DEFAULT_RELEASE == "1.36" and DEFAULT_RELEASE in SUPPORTED_RELEASES
    assert scenario_from_dict({"node": NODE, "kubeletConfig": KC}).kubelet_version == "1.36"
    assert (
        scenario_from_dict(
            {"node": {**NODE, "kubeletVersion": "v1.34.2"}, "kubeletConfig": KC}
        ).kubelet_version
        == "1.34"
    )


@pytest.mark.parametrize("bad", ["1.31", "", "latest", True, ["1.35"]])
def test_unsupported_versions_name_the_field(bad: object) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict({"node": {**NODE, "kubeletVersion": bad}})
    assert info.value.field == "node.kubeletVersion"


def test_decode_float_like_yaml_version() -> None:
    """``kubeletVersion: 1.35`` unquoted in YAML is a float: read as the release it spells."""
    assert decode_kubelet_version(1.35, "node.kubeletVersion") == "1.35"


def test_cli_flag_overrides_and_bad_flag_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = CliRunner().invoke(
        __import__("podfit.cli.main", fromlist=["cli"]).cli,
        ["simulate", "--kubelet-version", "1.35", "-o", "json"],
    )
    assert result.exit_code == 0, result.output
    assert main(["simulate", "--kubelet-version", "1.30"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("podfit: error: --kubelet-version: unsupported kubelet version '1.30'")
