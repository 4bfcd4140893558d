"""The fitted answer-selection model: two models fitted on data, never set by hand.

- ``unit``: P(an answer unit holds the answer) from :data:`bot.answer.features.FEATURES`, a logistic
  regression (:class:`Linear`);
- ``question``: P(the articles answer the question) from :data:`bot.answer.features.QUESTION_FEATURES`
  (computed over the ranked units), a :class:`Linear` too (the only kind of model the weights file holds);
- ``answer_threshold``: the question probability needed to answer at all (below it: refusal);
- ``extra_threshold``: the unit probability a further unit needs to join the answer.

The weights, the thresholds and a record of how they were obtained (training data, cross-validated
figures) live in ``weights.json`` beside this module, written by ``scripts/fit_answerer.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BotError
from .features import FEATURES, QUESTION_FEATURES

WEIGHTS_FILE = "weights.json"


class ModelError(BotError):
    """The answer model's weights file is missing, damaged, or fitted for other features."""

    hint = "refit it with: python scripts/fit_answerer.py"


@dataclass(frozen=True)
class Linear:
    """A standardised logistic regression: sigmoid(((x - mean) / scale) · coef + intercept)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def prob(self, rows: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        x = np.asarray(rows, dtype=np.float64)
        if x.size == 0:
            return np.zeros(0)
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "linear",
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], expected: tuple[str, ...], where: str) -> Linear:
        if not isinstance(data, Mapping):
            raise ModelError(f"the answer model {where} is damaged: a model is not an object")
        kind = data.get("kind", "linear")
        if kind != "linear":
            raise ModelError(f"the answer model {where} has a model of unknown kind {kind!r}")
        try:
            lin = cls(
                features=tuple(str(f) for f in data["features"]),
                mean=np.asarray(data["mean"], dtype=np.float64),
                scale=np.asarray(data["scale"], dtype=np.float64),
                coef=np.asarray(data["coef"], dtype=np.float64),
                intercept=float(data["intercept"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"the answer model {where} is damaged: {type(exc).__name__}: {exc}") from exc
        if lin.features != expected:
            raise ModelError(f"the answer model {where} was fitted for other features than this code computes")
        n = len(expected)
        if not (lin.mean.shape == lin.scale.shape == lin.coef.shape == (n,)) or np.any(lin.scale <= 0):
            raise ModelError(f"the answer model {where} has weights of the wrong shape")
        return lin

    @classmethod
    def neutral(cls, features: tuple[str, ...]) -> Linear:
        n = len(features)
        return cls(features, np.zeros(n), np.ones(n), np.zeros(n), 0.0)


@dataclass(frozen=True)
class AnswerModel:
    unit: Linear
    question: Linear
    answer_threshold: float
    extra_threshold: float
    #: further units may extend an answer to this many times ``Settings.max_answer_chars``
    extra_budget: float = 1.0
    #: a further unit joins a single-fact answer only when its probability is this close to the best one's
    extra_gap: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    def unit_prob(self, rows: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        return self.unit.prob(rows)

    def answer_prob(self, qfeatures: Mapping[str, float]) -> float:
        return float(self.question.prob([[qfeatures[f] for f in QUESTION_FEATURES]])[0])

    def with_thresholds(
        self, answer: float, extra: float, budget: float | None = None, gap: float | None = None
    ) -> AnswerModel:
        return AnswerModel(
            self.unit,
            self.question,
            answer,
            extra,
            self.extra_budget if budget is None else budget,
            self.extra_gap if gap is None else gap,
            self.meta,
        )

    @classmethod
    def neutral(cls) -> AnswerModel:
        """Equal odds for everything (used to collect features before any fit)."""
        return cls(Linear.neutral(FEATURES), Linear.neutral(QUESTION_FEATURES), 0.5, 0.5)

    # -- persistence ---------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit.to_json(),
            "question": self.question.to_json(),
            "answer_threshold": self.answer_threshold,
            "extra_threshold": self.extra_threshold,
            "extra_budget": self.extra_budget,
            "extra_gap": self.extra_gap,
            "meta": self.meta,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str = WEIGHTS_FILE) -> AnswerModel:
        try:
            unit, question = data["unit"], data["question"]
            answer_threshold = float(data["answer_threshold"])
            extra_threshold = float(data["extra_threshold"])
            extra_budget = float(data.get("extra_budget", 1.0))
            extra_gap = float(data.get("extra_gap", 1.0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"the answer model {where} is damaged: {type(exc).__name__}: {exc}") from exc
        meta = data.get("meta") or {}
        if not isinstance(meta, dict):
            raise ModelError(f"the answer model {where} is damaged: 'meta' is not an object")
        return cls(
            Linear.from_json(unit, FEATURES, where),
            Linear.from_json(question, QUESTION_FEATURES, where),
            answer_threshold,
            extra_threshold,
            extra_budget,
            extra_gap,
            dict(meta),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> AnswerModel:
        """The weights at ``path``, or the ones shipped with the package."""
        try:
            if path is None:
                text = (resources.files(__package__) / WEIGHTS_FILE).read_text(encoding="utf-8")
                where = f"bot/answer/{WEIGHTS_FILE}"
            else:
                text = path.read_text(encoding="utf-8")
                where = str(path)
            data = json.loads(text)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the answer model: {exc}") from exc
        if not isinstance(data, dict):
            raise ModelError(f"the answer model {where} is not a JSON object")
        return cls.from_json(data, where)


__all__ = ["WEIGHTS_FILE", "AnswerModel", "Linear", "ModelError"]
