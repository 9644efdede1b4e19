"""Progress feedback on stderr for anything that can take more than a second (only on a terminal:
pipes and CI logs stay clean)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

__all__ = ["counter", "progress", "spinner"]


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[Any], None]]:
    """A progress bar while ``total`` steps run; yields the function that advances it."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _item: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda _item: bar.advance(task)


@contextmanager
def counter(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar over ``total`` units; yields ``advance(n)``."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda _n: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"))
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@contextmanager
def spinner(label: str) -> Iterator[None]:
    """A spinner while a step of unknown length runs."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    with console.status(label):
        yield
