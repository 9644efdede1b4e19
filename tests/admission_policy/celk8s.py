"""A CEL evaluator with the Kubernetes CEL libraries the generated policies use, for the tests:
cel-python (pure Python CEL) plus the Kubernetes quantity library (``quantity``, ``isQuantity``,
``isInteger``, ``asInteger``, ``asApproximateFloat``, ``sign``, ``compareTo``, ``isGreaterThan``,
``isLessThan``, ``add``, ``sub``) and the list functions ``sum`` and ``indexOf``, written here on
podfit's own quantity parser (k8s.io/apiserver/pkg/cel/library quantity.go and lists.go semantics:
a quantity is a resource.Quantity; ``isInteger`` is "fits an int64 without losing precision").

A ValidatingAdmissionPolicy is evaluated as the API server does: its ``variables`` in order (each
sees the ones before it), then each validation's expression (true: the pod passes).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import celpy
from celpy import celtypes

from podfit.model.quantity import parse_quantity

INT64 = 2**63


class CelQuantity:
    """A resource.Quantity as the CEL quantity library holds it (exact value as a fraction)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.value: Fraction = parse_quantity(text).exact


def _q(x: Any) -> CelQuantity:
    if not isinstance(x, CelQuantity):
        raise celpy.CELEvalError(f"not a quantity: {x!r}")
    return x


def quantity(text: Any) -> CelQuantity:
    return CelQuantity(str(text))


def is_quantity(text: Any) -> celtypes.BoolType:
    try:
        parse_quantity(str(text))
    except ValueError:
        return celtypes.BoolType(False)
    return celtypes.BoolType(True)


def is_integer(q: Any) -> celtypes.BoolType:
    v = _q(q).value
    return celtypes.BoolType(v.denominator == 1 and -INT64 <= v.numerator < INT64)


def as_integer(q: Any) -> celtypes.IntType:
    v = _q(q).value
    if v.denominator != 1 or not -INT64 <= v.numerator < INT64:
        raise celpy.CELEvalError("cannot convert value to integer")
    return celtypes.IntType(v.numerator)


def functions() -> dict[str, Any]:
    return {
        "quantity": quantity,
        "isQuantity": is_quantity,
        "isInteger": is_integer,
        "asInteger": as_integer,
        "asApproximateFloat": lambda q: celtypes.DoubleType(float(_q(q).value)),
        "sign": lambda q: celtypes.IntType((_q(q).value > 0) - (_q(q).value < 0)),
        "compareTo": lambda a, b: celtypes.IntType((_q(a).value > _q(b).value) - (_q(a).value < _q(b).value)),
        "isGreaterThan": lambda a, b: celtypes.BoolType(_q(a).value > _q(b).value),
        "isLessThan": lambda a, b: celtypes.BoolType(_q(a).value < _q(b).value),
        "sum": lambda items: celtypes.IntType(sum(int(i) for i in items)),
        "indexOf": lambda items, item: celtypes.IntType(list(items).index(item) if item in items else -1),
    }


class PolicyEvaluator:
    """One ValidatingAdmissionPolicy's variables and validations, compiled once."""

    def __init__(self, vap: dict[str, Any]) -> None:
        env = celpy.Environment()
        fns = functions()
        spec = vap["spec"]
        self.variables = [
            (v["name"], env.program(env.compile(v["expression"]), functions=fns)) for v in spec["variables"]
        ]
        self.validations = [
            env.program(env.compile(v["expression"]), functions=fns) for v in spec["validations"]
        ]

    def passes(self, pod: dict[str, Any]) -> bool:
        """True when every validation holds for ``pod`` (the admitted object)."""
        obj = celpy.json_to_cel(pod)
        values: dict[str, Any] = {}
        for name, program in self.variables:
            values[name] = program.evaluate({"object": obj, "variables": celtypes.MapType(values)})
        activation = {"object": obj, "variables": celtypes.MapType(values)}
        results = [program.evaluate(activation) for program in self.validations]
        for r in results:
            if isinstance(r, celpy.CELEvalError):
                raise r
        return all(bool(r) for r in results)
