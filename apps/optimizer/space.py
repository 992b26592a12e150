"""What to search: parameter ranges, the target and the constraints, parsed from the words a
user types (`fast_window=5:30:5`, `mode=a,b`, `trade_count>=10`) and checked before anything runs."""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from apps.backtester.stats import NUMERIC_STATISTICS
from lianghua_app.i18n import tr


class OptimizeError(ValueError):
    """Bad input, said in words a user can act on."""


@dataclass(frozen=True)
class Param:
    name: str
    values: tuple

    def index(self, value) -> int:
        return self.values.index(value)


def grid_values(start: float, stop: float, step: float) -> list[float]:
    """start, start+step, ... up to stop, with stop included when it lies on the grid. Counted in
    decimals, so 0.1:0.3:0.1 gives 0.1, 0.2, 0.3 and never 0.30000000000000004."""
    if step == 0:
        raise OptimizeError(tr("步长不能为0"))
    if step < 0:
        raise OptimizeError(tr("步长应为正数，收到{step}", step=step))
    first, last, stride = (Decimal(str(v)) for v in (start, stop, step))
    count = int((last - first) / stride) + 1 if last >= first else 0
    return [float(first + stride * i) for i in range(count)]


def parse_param(text: str, strategy_class: type) -> Param:
    """`name=start:stop:step`, `name=a,b,c` or `name=value`, typed like the strategy's default."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    allowed = list(getattr(strategy_class, "parameters", []))
    if name not in allowed:
        raise OptimizeError(tr("策略{strategy}没有参数“{name}”；可用参数：{allowed}",
                               strategy=strategy_class.__name__, name=name, allowed=", ".join(allowed)))
    if not sep or not spec:
        raise OptimizeError(tr("参数{name}的范围应写成 起点:终点:步长 或 a,b,c", name=name))
    default = getattr(strategy_class, name)
    kind = type(default)
    try:
        if ":" in spec:
            if kind not in (int, float):
                raise OptimizeError(tr("参数{name}不是数值，只能列出取值 a,b,c", name=name))
            parts = spec.split(":")
            if len(parts) != 3:
                raise OptimizeError(tr("参数{name}的范围应写成 起点:终点:步长，收到“{spec}”", name=name, spec=spec))
            raw = grid_values(*(float(part) for part in parts))
            values = [_typed(kind, v, name) for v in raw]
        else:
            values = [_typed(kind, item.strip(), name) for item in spec.split(",") if item.strip()]
    except ValueError as error:
        if isinstance(error, OptimizeError):
            raise
        raise OptimizeError(tr("参数{name}应为{kind}，收到“{value}”", name=name, kind=kind.__name__,
                               value=spec)) from error
    if not values:
        raise OptimizeError(tr("参数{name}的范围“{spec}”没有任何取值（起点大于终点？）", name=name, spec=spec))
    return Param(name, tuple(dict.fromkeys(values)))


def _typed(kind: type, value, name: str):
    if kind is bool:
        return str(value).lower() in ("1", "true", "yes")
    if kind is int:
        number = float(value)
        if not number.is_integer():
            raise OptimizeError(tr("参数{name}是整数，取值{value}不是整数", name=name, value=value))
        return int(number)
    return kind(value)


class Space:
    """The grid of all combinations; points are dicts, positions are index tuples."""

    def __init__(self, params: list[Param]) -> None:
        names = [p.name for p in params]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate:
            raise OptimizeError(tr("参数{name}给了两次", name=duplicate))
        if not params:
            raise OptimizeError(tr("至少给出一个参数范围，例如 --param fast_window=5:30:5"))
        self.params = params
        self.size = math.prod(len(p.values) for p in params)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def point(self, position: tuple[int, ...]) -> dict:
        return {p.name: p.values[i] for p, i in zip(self.params, position, strict=True)}

    def position(self, point: dict) -> tuple[int, ...]:
        return tuple(p.index(point[p.name]) for p in self.params)

    def grid(self) -> Iterator[dict]:
        for position in itertools.product(*(range(len(p.values)) for p in self.params)):
            yield self.point(position)

    def neighbours(self, point: dict) -> list[dict]:
        """The points one grid step away along each parameter (corners excluded)."""
        base = self.position(point)
        found = []
        for axis, param in enumerate(self.params):
            for delta in (-1, 1):
                i = base[axis] + delta
                if 0 <= i < len(param.values):
                    found.append(self.point(base[:axis] + (i,) + base[axis + 1:]))
        return found


def check_statistic(name: str) -> str:
    if name not in NUMERIC_STATISTICS:
        raise OptimizeError(tr("未知统计指标“{name}”；可用：{allowed}", name=name,
                               allowed=", ".join(NUMERIC_STATISTICS)))
    return name


_OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Constraint:
    statistic: str
    op: str
    limit: float

    def holds(self, statistics: dict) -> bool:
        value = statistics.get(self.statistic)
        return value is not None and _OPERATORS[self.op](float(value), self.limit)

    def __str__(self) -> str:
        return f"{self.statistic}{self.op}{self.limit:g}"


def parse_constraint(text: str) -> Constraint:
    match = re.fullmatch(r"\s*([a-z_0-9]+)\s*(>=|<=|==|>|<)\s*(-?[0-9.eE+-]+)\s*", text)
    if not match:
        raise OptimizeError(tr("约束应写成 指标>=数值，例如 trade_count>=10，收到“{value}”", value=text))
    try:
        limit = float(match.group(3))
    except ValueError as error:
        raise OptimizeError(tr("约束“{value}”的数值无法识别", value=text)) from error
    return Constraint(check_statistic(match.group(1)), match.group(2), limit)


@dataclass(frozen=True)
class Target:
    statistic: str
    minimize: bool = False

    def score(self, statistics: dict) -> float:
        """Larger is better whichever the direction, for ranking and for the samplers."""
        value = float(statistics.get(self.statistic) or 0.0)
        if math.isnan(value):
            return -math.inf
        return -value if self.minimize else value
