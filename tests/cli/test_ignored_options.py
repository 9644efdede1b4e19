"""No option silently ignored (podfit.cli.option_checks): an option the mode does not read, given
on the command line, is refused in one line (exit 2) naming it and what it belongs to, or warned
about where harmless; invalid counts and comma lists are refused in one line naming the option."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from podfit.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DB = str(ROOT / "examples" / "kep5526-tightly-coupled-database.yaml")
RESIZE = str(ROOT / "examples" / "memory-qos-resize-pod-level.yaml")

#: args (TMP stands for a fresh directory's path) -> the message fragment of the one-line error
REFUSED: list[tuple[list[str], str]] = [
    # scenario_input: the built-in default scenario has no workload to replicate
    (["simulate", "--replicas", "3"], "--replicas belongs to a SCENARIO file or -f workloads"),
    (["render", "--replicas", "2", "--html", "TMP/p.html"], "--replicas belongs to a SCENARIO file"),
    # upgrade: its releases are --kubelet-versions
    (["upgrade", DB, "--kubelet-version", "1.35"], "--kubelet-version belongs to the commands that answer"),
    (["upgrade", DB, "--kubelet-versions", "1.36,1.36.2"], "--kubelet-versions: 1.36 follows 1.36"),
    (["upgrade", DB, "--kubelet-versions", " , "], "--kubelet-versions: give at least one release"),
    # inspect: --machine vs --preset; --explain and --html of another mode
    (["inspect", "TMP/b.tar.gz", "--machine", "m.yaml", "--preset", "laptop-8c16t"], "--machine or --preset"),
    (["inspect", "TMP/b.tar.gz", "--explain"], "--explain belongs to --add"),
    (["inspect", "TMP/b.tar.gz", "--restart", "--explain"], "--explain belongs to --add"),
    (["inspect", "TMP/b.tar.gz", "--restart", "--html", "TMP/x.html"], "--html belongs to the report"),
    (["inspect", "TMP/b.tar.gz", "--add", "p.yaml", "--html", "TMP/x.html"], "not to --add/--restart"),
    # cgroups: one step's tree vs the diffs vs --apply-to
    (["cgroups", RESIZE, "--diff", "3..4", "--step", "2"], "--step belongs to the tree of one step"),
    (["cgroups", RESIZE, "--diff-release", "1.37", "--apply-to", "TMP/cg"], "--apply-to belongs to the tree"),
    (["cgroups", RESIZE, "--diff", "1..2", "--apply-to", "TMP/cg"], "not to --diff/--diff-release"),
    (
        ["cgroups", RESIZE, "--apply-to", "TMP/cg", "-o", "json"],
        "--output belongs to the tree, not to --apply-to",
    ),
    # capture-node: the PodResources options with --no-podresources
    (
        ["capture-node", "--out", "TMP/b.tar.gz", "--no-podresources", "--timeout", "2"],
        "--timeout belongs to the PodResources API, not to --no-podresources",
    ),
    (
        ["capture-node", "--out", "TMP/b.tar.gz", "--no-podresources", "--podresources-socket", "/s"],
        "--podresources-socket belongs to the PodResources API",
    ),
    # serve-podresources
    (["serve-podresources", DB, "--socket", "TMP/s", "--serve-for", "-1"], "'--serve-for'"),
    # webhook serve: TLS files with --insecure-http
    (
        ["webhook", "serve", "--policy", "p.yaml", "--insecure-http", "--cert", "c.pem", "--key", "k.pem"],
        "--cert belongs to TLS, not to --insecure-http",
    ),
    # webhook manifests: names the API server would refuse at apply time
    (
        ["webhook", "manifests", "--policy", "p.yaml", "--cert-manager", "--namespace", "Prod"],
        "--namespace: 'Prod'",
    ),
    (["webhook", "manifests", "--policy", "p.yaml", "--cert-manager", "--name", "9hook"], "--name: '9hook'"),
    (["webhook", "manifests", "--policy", "p.yaml", "--cert-manager", "--image", " "], "--image: ' '"),
    # fleet: another backend's option, counts, shares, comma lists
    (["fleet", "--synthetic", "--ray-address", "auto"], "--ray-address belongs to --backend ray"),
    (["fleet", "--synthetic", "--workers", "0"], "'--workers': 0 is not in the range"),
    (["fleet", "--synthetic", "--pod-count", "-5"], "'--pod-count'"),
    (["fleet", "--synthetic", "--rate", "0"], "'--rate'"),
    (["fleet", "--synthetic", "--node-count", "0"], "'--node-count'"),
    (["fleet", "--synthetic", "--cells", "0"], "'--cells'"),
    (["fleet", "--synthetic", "--gpu-share", "1.5"], "'--gpu-share'"),
    (["fleet", "--synthetic", "--max-retries", "-1"], "'--max-retries'"),
    (["fleet", "--synthetic", "--sample-interval", "0"], "'--sample-interval'"),
    (["fleet", "--synthetic", "--threads-per-core", "0"], "'--threads-per-core'"),
    (
        ["fleet", "--synthetic", "--models", "per-container,per-container"],
        "--models: per-container is given twice",
    ),
    (["fleet", "--synthetic", "--policies", ","], "--policies: give at least one value"),
    (["fleet", "--synthetic", "--versions", ""], "--versions: give at least one value"),
    (["fleet", "--synthetic", "--format", "csv,csv"], "--format: csv is given twice"),
]


def _args(args: list[str], tmp: Path) -> list[str]:
    return [a.replace("TMP", str(tmp)) for a in args]


@pytest.mark.parametrize(("args", "expect"), REFUSED, ids=[" ".join(a)[-60:] for a, _ in REFUSED])
def test_refused_in_one_line(
    args: list[str], expect: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(args, tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("podfit: error: ") and expect in err, err
    assert list(tmp_path.iterdir()) == []  # nothing written


#: the same options where their mode reads them, or at their defaults: no refusal
ACCEPTED: list[list[str]] = [
    ["simulate", DB, "--replicas", "3", "-o", "json"],
    ["simulate", "--kubelet-version", "1.35", "--strict", "-o", "json"],
    ["upgrade", DB, "--kubelet-versions", "1.35,1.36,1.35", "--gate", "on", "-o", "json"],  # and back
    ["cgroups", RESIZE, "--apply-to", "TMP/cg", "-o", "text"],  # the default, said aloud
    ["cgroups", RESIZE, "--diff-release", "1.37", "--step", "2"],
]


@pytest.mark.parametrize("args", ACCEPTED, ids=[" ".join(a)[-60:] for a in ACCEPTED])
def test_read_where_its_mode_reads_it(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(args, tmp_path)) == 0, capsys.readouterr().err
    assert "podfit: error" not in capsys.readouterr().err


def test_explain_resize_honours_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    """``--resize -o yaml`` printed the text report: -o yaml was ignored."""
    assert main(["explain", RESIZE, "--pod", "default/orders-db-0", "--resize", "-o", "yaml"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc["decision"]["pod"] == "default/orders-db-0"


def test_harmless_option_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--cert-check-interval without a certificate changes nothing: a warning line, then the run
    goes on (here to the missing policy file's error)."""
    args = ["webhook", "serve", "--policy", str(tmp_path / "none.yaml"), "--insecure-http"]
    assert main([*args, "--cert-check-interval", "5"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == (
        "podfit: warning: --cert-check-interval is ignored: --insecure-http serves no certificate"
    ), lines
    assert len(lines) == 2 and lines[1].startswith("podfit: error: ")
