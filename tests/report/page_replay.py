"""The page's data replayed in Python the way its script replays it (render_assets.PAGE_JS), to
check that the differences hold everything a full frame holds."""

from __future__ import annotations

from typing import Any

from podfit.model.cpuset import cpus, parse_cpuset
from podfit.report.colours import owner_paint
from podfit.report.frames import Frame

View = dict[str, Any]


def _ids(text: str) -> list[int]:
    return list(cpus(parse_cpuset(text))) if text else []


def replay_page_data(data: dict[str, Any]) -> list[View]:
    """What the page shows after each step: owners (with colours), pool, memory, pods, words."""
    owners: dict[int, int] = {}
    pool: set[int] = set()
    mem: dict[int, list[int]] | None = None
    on: dict[int, int] = {}
    out = []
    for e in data["steps"]:
        for oid, text in e.get("c", ()):
            for c in _ids(text):
                owners[c] = oid
        pool ^= set(_ids(e.get("d", "")))
        if "m" in e:
            if e["m"] is None:
                mem = None
            else:
                mem = dict(mem or {})
                for row, *values in e["m"]:
                    mem[row] = values
        if "a" in e:
            name = data["pods"][e["a"]][0]
            on.pop(name, None)
            on[name] = e["a"]
        if e.get("l"):
            on.pop(e["p"], None)
        view_owners = {}
        for cpu, oid in owners.items():
            kind, pod, containers, fill, ink, edge, shared = data["owners"][oid]
            name = "" if pod < 0 else data["names"][pod][0]
            view_owners[cpu] = (data["kinds"][kind], name, containers, (fill, ink, edge), bool(shared))
        out.append(
            {
                "status": data["statuses"][e["t"]],
                "pod": None if "p" not in e else data["names"][e["p"]][0],
                "reason": None if "r" not in e else data["text"][e["r"]],
                "message": None if "g" not in e else data["text"][e["g"]],
                "owners": view_owners,
                "pool": set(pool),
                "memory": None
                if mem is None
                else {tuple(data["mem"][r]): tuple(v) for r, v in mem.items() if any(v)},
                "pods": [data["names"][n][0] for n in on],
            }
        )
    return out


def replayed_view(frame: Frame) -> View:
    """The same view computed from a full frame."""
    by_name = {p.name: p for p in frame.pods}
    memory = None
    if frame.memory is not None:
        memory = {
            (str(numa), str(t)): (int(v["allocatable"]), int(v["reserved"]), int(v["free"]))
            for numa, types in frame.memory.items()
            for t, v in types.items()
            if any(int(v[k]) for k in ("allocatable", "reserved", "free"))
        }
    return {
        "status": frame.status,
        "pod": frame.pod,
        "reason": frame.reason,
        "message": frame.message,
        "owners": {
            c: (
                o.kind,
                o.pod or "",
                ",".join(o.containers),
                owner_paint(o, None if o.pod is None else by_name.get(o.pod)),
                o.in_shared_pool,
            )
            for c, o in frame.owners.items()
        },
        "pool": set(cpus(frame.default_cpuset)),
        "memory": memory,
        "pods": [p.name for p in frame.pods],
    }
