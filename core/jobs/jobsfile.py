"""The jobs file: job definitions as code, in YAML (``jobs:`` and a list of jobs).

A file is accepted or refused as a whole: one bad job refuses them all, so that a typo never half-applies a
change (and a job left out by a broken file is never disabled by the sync that would follow). Every problem
is reported, one line each, naming the file, the job and the field.
"""

from __future__ import annotations

import difflib
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from core.jobs.spec import (
    CeleryJob,
    CronSchedule,
    DigestJob,
    HttpJob,
    IntervalSchedule,
    JobSpec,
    OnceSchedule,
    PythonJob,
    RetryPolicy,
    ShellJob,
    parse_job,
)

JOB_CLASSES: dict[str, type[ShellJob | HttpJob | PythonJob | CeleryJob | DigestJob]] = {
    "shell": ShellJob,
    "http": HttpJob,
    "python": PythonJob,
    "celery": CeleryJob,
    "digest": DigestJob,
}
_KINDS_HINT = "use shell, http, python, celery or digest"
_SCHEDULE_KEYS = ("cron", "interval", "at")
_SCHEDULE_ONLY = {"timezone", "jitter", "cron", "interval", "at"}  # at job level: meant inside schedule
# Pydantic puts the chosen (or tried) union member into an error's location; these are not field names.
_UNION_LABELS = {"schedule": set(_SCHEDULE_KEYS), "command": {"list[str]", "str"}}
_NESTED_FIELDS = {
    "schedule": sorted({*CronSchedule.model_fields, *IntervalSchedule.model_fields, *OnceSchedule.model_fields}),
    "retries": sorted(RetryPolicy.model_fields),
}
MAX_DEPTH = 32
# Aliases may expand the written document at most tenfold (plus a little for small files).
MAX_EXPANSION = 10
MAX_NODES = 10_000
_ID_RULE = "must be 1-64 characters of a-z, 0-9, '_', '.' or '-', starting with a letter or digit"


class JobsFileError(Exception):
    """A jobs file that was refused; ``lines`` holds one message per problem, each naming file, job and field."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


def load_jobs_file(path: str | os.PathLike[str], variables: Mapping[str, str] | None = None) -> list[JobSpec]:
    """Read and validate the jobs file at ``path``, with ``${NAME}`` replaced for each NAME in ``variables``
    (schedops offers ``PORT``, so a job can call schedops' own server; any other ``${...}`` is left for the
    shell). Raises JobsFileError listing every problem."""
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise JobsFileError([f"{name}: cannot read the file: {error.strerror or error}"]) from None
    except UnicodeDecodeError as error:
        raise JobsFileError([f"{name}: not UTF-8 text ({error.reason} at byte {error.start})"]) from None
    for variable, value in (variables or {}).items():
        text = text.replace("${" + variable + "}", value)
    return parse_jobs_document(text, name)


def parse_jobs_document(text: str, source_name: str) -> list[JobSpec]:
    """Validate a jobs file's text; ``source_name`` begins every error line. Raises JobsFileError."""
    problems: list[str] = []
    document = _load_yaml(text, problems)
    specs: list[JobSpec] = []
    if not problems:
        entries = _job_entries(document, problems)
        for index, entry in enumerate(entries):
            spec = _parse_entry(index, entry, problems)
            if spec is not None:
                specs.append(spec)
        problems.extend(_duplicate_ids(entries))
    if problems:
        raise JobsFileError([f"{source_name}: {problem}" for problem in problems])
    return specs


def _load_yaml(text: str, problems: list[str]) -> Any:
    try:
        problem = _depth_problem(text)
        root = None if problem else yaml.compose(text, Loader=yaml.SafeLoader)
        problem = problem or (_expansion_problem(root) if root is not None else None)
        if problem is not None:
            problems.append(problem)
            return None
        # safe_load keeps the last of two equal keys; a repeated "schedule:" or "jobs:" must not pass unnoticed.
        problems.extend(_duplicate_keys(root, set()) if root is not None else ())
        return None if problems else yaml.safe_load(text)
    except yaml.YAMLError as error:
        problems.append(_describe_yaml_error(error))
        return None


def _depth_problem(text: str) -> str | None:
    """Nesting a jobs file never needs, found from the parser's events (which, unlike composing, do not
    recurse): 20,000 nested brackets would exhaust the recursion of everything that walks the document."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                return f"line {line}: nested more than {MAX_DEPTH} levels deep; a jobs file never needs that"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _expansion_problem(root: yaml.Node) -> str | None:
    """Anchors may repeat a value (a shared base job), never multiply it: a few hundred bytes of aliases of
    aliases expand into gigabytes once loaded and stored (a "billion laughs"). Counted on the composed graph,
    each node once, so the count itself stays cheap."""
    sizes: dict[int, int] = {}
    try:
        expanded = _expanded_size(root, sizes, set())
    except _Cyclic as cycle:
        return f"line {cycle.line}: a YAML alias refers to a value that contains it"
    except RecursionError:
        return f"aliases nest more than {MAX_DEPTH} levels deep; a jobs file never needs that"
    if expanded > MAX_EXPANSION * len(sizes) + MAX_NODES:
        return f"YAML aliases expand this file to {expanded:,} values; repeat values, do not multiply them"
    return None


class _Cyclic(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_nodes:
        raise _Cyclic(node.start_mark.line + 1)
    open_nodes.add(id(node))
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes, open_nodes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes, open_nodes) + _expanded_size(v, sizes, open_nodes) for k, v in node.value)
    open_nodes.discard(id(node))
    sizes[id(node)] = size
    return size


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.reader.ReaderError):
        character = f"#x{error.character:04x}" if isinstance(error.character, int) else repr(error.character)
        return f"bad YAML: {error.reason} {character} at character {error.position + 1}"
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return "bad YAML: " + " ".join(str(error).split())  # one line, whatever PyYAML wrote
    line = error.problem_mark.line + 1
    message = f"line {line}: bad YAML: {error.problem}"
    if error.context and not error.context.startswith("while"):
        message = f"line {line}: bad YAML: {error.context}, {error.problem}"  # "expected ..., but found ..."
    elif error.context and error.context_mark is not None and error.context_mark.line + 1 != line:
        message += f" ({error.context} started on line {error.context_mark.line + 1})"
    if error.context == "while scanning an alias":
        # A bare * starts a YAML alias: the usual way to trip over this is an unquoted cron expression.
        message += ' (quote values that start with *, e.g. cron: "*/5 * * * *")'
    return message


def _duplicate_keys(node: yaml.Node, seen: set[int]) -> Iterator[str]:
    if id(node) in seen:  # an alias: the same node again, already checked
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[tuple[str, str]] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if (key.tag, key.value) in keys:  # the tag tells 1 from "1"
                    yield f"line {key.start_mark.line + 1}: duplicate key {key.value!r}"
                keys.add((key.tag, key.value))
            yield from _duplicate_keys(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item, seen)


def _job_entries(document: Any, problems: list[str]) -> list[Any]:
    if not isinstance(document, dict):
        got = "an empty file" if document is None else _a(document)
        problems.append(f"expected a mapping with a 'jobs' list at the top level, got {got}")
        return []
    problems.extend(
        f"unknown top-level key {key!r} (the top level holds only 'jobs')" for key in document if key != "jobs"
    )
    if "jobs" not in document:
        problems.append("jobs: missing (the top level needs a 'jobs' list; write 'jobs: []' for none)")
        return []
    entries = document["jobs"]
    if not isinstance(entries, list):
        problems.append(f"jobs: expected a list of jobs (write 'jobs: []' for none), got {_a(entries)}")
        return []
    return entries


def _parse_entry(index: int, entry: Any, problems: list[str]) -> JobSpec | None:
    label = _label(index, entry)
    if not isinstance(entry, dict):
        problems.append(f"{label}: expected a job (a mapping of fields), got {_a(entry)}")
        return None
    try:
        return parse_job(entry)
    except ValidationError as error:
        lines = (f"{label}: {_describe(detail, entry)}" for detail in error.errors())
        problems.extend(dict.fromkeys(lines))  # unique, in order: union members repeat one mistake
        return None


def _label(index: int, entry: Any) -> str:
    job_id = entry.get("id") if isinstance(entry, dict) else None
    return f"job {job_id!r}" if isinstance(job_id, str) and job_id else f"jobs[{index}]"


def _duplicate_ids(entries: list[Any]) -> Iterator[str]:
    positions: defaultdict[str, list[str]] = defaultdict(list)
    for index, entry in enumerate(entries):
        job_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(job_id, str):
            positions[job_id].append(f"jobs[{index}]")
    for job_id, places in positions.items():
        if len(places) > 1:
            yield f"duplicate id {job_id!r} ({', '.join(places[:-1])} and {places[-1]})"


def _describe(detail: ErrorDetails, entry: Mapping[str, Any]) -> str:
    """One pydantic error as ``field.path: message``."""
    kind_error = detail["type"] in {"union_tag_invalid", "union_tag_not_found"}
    if kind_error and not detail["loc"]:
        if "kind" not in entry:
            return f"kind: missing ({_KINDS_HINT})"
        return f"kind: unknown kind {entry['kind']!r} ({_KINDS_HINT})"
    parts = _field_parts(detail["loc"])
    path = _dotted(parts)
    if len(detail["loc"]) > 2 and parts[:1] == ["command"] and detail["loc"][2] in _UNION_LABELS["command"]:
        return "command: give a list of strings (run without a shell) or one string (run with sh -c)"
    return f"{path}: {_message(detail, parts, entry)}"


def _field_parts(loc: tuple[int | str, ...]) -> list[int | str]:
    parts = list(loc[1:] if loc and loc[0] in JOB_CLASSES else loc)
    if len(parts) > 1 and isinstance(parts[0], str) and parts[1] in _UNION_LABELS.get(parts[0], ()):
        del parts[1]
    return parts


def _message(detail: ErrorDetails, parts: list[int | str], entry: Mapping[str, Any]) -> str:
    error_type = detail["type"]
    if error_type == "missing":
        return "missing"
    if error_type == "extra_forbidden":
        return _unknown_field(parts, entry)
    if error_type == "string_pattern_mismatch" and parts == ["id"]:
        return f"{_ID_RULE}, got {detail['input']!r}"
    message = detail["msg"].removeprefix("Value error, ")
    if error_type.endswith(("_type", "_parsing")):
        message += f", got {_short(detail['input'])}"
    return message


def _unknown_field(parts: list[int | str], entry: Mapping[str, Any]) -> str:
    name, parent = str(parts[-1]), parts[:-1]
    if parent == ["schedule"] and name in _SCHEDULE_KEYS:
        return "a schedule takes only one of cron, interval or at"
    if not parent and name in _SCHEDULE_ONLY:
        return f"{name} belongs to the schedule: schedule: {{cron: ..., {name}: ...}}"
    kind = entry.get("kind")
    job_class = JOB_CLASSES.get(kind) if isinstance(kind, str) else None
    if not parent and job_class is not None:
        known: list[str] = list(job_class.model_fields)
    else:
        known = _NESTED_FIELDS.get(str(parent[0]), []) if len(parent) == 1 else []
    if kind == "celery" and not parent and "queue" in name.lower():
        # difflib would say 'queue', which every job has for schedops' own workers: the app's is task_queue.
        return "unknown field (did you mean 'task_queue', the queue of your Celery app?)"
    close = difflib.get_close_matches(name, known, n=1)
    return f"unknown field (did you mean {close[0]!r}?)" if close else "unknown field"


def _dotted(parts: list[int | str]) -> str:
    if parts[-1:] == ["[key]"]:  # pydantic's marker for a bad mapping key rather than its value
        return f"{_dotted(parts[:-1])} (a key)"
    text = ""
    for part in parts:
        # A key with a line break or other control character is shown quoted: every problem stays one line.
        name = part if isinstance(part, int) or part.isprintable() else repr(part)
        text += f"[{name}]" if isinstance(name, int) else f".{name}" if text else name
    return text or "(job)"


def _a(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    if value is None:
        return "nothing"
    return names.get(type(value), f"a {type(value).__name__}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
