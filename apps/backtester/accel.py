"""Faster per-bar indicator work for strategies in a backtest, with bit-identical values.

Most of a vnpy strategy's time per bar goes to its `ArrayManager`: seven array shifts, and
TA-Lib calls through talib's pandas/polars argument check. `accelerate` switches a
strategy's array managers to `FastArrayManager`, which shifts one block in one copy (the familiar
`close_array` etc. stay the same objects, as rows of it) and runs vnpy's own indicator methods,
recompiled to call TA-Lib's compiled functions directly with the same numpy arrays."""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types

import numpy as np
import talib
from vnpy.trader import utility
from vnpy.trader.object import BarData
from vnpy.trader.utility import ArrayManager

FIELDS = ("open_array", "high_array", "low_array", "close_array", "volume_array", "turnover_array",
          "open_interest_array")


_add = np.add.reduce
_FLOAT64 = np.dtype(np.float64)


class IndicatorArray(np.ndarray):
    """An indicator's output as `FastArrayManager` returns it with `array=True`. Strategies often
    average a tail of it (`atr_array[-20:].mean()`); numpy's `mean` spends most of its time on
    Python-level argument handling, so the plain whole-array case is the same pairwise `add.reduce`
    divided by the count, which gives the same value bit for bit."""

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        if axis is dtype is out is None and not keepdims and not kwargs and self.dtype is _FLOAT64 \
                and self.ndim == 1 and self.size:
            return _add(self.view(np.ndarray)) / self.size
        return super().mean(axis, dtype, out, keepdims, **kwargs)


class FastArrayManager(ArrayManager):
    _flat: np.ndarray           # the 7 x size block, row after row
    _last: np.ndarray           # its last column
    _bytes: memoryview          # the block's memory, for the shift
    _doubles: memoryview        # the same as doubles, for the last column
    _ends: tuple[int, ...]      # the last column's positions in it

    def update_bar(self, bar: BarData) -> None:
        self.count += 1
        if not self.inited and self.count >= self.size:
            self.inited = True
        # One shift of the whole block moves every row left; the value that crosses into the end
        # of the row above lands in the last column, which is overwritten next. A memoryview
        # copies without numpy's indexing machinery (and keeps the GIL: the block is small).
        self._bytes[:-8] = self._bytes[8:]
        doubles, (o, h, low, c, v, t, oi) = self._doubles, self._ends
        try:
            doubles[o] = bar.open_price
            doubles[h] = bar.high_price
            doubles[low] = bar.low_price
            doubles[c] = bar.close_price
            doubles[v] = bar.volume
            doubles[t] = bar.turnover
            doubles[oi] = bar.open_interest
        except TypeError:           # a value that is not a float (an int volume): numpy converts it
            self._last[:] = (bar.open_price, bar.high_price, bar.low_price, bar.close_price, bar.volume,
                             bar.turnover, bar.open_interest)


class _Direct(ast.NodeTransformer):
    """In one of vnpy's indicator methods: read the arrays instead of their properties, and
    return arrays (the `if array:` branch) as `IndicatorArray` views. `talib` itself is bound to
    the compiled functions through the method's globals."""

    PROPERTIES = {name.removesuffix("_array") for name in FIELDS}

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.PROPERTIES \
                and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Attribute(node.value, node.attr + "_array", node.ctx), node)
        return node

    def visit_If(self, node: ast.If) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.test, ast.Name) and node.test.id == "array":
            for statement in node.body:
                if isinstance(statement, ast.Return) and statement.value is not None:
                    statement.value = _viewed(statement.value)
        return node


def _viewed(value: ast.expr) -> ast.expr:
    """`name` becomes `name.view(IndicatorArray)`, in a tuple too; anything else stays as vnpy wrote it."""
    if isinstance(value, ast.Tuple):
        return ast.Tuple([_viewed(element) for element in value.elts], ast.Load())
    if not isinstance(value, ast.Name):
        return value
    return ast.Call(ast.Attribute(value, "view", ast.Load()), [ast.Name("IndicatorArray", ast.Load())], [])


def _direct_methods() -> dict[str, types.FunctionType]:
    """vnpy's indicator methods recompiled by `_Direct`; none when vnpy's source cannot be read
    (the plain methods then run, with the same values)."""
    try:
        lines, first = inspect.getsourcelines(ArrayManager)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return {}
    ast.increment_lineno(tree, first - 1)           # tracebacks point into vnpy's file
    found = {node.name: node for node in tree.body[0].body if isinstance(node, ast.FunctionDef)}
    names = [name for name, member in vars(ArrayManager).items()
             if isinstance(member, types.FunctionType) and "talib" in member.__code__.co_names and name in found]
    module = ast.Module([_Direct().visit(found[name]) for name in names], [])
    for node in module.body:
        node.decorator_list = []
    functions = {name: getattr(talib, name) for name in talib.get_functions()}
    compiled = types.SimpleNamespace(**{name: getattr(f, "__wrapped__", f) for name, f in functions.items()})
    namespace: dict = dict(vars(utility), IndicatorArray=IndicatorArray, talib=compiled)
    exec(compile(ast.fix_missing_locations(module), inspect.getsourcefile(ArrayManager) or "<vnpy>", "exec"),
         namespace)
    return {name: namespace[name] for name in names}


for _name, _method in _direct_methods().items():
    setattr(FastArrayManager, _name, _method)


def _references(manager: ArrayManager) -> int:
    """How many references its arrays have, the manager's own included (views count too)."""
    fields = vars(manager)
    return sum(sys.getrefcount(fields[name]) for name in FIELDS)


_ONLY_ITS_OWN = _references(ArrayManager(3))


def accelerate(strategy: object) -> int:
    """Switch the plain `ArrayManager`s among the strategy's attributes; returns how many. One whose
    arrays something else holds (`self.closes = self.am.close_array` in `on_init`) stays vnpy's:
    the switch would leave that reference on an array that no longer moves."""
    switched = 0
    for value in vars(strategy).values():
        if type(value) is ArrayManager and _references(value) <= _ONLY_ITS_OWN:
            block = np.vstack([getattr(value, name) for name in FIELDS])
            value.__class__ = FastArrayManager
            value._flat = block.reshape(-1)
            value._last = block[:, -1]
            value._doubles = memoryview(value._flat)
            value._bytes = value._doubles.cast("B")
            value._ends = tuple(row * value.size + value.size - 1 for row in range(len(FIELDS)))
            for row, name in zip(block, FIELDS, strict=True):
                setattr(value, name, row)
            switched += 1
    return switched
