"""Reading question sets (YAML), checked whole before anything runs.

A set is checked in two passes, and every problem is reported at once, each naming
the file, the question id and the key:

1. its shape (pydantic models below): unknown keys (a misspelled ``paragrph``),
   wrong types (``expected`` as a mapping, a threshold of ``high``), missing keys,
   no questions, duplicate ids, threshold names that are no metric;
2. its sources, read and split exactly as ``python -m ingest`` would: every listed
   source exists and can be ingested, and every expected paragraph names one of
   them and exists there (and is not a heading, which is never cited).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from errors import ConfigError
from evals.metrics import METRICS, Case
from ingest.outline import outline

MAX_SOURCE_BYTES = 50_000_000  # the ingest's default per-file limit
MAX_PROBLEMS_SHOWN = 30


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ExpectedParagraph(_Strict):
    source: Annotated[str, Field(min_length=1)]
    paragraph: Annotated[int, Field(ge=1, strict=True)]


class QuestionSpec(_Strict):
    id: str | int
    question: Annotated[str, Field(min_length=1)] | None = None
    turns: list[Annotated[str, Field(min_length=1)]] | None = None
    expected: list[ExpectedParagraph] = Field(default_factory=list)
    answer_keywords: list[str] = Field(default_factory=list)
    reference_answer: str | None = None
    answerable: bool = True
    kind: str | None = None
    missing: str | list[str] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> QuestionSpec:
        if (self.question is None) == (self.turns is None):
            raise ValueError("give either 'question' or 'turns' (a list of questions), not both")
        if self.turns is not None and not self.turns:
            raise ValueError("'turns' is empty")
        if self.answerable and not self.expected:
            raise ValueError(
                "an answerable question needs 'expected' (or 'answerable: false' if the "
                "sources do not answer it)"
            )
        if not self.answerable and self.expected:
            raise ValueError("an unanswerable question ('answerable: false') has no 'expected'")
        return self


class SetSpec(_Strict):
    name: Annotated[str, Field(min_length=1)] | None = None
    purpose: Literal["calibration", "test", "pool"] | None = None
    description: str | None = None
    sources: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    thresholds: dict[str, Annotated[float, Field(strict=True)]] = Field(default_factory=dict)
    questions: Annotated[list[QuestionSpec], Field(min_length=1)]


@dataclass
class QuestionSet:
    name: str
    path: Path
    cases: list[Case]
    sources: list[Path] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    # "calibration" (may tune on it), "test" (never), "pool" (to be split into the two)
    purpose: str | None = None
    description: str | None = None


def load_set(path: Path | str, check_sources: bool = True) -> QuestionSet:
    """Parse and check one set file; ``ConfigError`` lists every problem found."""
    path = Path(path)
    data = _read_yaml(path)
    raw_questions = data.get("questions") if isinstance(data, dict) else None
    try:
        spec = SetSpec.model_validate(data)
    except ValidationError as exc:
        raise _problems(path, [_describe(e, raw_questions) for e in exc.errors()]) from None
    problems = _check_names(spec, raw_questions)
    sources = [(path.parent / s).resolve() for s in spec.sources]
    if check_sources and not problems:
        problems += _check_sources(spec, sources)
    if problems:
        raise _problems(path, problems)
    return QuestionSet(
        name=spec.name or path.stem,
        path=path,
        cases=[_case(q) for q in spec.questions],
        sources=sources,
        thresholds=dict(spec.thresholds),
        purpose=spec.purpose,
        description=spec.description,
    )


def load_sets(paths: list[Path]) -> list[QuestionSet]:
    """Every set checked before any runs; one ``ConfigError`` naming every bad file."""
    sets, failures = [], []
    for path in paths:
        try:
            sets.append(load_set(path))
        except ConfigError as exc:
            failures.append(str(exc))
    names: dict[str, Path] = {}
    for qset in sets:
        if qset.name in names:
            failures.append(
                f"{qset.path}: the set name {qset.name!r} is also the name of {names[qset.name]}; "
                "their reports would overwrite each other. Give one a different 'name'."
            )
        names[qset.name] = qset.path
    if failures:
        raise ConfigError("\n".join(failures))
    return sets


# -- reading ------------------------------------------------------------------------
def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such question set") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc).replace("\n", " ")
        raise ConfigError(f"{path}: not valid YAML{at}: {what}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: a question set is a mapping with 'questions' (and optionally name, "
            "purpose, description, sources, thresholds); this file is not a mapping"
        )
    return data


def _case(q: QuestionSpec) -> Case:
    return Case(
        id=str(q.id),
        turns=list(q.turns) if q.turns is not None else [str(q.question)],
        expected=frozenset((e.source, e.paragraph) for e in q.expected),
        answer_keywords=tuple(q.answer_keywords),
        reference_answer=q.reference_answer,
        answerable=q.answerable,
    )


# -- problems, in words -------------------------------------------------------------
def _problems(path: Path, problems: list[str]) -> ConfigError:
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    lines = [f"{path}: {p}" for p in shown] + ([f"{path}: … and {more} more"] if more else [])
    return ConfigError("\n".join(lines))


def _where(loc: tuple[Any, ...], raw_questions: Any) -> tuple[str, tuple[Any, ...]]:
    """``question 'id'`` for a location inside the questions list, and the rest of it."""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        raw = raw_questions[loc[1]] if isinstance(raw_questions, list) else None
        qid = raw.get("id") if isinstance(raw, dict) else None
        name = f"question {qid!r}" if qid is not None else f"question #{loc[1] + 1} (no id)"
        return name + ": ", loc[2:]
    return "", loc


def _key(loc: tuple[Any, ...]) -> str:
    """``expected[0].paragraph`` from pydantic's location tuple.

    >>> _key(("expected", 0, "paragraph"))
    'expected[0].paragraph'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-", "constrained-")):
            out += f".{part}" if out else str(part)
    return out


_ALLOWED = {
    "": SetSpec.model_fields,
    "question": QuestionSpec.model_fields,
    "expected": ExpectedParagraph.model_fields,
}


def _describe(error: Any, raw_questions: Any) -> str:
    where, loc = _where(tuple(error["loc"]), raw_questions)
    key = _key(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        scope = "expected" if "expected" in loc[:-1] else "question" if where else ""
        allowed = list(_ALLOWED[scope])
        close = difflib.get_close_matches(unknown, allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{where}{key}: unknown key ({hint}allowed: {', '.join(allowed)})"
    if kind == "missing":
        return f"{where}{key}: missing"
    if kind in ("list_type",) and loc and loc[-1] == "expected":
        return (
            f"{where}{key}: should be a list of {{source, paragraph}} mappings, "
            f"e.g. [{{source: a.txt, paragraph: 6}}]; got {error['input']!r}"
        )
    if kind == "too_short" and loc == ("questions",):
        return "questions: the set has no questions"
    message = error["msg"].removeprefix("Value error, ")
    shown = f" (got {error['input']!r})" if kind not in ("value_error",) else ""
    if not key:
        return f"{where or 'the set: '}{message}{shown}"
    return f"{where}{key}: {message}{shown}"


def _check_names(spec: SetSpec, raw_questions: Any) -> list[str]:
    problems = []
    for name in spec.thresholds:
        if name not in METRICS:
            close = difflib.get_close_matches(name, METRICS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                f"thresholds.{name}: unknown metric ({hint}known: {', '.join(METRICS)})"
            )
    seen: set[str] = set()
    for q in spec.questions:
        if str(q.id) in seen:
            problems.append(f"question {q.id!r}: duplicate id")
        seen.add(str(q.id))
    return problems


def _check_sources(spec: SetSpec, sources: list[Path]) -> list[str]:
    problems = []
    for i, (given, path) in enumerate(zip(spec.sources, sources)):
        if not path.exists():
            problems.append(f"sources[{i}]: {given!r} does not exist (looked for {path})")
    if problems or not sources:
        return problems  # without sources the set runs against the current index
    roots = sorted({s.parent if s.is_file() else s for s in sources})
    found = outline(sources, roots[0], MAX_SOURCE_BYTES)
    problems += [f"sources: would not be ingested: {e}" for e in found.errors]
    names = sorted(found.paragraphs)
    for q in spec.questions:
        for j, e in enumerate(q.expected):
            key = f"question {q.id!r}: expected[{j}]"
            paragraphs = found.paragraphs.get(e.source)
            if paragraphs is None:
                close = difflib.get_close_matches(e.source, names, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(
                    f"{key}.source: {e.source!r} is not one of the set's sources "
                    f"({hint}sources: {', '.join(names)})"
                )
            elif e.paragraph > len(paragraphs):
                problems.append(
                    f"{key}.paragraph: {e.source} has {len(paragraphs)} paragraphs; "
                    f"¶{e.paragraph} does not exist"
                )
            elif paragraphs[e.paragraph - 1].is_heading:
                problems.append(
                    f"{key}.paragraph: ¶{e.paragraph} of {e.source} is a heading, which is "
                    "never cited; expect the paragraph that holds the answer"
                )
    return problems
