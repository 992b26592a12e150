"""The rebalance plan: target capital per strategy turned into quantities each market allows.

Pure. Weights in, a plan out: each strategy's target capital is floored to its symbol's lot or
step (and its minimum quantity and notional); what rounding left over goes, one step at a time,
to the strategies furthest below their target, while it fits. No line ever breaks a rule: a
quantity is either 0 or a lawful one."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from vnpy.trader.constant import Direction

from lianghua_app.i18n import tr
from lianghua_app.markets import SizeRule, floor_quantity


@dataclass(frozen=True)
class Slot:
    strategy: str
    vt_symbol: str
    market: str                 # "ashare" or "crypto"
    currency: str               # the symbol's
    price: float                # in `currency`
    rule: SizeRule
    position: float             # the strategy's journaled position
    budget: float               # its current capital budget, in the base currency (0: none yet)
    to_base: float = 1.0        # base currency per unit of `currency`

    def next_quantity(self, qty: float) -> float:
        """One step more; from 0, the smallest lawful position (minimum quantity and notional)."""
        if qty > 0:
            return round(qty + self.rule.step, 12)
        smallest = max(self.rule.minimum, self.rule.step)
        if smallest * self.price * self.rule.size < self.rule.min_notional:
            steps = math.ceil(self.rule.min_notional / (self.price * self.rule.size * self.rule.step) - 1e-9)
            smallest = max(smallest, round(steps * self.rule.step, 12))
        return smallest

    def step_cost(self, qty: float) -> float:
        """What `next_quantity` adds, in the base currency."""
        return (self.next_quantity(qty) - qty) * self.price * self.rule.size * self.to_base


@dataclass
class PlanLine:
    slot: Slot
    weight_now: float
    weight_target: float
    capital_target: float       # base currency, what the weights asked for
    quantity: float             # lawful target position
    capital: float              # base currency, the rounded quantity's value: the new budget
    note: str = ""

    @property
    def order(self) -> tuple[Direction, float] | None:
        """The order that takes the strategy from its position to the target, if any."""
        delta = self.quantity - self.slot.position
        if abs(delta) < 1e-12:
            return None
        volume = abs(delta)
        if delta < 0 and self.slot.market == "ashare" and self.quantity > 0:
            volume = floor_quantity(volume, self.slot.rule, self.slot.price) or volume
        return (Direction.LONG if delta > 0 else Direction.SHORT), volume


@dataclass
class Plan:
    base: str
    total: float
    lines: list[PlanLine] = field(default_factory=list)

    @property
    def cash(self) -> float:
        return self.total - sum(line.capital for line in self.lines)


def build_plan(total: float, weights: list[float], slots: list[Slot], base: str,
               weights_now: list[float] | None = None, caps: list[float] | None = None) -> Plan:
    """`caps`: the most capital (base currency) each line may hold after the remainder is handed
    out; by default its target plus whatever is left."""
    if not total > 0:
        raise ValueError(tr("可分配资金须大于0，收到{total}", total=total))
    if len(weights) != len(slots):
        raise ValueError("one weight per slot")
    weights_now = weights_now or [slot.budget / total for slot in slots]
    lines = []
    for slot, weight, now in zip(slots, weights, weights_now, strict=True):
        target = weight * total
        line = PlanLine(slot, now, weight, target, 0.0, 0.0)
        if not slot.price > 0:
            line.note = tr("无价格，暂不分配")
        else:
            line.quantity = floor_quantity(target / slot.to_base / slot.price / slot.rule.size, slot.rule, slot.price)
            line.capital = _value(slot, line.quantity)
        lines.append(line)
    _hand_out_rest(lines, total * sum(weights), caps or [total] * len(lines))
    for line in lines:
        if line.capital_target > 0 and line.quantity == 0 and not line.note:
            line.note = tr("目标资金不足最小下单量，份额转给其他策略")
    return Plan(base, total, lines)


def _value(slot: Slot, quantity: float) -> float:
    return quantity * slot.price * slot.rule.size * slot.to_base


def _hand_out_rest(lines: list[PlanLine], invested: float, caps: list[float]) -> None:
    """What rounding left of the invested share goes to the lines furthest below their target
    (then beyond it, up to each line's cap), a whole number of steps at a time, while a step fits."""
    left = invested - sum(line.capital for line in lines)
    while True:
        candidates = [(line, cap) for line, cap in zip(lines, caps, strict=True)
                      if line.slot.price > 0 and line.capital_target > 0
                      and line.slot.step_cost(line.quantity) <= min(left, cap - line.capital) + 1e-9]
        if not candidates:
            return
        line, cap = max(candidates, key=lambda c: (c[0].capital_target - c[0].capital)
                        / c[0].slot.step_cost(c[0].quantity))
        first = line.slot.next_quantity(line.quantity)
        want = line.capital_target - line.capital
        room = min(left, cap - line.capital, want if want > 0 else left / len(candidates))
        step = line.slot.step_cost(first)
        extra = max(0, math.floor((room - line.slot.step_cost(line.quantity)) / step + 1e-9)) if step > 0 else 0
        quantity = round(first + extra * line.slot.rule.step, 12)
        before = line.capital
        line.quantity, line.capital = quantity, _value(line.slot, quantity)
        left -= line.capital - before
