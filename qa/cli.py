"""Command line for answering.

Usage::

    python -m qa "Why did Iran fear the result of the war?"   # for a person
    python -m qa --json "Why did Iran fear the result of the war?"
    python -m qa --json < questions.txt      # one question per line, one JSON per line
    python -m qa --json --conversation < turns.txt   # each line follows up on the one before
    echo '{"turns": ["Who built the lighthouse?", "And who kept it last?"]}' | python -m qa --json

The JSON object per answer: question, answer, abstained, citations
[{source, paragraph, page, section, quote}] (page: for PDFs, else null),
retrieved [{source, paragraph, score}],
backend, prompt_version, confidence, timings_ms {retrieve, answer}. With several
questions on standard input, a bad one yields ``{"question": ..., "error": ...}``
and the rest are still answered. A stdin line holding a JSON object
``{"turns": [...]}`` is one conversation: its turns are asked in order, each read
against the ones before (follow-ups like "and who kept it last?"), one answer
per turn, each with ``"turn"`` (its index). With ``--conversation`` every plain
line continues one conversation.

Exit status: 0 answered, 1 a question was refused, 2 the index or the backend
cannot be used (the message says what to do).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from errors import QAError, QuestionError
from qa.models import Answer
from qa.pipeline import Assistant
from settings import Settings


def render(answer: Answer) -> str:
    """The answer for a person: text, then its sources with the quoted sentences."""
    lines = [textwrap.fill(answer.answer, 88)]
    if answer.abstained:
        lines.append("\nClosest passages:")
        for p in answer.retrieved[:3]:
            lines.append(f"  {p.source} ¶{p.paragraph}: {textwrap.shorten(p.text, 140)}")
    else:
        lines.append("\nSources:")
        for c in answer.citations:
            section = f" ({c.section})" if c.section else ""
            lines.append(f"  {c.where}{section}")
            lines.append(textwrap.indent(textwrap.fill(f"“{c.quote}”", 84), "    "))
    lines += [f"\nnote: {n}" for n in answer.notes]
    return "\n".join(lines)


def _turns(line: str) -> tuple[list[str], bool]:
    """A stdin line's questions, and whether they are a conversation of their own.

    >>> _turns('{"turns": ["Who built it?", "And when?"]}')
    (['Who built it?', 'And when?'], True)
    >>> _turns("Who built it?\\n")
    (['Who built it?\\n'], False)
    """
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            return [line], False
        turns = data.get("turns") if isinstance(data, dict) else None
        if isinstance(turns, list) and all(isinstance(t, str) for t in turns):
            return turns, True
        question = data.get("question") if isinstance(data, dict) else None
        if isinstance(question, str):
            return [question], False
    return [line], False


def main(argv: list[str] | None = None, assistant: Assistant | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa", description=__doc__.split("\n")[0])
    parser.add_argument("question", nargs="?", help="the question (default: one per stdin line)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("-k", type=int, default=None, help="passages to retrieve")
    parser.add_argument(
        "--conversation",
        action="store_true",
        help="stdin lines are one conversation: each follows up on the ones before",
    )
    args = parser.parse_args(argv)
    try:
        if assistant is None:
            from qa.service import build_assistant

            assistant = build_assistant(Settings.from_env(), warm=args.question is None)
        if args.question is not None:
            answer = assistant.ask(args.question, k=args.k)
            print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else render(answer))
            if args.json:
                for note in answer.notes:
                    print(f"note: {note}", file=sys.stderr)
            return 0
        refused = False
        conversation = assistant.conversation()
        for line in sys.stdin:
            if not line.strip():
                continue
            turns, fresh = _turns(line)
            if fresh:
                conversation = assistant.conversation()
            for i, turn in enumerate(turns):
                try:
                    if args.conversation or fresh:
                        answer = conversation.ask(turn, k=args.k)
                    else:
                        answer = assistant.ask(turn, k=args.k)
                    out = answer.to_json()
                    if fresh:
                        out["turn"] = i
                    print(
                        json.dumps(out, ensure_ascii=False) if args.json else render(answer) + "\n"
                    )
                except QuestionError as exc:
                    refused = True
                    if args.json:
                        print(json.dumps({"question": turn.rstrip("\n"), "error": str(exc)}))
                    else:
                        print(f"error: {exc}", file=sys.stderr)
                sys.stdout.flush()
        return 1 if refused else 0
    except QuestionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (QAError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
