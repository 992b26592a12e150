"""How to search: each method proposes batches of grid points and is told their scores (larger
is better). Batches have a fixed size and scores are told in the order asked, so a run gives the
same points and the same best whether trials run serially, on a pool or on a cluster."""

from __future__ import annotations

import random

from lianghua_app.i18n import tr

from .space import OptimizeError, Space

METHODS = ("grid", "random", "ga", "bayes")
SAMPLERS = ("tpe", "cmaes")


class Search:
    def __init__(self, space: Space, budget: int) -> None:
        self.space = space
        self.budget = min(budget, space.size)
        self.scores: dict[tuple, float] = {}        # position -> score, every point evaluated

    def ask(self) -> list[dict]:
        """The next batch to evaluate; empty when the search is over."""
        raise NotImplementedError

    def tell(self, point: dict, score: float) -> None:
        self.scores[self.space.position(point)] = score


class GridSearch(Search):
    def __init__(self, space: Space, budget: int = 0) -> None:
        super().__init__(space, space.size)
        self.asked = False

    def ask(self) -> list[dict]:
        if self.asked:
            return []
        self.asked = True
        return list(self.space.grid())


class RandomSearch(Search):
    def __init__(self, space: Space, budget: int, seed: int = 7) -> None:
        super().__init__(space, budget)
        self.rng = random.Random(seed)
        self.asked = False

    def ask(self) -> list[dict]:
        if self.asked:
            return []
        self.asked = True
        sizes = [len(p.values) for p in self.space.params]
        chosen: dict[tuple, None] = {}
        while len(chosen) < self.budget:
            chosen[tuple(self.rng.randrange(n) for n in sizes)] = None
        return [self.space.point(position) for position in chosen]


class GeneticSearch(Search):
    """DEAP's operators on grid positions: tournament selection, uniform crossover, a mutation that
    moves a gene to a random grid value. Known points are never evaluated twice."""

    def __init__(self, space: Space, budget: int, seed: int = 7, population: int = 16,
                 crossover: float = 0.7, mutation: float = 0.3) -> None:
        super().__init__(space, budget)
        from deap import tools

        self.tools = tools
        self.rng = random.Random(seed)
        self.size = max(4, min(population, self.budget))
        self.crossover, self.mutation = crossover, mutation
        self.sizes = [len(p.values) for p in space.params]
        self.population = [self._random() for _ in range(self.size)]
        self.stale = 0

    def _random(self) -> list[int]:
        return [self.rng.randrange(n) for n in self.sizes]

    def ask(self) -> list[dict]:
        while len(self.scores) < self.budget and self.stale < 20:
            new = list(dict.fromkeys(tuple(i) for i in self.population if tuple(i) not in self.scores))
            new = new[:self.budget - len(self.scores)]
            if new:
                self.stale = 0
                return [self.space.point(position) for position in new]
            self.stale += 1
            self._next_generation()
        return []

    def tell(self, point: dict, score: float) -> None:
        super().tell(point, score)
        if len(self.scores) < self.budget and all(tuple(i) in self.scores for i in self.population):
            self._next_generation()

    def _next_generation(self) -> None:
        # deap's operators draw from the module `random`: seed it from ours so runs repeat, and
        # give the rest of the process its state back afterwards.
        saved = random.getstate()
        random.seed(self.rng.random())
        try:
            self._breed()
        finally:
            random.setstate(saved)

    def _breed(self) -> None:
        ranked = sorted(self.population, key=lambda i: self.scores.get(tuple(i), float("-inf")), reverse=True)
        elite = [list(i) for i in ranked[:2]]
        chosen = [list(i) for i in self._select(len(self.population) - len(elite))]
        for a, b in zip(chosen[::2], chosen[1::2], strict=False):
            if self.rng.random() < self.crossover:
                self.tools.cxUniform(a, b, 0.5)
        for individual in chosen:
            if self.rng.random() < self.mutation:
                self.tools.mutUniformInt(individual, [0] * len(self.sizes), [n - 1 for n in self.sizes], 0.5)
        self.population = elite + chosen

    def _select(self, count: int) -> list[list[int]]:
        picks = []
        for _ in range(count):
            entrants = [self.population[self.rng.randrange(len(self.population))] for _ in range(3)]
            picks.append(max(entrants, key=lambda i: self.scores.get(tuple(i), float("-inf"))))
        return picks


class BayesSearch(Search):
    """optuna's TPE (or CMA-ES) over grid positions, asked `batch` points at a time."""

    def __init__(self, space: Space, budget: int, seed: int = 7, sampler: str = "tpe", batch: int = 4) -> None:
        super().__init__(space, budget)
        try:
            import optuna
        except ImportError as error:
            raise OptimizeError(tr("未安装optuna：pip install optuna")) from error
        if sampler not in SAMPLERS:
            raise OptimizeError(tr("未知采样器“{name}”；可用：{allowed}", name=sampler, allowed=", ".join(SAMPLERS)))
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        chosen = optuna.samplers.TPESampler(seed=seed) if sampler == "tpe" else \
            optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
        self.optuna = optuna
        self.study = optuna.create_study(direction="maximize", sampler=chosen)
        self.batch = batch
        self.asked: dict[tuple, list] = {}       # position -> optuna trials waiting for its score
        self.misses = 0

    def ask(self) -> list[dict]:
        batch: list[dict] = []
        while len(batch) < self.batch and len(self.scores) + len(batch) < self.budget and self.misses < 200:
            trial = self.study.ask()
            position = tuple(trial.suggest_int(p.name, 0, len(p.values) - 1) for p in self.space.params)
            if position in self.scores:                  # known: answer from memory, costs no backtest
                self.study.tell(trial, self.scores[position])
                self.misses += 1
                continue
            if position in self.asked:
                self.misses += 1
            else:
                batch.append(self.space.point(position))
            self.asked.setdefault(position, []).append(trial)
        return batch

    def tell(self, point: dict, score: float) -> None:
        super().tell(point, score)
        for trial in self.asked.pop(self.space.position(point), []):
            if score == float("-inf"):
                self.study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
            else:
                self.study.tell(trial, score)


def make_search(method: str, space: Space, budget: int, seed: int = 7, sampler: str = "tpe") -> Search:
    if method == "grid":
        return GridSearch(space)
    if budget < 1:
        raise OptimizeError(tr("试验次数应至少为1，收到{value}", value=budget))
    if method == "random":
        return RandomSearch(space, budget, seed)
    if method == "ga":
        return GeneticSearch(space, budget, seed)
    if method == "bayes":
        return BayesSearch(space, budget, seed, sampler)
    raise OptimizeError(tr("未知优化方法“{name}”；可用：{allowed}", name=method, allowed=", ".join(METHODS)))
