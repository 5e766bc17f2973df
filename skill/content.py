"""Content store: topic files in, a validated, immutable store out.

A unit is a folder under content/ holding unit.yaml and one <topic-id>.yaml per topic.
Every problem is reported with the file, the line and the field it concerns, and loading collects
all problems before failing, so an author fixes a file in one pass.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import yaml

FACETS = ("what", "who", "when", "why", "features", "effects")
POINT_LABELS = ("success", "failure", "contested")
MAX_POINTS = 8
# A hard cap: above this an answer cannot be spoken within Alexa's limits in any sensible way.
# The content lint (skill.lint) is stricter, at about 60 seconds of speech.
MAX_ANSWER_WORDS = 250

UNIT_FIELDS = {"unit", "title", "period", "boards", "abbreviations", "pronunciations"}
TOPIC_FIELDS = {"id", "title", "name", "period", "group", "aliases", "misheard", "boards", "sources",
                "keywords", "facets", "glossary"}
GLOSSARY_FIELDS = {"term", "aliases", "misheard", "text", "person"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file."""
    file: str
    line: int
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ContentError(Exception):
    """Raised when content files are invalid; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Point:
    text: str
    label: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Answer:
    """What one topic says for one facet: a lead sentence that stands alone, then points."""
    topic_id: str
    facet: str
    lead: str
    points: tuple[Point, ...]
    line: int = 0

    @property
    def sentences(self) -> tuple[str, ...]:
        return (self.lead,) + tuple(p.text for p in self.points)

    @property
    def words(self) -> int:
        return sum(len(s.split()) for s in self.sentences)


@dataclass(frozen=True)
class GlossaryEntry:
    """A key term or person, answered on its own and belonging to one topic."""
    id: str
    term: str
    aliases: tuple[str, ...]
    text: str
    topic_id: str
    line: int = 0
    misheard: tuple[str, ...] = ()     # as Topic.misheard, for this entry's names
    person: bool = False               # about a person: "when did X die" is asked of the entry, not the topic


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    period: tuple[int, int]
    aliases: tuple[str, ...]
    boards: tuple[str, ...]
    sources: tuple[str, ...]
    keywords: tuple[str, ...]
    facets: Mapping[str, Answer]
    glossary: tuple[GlossaryEntry, ...]
    group: bool = False
    path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)
    name: str | None = None        # how the topic is said inside a sentence, when not its title
    # what a speech recogniser made of the topic's names (`python -m skill mishearings`): names to find
    # the topic by, but not words the topic uses, and not synonyms for a platform's own recogniser
    misheard: tuple[str, ...] = ()

    @property
    def spoken_title(self) -> str:
        """The title without its dates, as it reads in a sentence."""
        return re.sub(r",?\s*\d{4}(\s*-\s*\d{2,4})?$", "", self.title).strip()


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Unit:
    id: str
    title: str
    period: tuple[int, int]
    boards: Mapping[str, Board]
    abbreviations: Mapping[str, str]
    pronunciations: Mapping[str, str]
    topics: tuple[Topic, ...]
    path: str = ""


class ContentStore:
    """All units, indexed for lookup. Immutable once built."""

    def __init__(self, units: Iterable[Unit]):
        self.units = tuple(units)
        self.topics = MappingProxyType({t.id: t for u in self.units for t in u.topics})
        self.glossary = MappingProxyType(
            {g.id: g for t in self.topics.values() for g in t.glossary})
        self._unit_of = {t.id: u for u in self.units for t in u.topics}

    def topic(self, topic_id: str) -> Topic:
        return self.topics[topic_id]

    def answer(self, topic_id: str, facet: str) -> Answer:
        return self.topics[topic_id].facets[facet]

    def unit_of(self, topic_id: str) -> Unit:
        return self._unit_of[topic_id]

    @property
    def abbreviations(self) -> Mapping[str, str]:
        merged: dict[str, str] = {}
        for u in self.units:
            merged.update(u.abbreviations)
        return merged

    @cached_property
    def lower_case_words(self) -> frozenset[str]:
        """Every word the content writes in lower case somewhere: a common word, not a name."""
        texts = [s for t in self.topics.values() for a in t.facets.values() for s in a.sentences]
        texts += [g.text for g in self.glossary.values()]
        return frozenset(w for text in texts for w in re.findall(r"\b[a-z][a-z'-]*\b", text))

    @property
    def pronunciations(self) -> Mapping[str, str]:
        merged: dict[str, str] = {}
        for u in self.units:
            merged.update(u.pronunciations)
        return merged

    def summary(self) -> dict[str, int]:
        answers = [a for t in self.topics.values() for a in t.facets.values()]
        return {
            "units": len(self.units),
            "topics": len(self.topics),
            "facets": len(answers),
            "glossary": len(self.glossary),
            "words": sum(a.words for a in answers) + sum(len(g.text.split()) for g in self.glossary.values()),
        }


# --- YAML with line numbers -------------------------------------------------------------------

# libyaml's parser when PyYAML was built with it (about ten times faster); the same nodes and marks
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(path: Path, problems: list[Problem]):
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        problems.append(Problem(str(path), 1, "(file)", f"not UTF-8 text: {e.reason}"))
        return None
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problems.append(Problem(str(path), line, "(yaml)", str(getattr(e, "problem", e))))
        return None


def _plain(node) -> Any:
    """A composed YAML node as plain Python values (SafeLoader semantics)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _Reader:
    """Reads fields out of a composed mapping node, recording problems with their lines."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = str(path)
        self.problems = problems

    def error(self, line: int, field_name: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, field_name, message))

    def mapping(self, node, field_name: str, allowed: set[str] | None = None) -> dict[str, Any]:
        """{key: node} for a mapping node; unknown keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            self.error(_line(node), field_name, "expected a mapping of fields")
            return {}
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            where = f"{field_name}.{key}" if field_name else key
            if allowed is not None and key not in allowed:
                self.error(_line(key_node), where, f"unknown field (expected one of: {', '.join(sorted(allowed))})")
                continue
            if key in out:
                self.error(_line(key_node), where, "field given twice")
            out[key] = value_node
        return out

    def text(self, node, field_name: str, required: bool = True) -> str | None:
        if node is None:
            if required:
                self.error(0, field_name, "missing")
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            self.error(_line(node), field_name, "expected text")
            return None
        value = str(_plain(node)).strip()
        if not value:
            self.error(_line(node), field_name, "is empty")
            return None
        return value

    def texts(self, node, field_name: str, required: bool = True) -> list[tuple[str, int]]:
        if node is None:
            if required:
                self.error(0, field_name, "missing")
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(_line(node), field_name, "expected a list")
            return []
        out = []
        for i, item in enumerate(node.value):
            value = self.text(item, f"{field_name}[{i}]")
            if value:
                out.append((value, _line(item)))
        if required and not out and node.value == []:
            self.error(_line(node), field_name, "is empty")
        return out

    def flag(self, node, field_name: str) -> bool:
        """true or false; anything else ("yes please", 1) is an error rather than a guess."""
        if node is None:
            return False
        value = _plain(node)
        if not isinstance(value, bool):
            self.error(_line(node), field_name, "expected true or false")
            return False
        return value

    def period(self, node, field_name: str) -> tuple[int, int] | None:
        value = _plain(node) if node is not None else None
        if (not isinstance(value, list) or len(value) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                or value[0] > value[1]):
            self.error(_line(node), field_name, "expected [start year, end year] with start <= end")
            return None
        return value[0], value[1]


def _line(node) -> int:
    return node.start_mark.line + 1 if node is not None and node.start_mark else 0


# --- loading ----------------------------------------------------------------------------------

def load_unit_file(path: Path, problems: list[Problem]) -> dict | None:
    node = _compose(path, problems)
    if node is None:
        if not problems or problems[-1].file != str(path):
            problems.append(Problem(str(path), 1, "(file)", "is empty"))
        return None
    r = _Reader(path, problems)
    fields = r.mapping(node, "", UNIT_FIELDS)
    for required in ("unit", "title", "boards"):
        if required not in fields:
            r.error(_line(node), required, "missing")
    boards = {}
    for board_id, board_node in r.mapping(fields.get("boards"), "boards").items() if "boards" in fields else []:
        bf = r.mapping(board_node, f"boards.{board_id}", {"name", "aliases"})
        name = r.text(bf.get("name"), f"boards.{board_id}.name")
        aliases = tuple(a.lower() for a, _ in r.texts(bf.get("aliases"), f"boards.{board_id}.aliases", False))
        boards[board_id] = Board(board_id, name or board_id, aliases)

    def str_map(key: str) -> dict[str, str]:
        out = {}
        if key in fields:
            for k, vnode in r.mapping(fields[key], key).items():
                v = r.text(vnode, f"{key}.{k}")
                if v:
                    out[k] = v
        return out

    return {
        "id": r.text(fields.get("unit"), "unit") if "unit" in fields else None,
        "title": r.text(fields.get("title"), "title") if "title" in fields else None,
        "period": r.period(fields["period"], "period") if "period" in fields else None,
        "boards": boards,
        "abbreviations": str_map("abbreviations"),
        "pronunciations": str_map("pronunciations"),
    }


def load_topic_file(path: Path, boards: Mapping[str, Board], problems: list[Problem]) -> Topic | None:
    node = _compose(path, problems)
    if node is None:
        if not problems or problems[-1].file != str(path):
            problems.append(Problem(str(path), 1, "(file)", "is empty"))
        return None
    before = len(problems)
    r = _Reader(path, problems)
    fields = r.mapping(node, "", TOPIC_FIELDS)
    top_line = _line(node)
    for required in ("id", "title", "period", "aliases", "boards", "sources", "facets"):
        if required not in fields:
            r.error(top_line, required, "missing")
    lines = {k: _line(v) for k, v in fields.items()}

    topic_id = r.text(fields.get("id"), "id") if "id" in fields else None
    if topic_id and topic_id != path.stem:
        r.error(lines["id"], "id", f"'{topic_id}' does not match the file name '{path.stem}.yaml'")
    title = r.text(fields.get("title"), "title") if "title" in fields else None
    name = r.text(fields.get("name"), "name") if "name" in fields else None
    period = r.period(fields["period"], "period") if "period" in fields else None
    group = r.flag(fields.get("group"), "group")
    aliases = [(a.lower(), ln) for a, ln in r.texts(fields.get("aliases"), "aliases")] if "aliases" in fields else []
    misheard = [(a.lower(), ln) for a, ln in r.texts(fields.get("misheard"), "misheard")] if "misheard" in fields else []
    seen_alias: dict[str, int] = {}
    for (alias, ln), field_name in [*((a, "aliases") for a in aliases), *((m, "misheard") for m in misheard)]:
        if alias in seen_alias:
            r.error(ln, field_name, f"'{alias}' is listed twice")
        seen_alias[alias] = ln
    board_ids = [b for b, _ in r.texts(fields.get("boards"), "boards")] if "boards" in fields else []
    for b in board_ids:
        if b not in boards:
            r.error(lines["boards"], "boards", f"unknown board '{b}' (unit.yaml has: {', '.join(boards)})")
    sources = [s for s, _ in r.texts(fields.get("sources"), "sources")] if "sources" in fields else []
    keywords = [k.lower() for k, _ in r.texts(fields.get("keywords"), "keywords", False)] if "keywords" in fields else []

    facets: dict[str, Answer] = {}
    if "facets" in fields:
        facet_nodes = r.mapping(fields["facets"], "facets", set(FACETS))
        for facet in FACETS:
            if facet not in facet_nodes:
                r.error(lines["facets"], f"facets.{facet}", "missing: every topic answers all six facets")
                continue
            answer = _answer(r, topic_id or path.stem, facet, facet_nodes[facet])
            if answer:
                facets[facet] = answer

    glossary: list[GlossaryEntry] = []
    if "glossary" in fields:
        gnode = fields["glossary"]
        if not isinstance(gnode, yaml.SequenceNode):
            r.error(_line(gnode), "glossary", "expected a list of entries")
        else:
            for i, entry_node in enumerate(gnode.value):
                where = f"glossary[{i}]"
                ef = r.mapping(entry_node, where, GLOSSARY_FIELDS)
                term = r.text(ef.get("term"), f"{where}.term")
                text = r.text(ef.get("text"), f"{where}.text")
                galiases = [a.lower() for a, _ in r.texts(ef.get("aliases"), f"{where}.aliases", False)] if "aliases" in ef else []
                gmisheard = [(m.lower(), ln) for m, ln in r.texts(ef.get("misheard"), f"{where}.misheard")] \
                    if "misheard" in ef else []
                names = {term.lower(), *galiases} if term else set(galiases)
                for m, ln in gmisheard:
                    if m in names:
                        r.error(ln, f"{where}.misheard", f"'{m}' is listed twice")
                    names.add(m)
                if term and text:
                    glossary.append(GlossaryEntry(
                        id=_slug(term), term=term, aliases=tuple(dict.fromkeys([term.lower(), *galiases])),
                        text=text, topic_id=topic_id or path.stem, line=_line(entry_node),
                        misheard=tuple(m for m, _ in gmisheard),
                        person=r.flag(ef.get("person"), f"{where}.person")))

    if len(problems) > before or not (topic_id and title and period):
        return None
    return Topic(id=topic_id, title=title, period=period, aliases=tuple(a for a, _ in aliases),
                 boards=tuple(board_ids), sources=tuple(sources), keywords=tuple(keywords),
                 facets=MappingProxyType(facets), glossary=tuple(glossary), group=group,
                 path=str(path), lines=MappingProxyType(lines), name=name, misheard=tuple(a for a, _ in misheard))


def _answer(r: _Reader, topic_id: str, facet: str, node) -> Answer | None:
    where = f"facets.{facet}"
    fields = r.mapping(node, where, {"lead", "points"})
    lead = r.text(fields.get("lead"), f"{where}.lead") if "lead" in fields else None
    if "lead" not in fields:
        r.error(_line(node), f"{where}.lead", "missing: every answer starts with a lead sentence")
    points: list[Point] = []
    pnode = fields.get("points")
    if pnode is not None:
        if not isinstance(pnode, yaml.SequenceNode):
            r.error(_line(pnode), f"{where}.points", "expected a list")
        else:
            if len(pnode.value) > MAX_POINTS:
                r.error(_line(pnode), f"{where}.points", f"{len(pnode.value)} points; at most {MAX_POINTS}")
            for i, item in enumerate(pnode.value):
                pw = f"{where}.points[{i}]"
                if isinstance(item, yaml.MappingNode):
                    pf = r.mapping(item, pw, {"text", "label"})
                    text = r.text(pf.get("text"), f"{pw}.text")
                    label = r.text(pf.get("label"), f"{pw}.label") if "label" in pf else None
                    if label and label not in POINT_LABELS:
                        r.error(_line(pf["label"]), f"{pw}.label",
                                f"unknown label '{label}' (expected one of: {', '.join(POINT_LABELS)})")
                else:
                    text, label = r.text(item, pw), None
                if text:
                    points.append(Point(text, label, _line(item)))
    if not lead:
        return None
    answer = Answer(topic_id, facet, lead, tuple(points), _line(node))
    if answer.words > MAX_ANSWER_WORDS:
        r.error(_line(node), where, f"answer is {answer.words} words; at most {MAX_ANSWER_WORDS}")
    return answer


def _slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


def _alias_key(alias: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", alias.lower().replace("'", "")).strip()


def load_unit(folder: Path, problems: list[Problem]) -> Unit | None:
    unit_file = folder / "unit.yaml"
    if not unit_file.exists():
        problems.append(Problem(str(unit_file), 0, "(file)", "missing: every unit folder has a unit.yaml"))
        return None
    meta = load_unit_file(unit_file, problems)
    if meta is None:
        return None
    topics = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "unit.yaml":
            continue
        topic = load_topic_file(path, meta["boards"], problems)
        if topic:
            topics.append(topic)
    return Unit(id=meta["id"] or folder.name, title=meta["title"] or folder.name,
                period=meta["period"] or (0, 9999), boards=MappingProxyType(meta["boards"]),
                abbreviations=MappingProxyType(meta["abbreviations"]),
                pronunciations=MappingProxyType(meta["pronunciations"]),
                topics=tuple(topics), path=str(folder))


def _check_across(units: list[Unit], problems: list[Problem]) -> None:
    """Rules that span files: unique ids, and no spoken name claimed by two topics.

    A glossary entry may share a name with its own topic ("the people's communes"), since both
    lead to the same place; it may not share one with another topic or another entry.
    """
    ids: dict[str, Topic] = {}
    claimed: dict[str, tuple[str, str, Topic, int]] = {}   # name -> (topic id, owner, topic, line)
    for topic in (t for u in units for t in u.topics):
        if topic.id in ids:
            problems.append(Problem(topic.path, topic.lines.get("id", 1), "id",
                                    f"duplicate id '{topic.id}' (also in {ids[topic.id].path})"))
            continue
        ids[topic.id] = topic
        claims = [(a, f"topic {topic.id}", topic.lines.get("aliases", 1), "aliases") for a in topic.aliases]
        claims += [(a, f"topic {topic.id}", topic.lines.get("misheard", 1), "misheard") for a in topic.misheard]
        claims += [(a, f"glossary '{g.term}'", g.line, "glossary") for g in topic.glossary
                   for a in (*g.aliases, *g.misheard)]
        for alias, owner, line, field_name in claims:
            key = _alias_key(alias)
            if key in claimed:
                other_topic, other_owner, other, other_line = claimed[key]
                same_place = other_topic == topic.id and other_owner != owner
                if not same_place and other_owner != owner:
                    problems.append(Problem(topic.path, line, field_name,
                                            f"'{alias}' is also claimed by {other_owner} ({other.path}:{other_line})"))
                continue
            claimed[key] = (topic.id, owner, topic, line)


def load_store(root: Path | str) -> ContentStore:
    """Load every unit under root (a folder of unit folders, or one unit folder)."""
    root = Path(root)
    problems: list[Problem] = []
    folders = [root] if (root / "unit.yaml").exists() else sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not folders:
        raise ContentError([Problem(str(root), 0, "(folder)", "no content units found")])
    units = [u for u in (load_unit(f, problems) for f in folders) if u]
    _check_across(units, problems)
    if problems:
        raise ContentError(problems)
    return ContentStore(units)
