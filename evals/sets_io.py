"""Reading question sets (YAML) with errors that name the file and the question."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from errors import ConfigError
from evals.metrics import METRICS, Case


@dataclass
class QuestionSet:
    name: str
    path: Path
    cases: list[Case]
    sources: list[Path] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    # "calibration" (may tune on it), "test" (never), "pool" (to be split into the two)
    purpose: str | None = None


def load_set(path: Path) -> QuestionSet:
    """Parse and validate one set file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such question set") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'questions' list")
    thresholds = {str(k): float(v) for k, v in (data.get("thresholds") or {}).items()}
    unknown = set(thresholds) - set(METRICS)
    if unknown:
        raise ConfigError(f"{path}: unknown threshold metric(s) {sorted(unknown)}")
    cases, seen = [], set()
    for i, raw in enumerate(data["questions"], start=1):
        where = f"{path}: question {i}"
        if not isinstance(raw, dict) or "id" not in raw:
            raise ConfigError(f"{where}: each question needs an 'id'")
        if raw["id"] in seen:
            raise ConfigError(f"{where}: duplicate id {raw['id']!r}")
        seen.add(raw["id"])
        turns = raw.get("turns") or ([raw["question"]] if raw.get("question") else [])
        if not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise ConfigError(f"{where} ({raw['id']}): needs 'question' or non-empty 'turns'")
        answerable = bool(raw.get("answerable", True))
        expected = frozenset(
            (str(e["source"]), int(e["paragraph"])) for e in raw.get("expected") or []
        )
        if answerable and not expected:
            raise ConfigError(f"{where} ({raw['id']}): an answerable question needs 'expected'")
        cases.append(
            Case(
                id=str(raw["id"]),
                turns=[str(t) for t in turns],
                expected=expected,
                answer_keywords=tuple(str(k) for k in raw.get("answer_keywords") or []),
                reference_answer=raw.get("reference_answer"),
                answerable=answerable,
            )
        )
    sources = [(path.parent / s).resolve() for s in data.get("sources") or []]
    purpose = data.get("purpose")
    if purpose not in (None, "calibration", "test", "pool"):
        raise ConfigError(
            f"{path}: purpose must be 'calibration', 'test' or 'pool', not {purpose!r}"
        )
    name = str(data.get("name") or path.stem)
    return QuestionSet(name, path, cases, sources, thresholds, purpose)
