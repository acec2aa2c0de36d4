"""The methodology layer: one source model, the project's sources registry and one catalogue.

Every methodology file (tier rule packs, points methodologies, zone frameworks, plan targets)
is versioned data. Each item in it names its source as ``source: {code, article, confirmation}``:
``code`` is a key of the sources registry (``core/sources.yaml``, inside the project: title,
issuer, 文号, date, where it is published, what it supports), ``article`` the article, annex or
section within it, and ``confirmation`` one level of the vocabulary below. The product shows the
registry title and the level's Chinese label, never a note outside the repository.

A :class:`Catalogue` finds a domain's files (the package's ``methodology/<folder>`` and, when the
``KECHUANG_METHODOLOGY_DIR`` setting names one, the same sub-folder of a bureau directory), reads
them once, hashes each file's bytes, hands the parsed YAML and the hash to the domain's own tree
parser, and reports every problem of every file at once, in Chinese, naming file and item. It also
picks the version in force for a date. Nothing here knows a domain's tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from kechuang.core.errors import Unprocessable

# One vocabulary for how well an item's source is confirmed. The rule engines are pure libraries
# and keep a copy of these words (a test asserts the copies are equal).
CONFIRMATION: dict[str, str] = {
    "confirmed": "已确认",
    "single_source": "单一来源",
    "unconfirmed": "未确认",
    "reconstructed": "重构",
    "provisional": "暂行",
}
CONFIRMATION_NOTES: dict[str, str] = {
    "confirmed": "官方页面或多份独立文本一致",
    "single_source": "仅见一份文本（一份转载或一项第三方实现）",
    "unconfirmed": "未见于任何来源文本（推断或一般知识），待核实",
    "reconstructed": "按不完整信息重构（第三方或本平台），措辞与权重未经核实",
    "provisional": "本平台暂定的规则或数值，待官方文本发布后替换",
}
# Quasar colours for badges: confirmed neutral, the rest a warning.
CONFIRMATION_COLORS: dict[str, str] = {
    "confirmed": "positive",
    "single_source": "teal",
    "unconfirmed": "orange",
    "reconstructed": "orange",
    "provisional": "orange",
}
# "read in a source" (the rule engines' `confirmed` flag): confirmed or single_source
READ_IN_SOURCE = ("confirmed", "single_source")

SOURCE_KINDS: dict[str, str] = {
    "official": "政府文件",
    "notice": "评估/征集通知",
    "plan": "规划",
    "report": "新闻报道或期刊文章",
    "third_party": "第三方资料（咨询机构、公开代码库）",
    "software": "软件与数据集",
    "platform": "本平台规则",
}
REGISTRY_FILE = "sources.yaml"
EXTRA_SOURCES_FILE = "sources.yaml"


def confirmation_label(level: str) -> str:
    """The Chinese label of a confirmation level (the level itself when unknown)."""
    return CONFIRMATION.get(level, level)


# The suffix of a methodology version says what kind of version it is; pages show it in Chinese
# (the stored version, which results record, keeps the suffix).
VERSION_KINDS = {"provisional": "暂行", "example": "示例", "kc": "本平台重构"}


def version_label(version: str) -> str:
    """A version for display: “2025.1-provisional” → “2025.1 暂行版”."""
    number, _, kind = str(version).partition("-")
    if not kind:
        return number
    return f"{number} {VERSION_KINDS.get(kind, kind)}版"


def confirmation_text(level: str) -> str:
    """Label with its meaning, e.g. “单一来源（仅见一份文本……）”, for tooltips and reports."""
    if level not in CONFIRMATION:
        return level
    return f"{CONFIRMATION[level]}（{CONFIRMATION_NOTES[level]}）"


class MethodologyLayerError(Unprocessable, ValueError):
    """The sources registry or a methodology file is invalid (Chinese, every problem listed)."""

    def __init__(self, problems: Iterable[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(problems_text(self.problems))


def problems_text(problems: list[str]) -> str:
    """One message for several problems: a single one as is, several numbered on lines."""
    if len(problems) == 1:
        return problems[0]
    return f"共 {len(problems)} 处错误：\n" + "\n".join(
        f"{i}. {p}" for i, p in enumerate(problems, start=1)
    )


# ------------------------------------------------------------------ the sources registry


@dataclass(frozen=True)
class Document:
    """One entry of the sources registry: a document, report, third-party work or platform rule."""

    code: str
    title: str
    kind: str
    issuer: str | None = None
    number: str | None = None  # 文号
    date: str | None = None  # ISO date, or year-month / year when only that is known
    published: tuple[str, ...] = ()  # where it is published or was read: site and page title
    supports: str = ""
    unconfirmed: tuple[str, ...] = ()  # facts above that no source confirms
    note: str = ""
    origin: str = "project"  # project | bureau

    @property
    def citation(self) -> str:
        """《title》（文号） — the form shown wherever an item cites this entry (no 《》 when the
        title is descriptive: a platform rule or a title no source confirms)."""
        exact = self.kind in ("official", "notice", "plan", "report") and (
            "title" not in self.unconfirmed
        )
        title = f"《{self.title}》" if exact else self.title
        return f"{title}（{self.number}）" if self.number else title

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and pages."""
        return {
            "code": self.code,
            "title": self.title,
            "citation": self.citation,
            "kind": self.kind,
            "kind_label": SOURCE_KINDS.get(self.kind, self.kind),
            "issuer": self.issuer,
            "number": self.number,
            "date": self.date,
            "published": list(self.published),
            "supports": self.supports,
            "unconfirmed": list(self.unconfirmed),
            "note": self.note,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class Registry:
    """The sources registry: code → entry (the project's, plus a bureau's own additions)."""

    documents: dict[str, Document]
    version: str = ""

    def __contains__(self, code: object) -> bool:
        return code in self.documents

    def get(self, code: str) -> Document | None:
        """The entry for a code, or None."""
        return self.documents.get(code)

    def title(self, code: str) -> str:
        """The citation text of a code (the code itself when unknown)."""
        doc = self.documents.get(code)
        return doc.citation if doc else code

    def titles(self) -> dict[str, str]:
        """code → citation text, for the pure rule engines that cannot import this module."""
        return {c: d.citation for c, d in self.documents.items()}

    def entries(self, codes: Iterable[str]) -> list[dict[str, Any]]:
        """The registry facts of the given codes (first-seen order, unknown codes skipped)."""
        return [self.documents[c].as_dict() for c in dict.fromkeys(codes) if c in self.documents]


_DOC_FIELDS = {
    "title",
    "kind",
    "issuer",
    "number",
    "date",
    "published",
    "supports",
    "unconfirmed",
    "note",
}


def parse_registry(
    data: Any, where: str, origin: str = "project", taken: Mapping[str, Document] | None = None
) -> tuple[dict[str, Document], list[str]]:
    """Entries and problems of one registry file (every problem, in Chinese)."""
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
        return {}, [f"{where}：顶层应为映射，并含 sources: {{代码: 条目}}"]
    out: dict[str, Document] = {}
    for code, d in data["sources"].items():
        code = str(code)
        w = f"{where} 来源“{code}”"
        if taken and code in taken:
            problems.append(f"{w}：代码与项目登记表重复，请换一个代码")
            continue
        if not isinstance(d, dict):
            problems.append(
                f"{w}：应为映射（title、kind、issuer、number、date、published、supports）"
            )
            continue
        unknown = sorted(set(d) - _DOC_FIELDS)
        if unknown:
            problems.append(f"{w}：未知字段 {'、'.join(unknown)}")
        if not d.get("title"):
            problems.append(f"{w}：缺少标题 title")
        if d.get("kind") not in SOURCE_KINDS:
            problems.append(
                f"{w}：kind 应为 {'/'.join(SOURCE_KINDS)} 之一，实际为 {d.get('kind')!r}"
            )
        if not d.get("supports"):
            problems.append(f"{w}：缺少 supports（它支持哪些方法与条款）")
        published = d.get("published") or []
        if not isinstance(published, list) or not all(isinstance(p, str) for p in published):
            problems.append(f"{w}：published 应为文字列表（网站名称与页面标题）")
            published = []
        if any("://" in p for p in published):
            problems.append(f"{w}：published 只写网站名称与页面标题，不写网址")
        unconf = d.get("unconfirmed") or []
        bad = [f for f in unconf if f not in _DOC_FIELDS]
        if bad:
            problems.append(f"{w}：unconfirmed 含未知字段 {'、'.join(map(str, bad))}")
        when = d.get("date")
        out[code] = Document(
            code=code,
            title=str(d.get("title") or code),
            kind=str(d.get("kind") or ""),
            issuer=None if d.get("issuer") is None else str(d["issuer"]),
            number=None if d.get("number") is None else str(d["number"]),
            date=None if when is None else str(when),
            published=tuple(published),
            supports=str(d.get("supports") or ""),
            unconfirmed=tuple(str(f) for f in unconf),
            note=str(d.get("note") or ""),
            origin=origin,
        )
    return out, problems


def _yaml(text: str, where: str) -> tuple[Any, list[str]]:
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:
        return None, [f"{where}：不是有效的 YAML（{exc}）"]


def extra_dir() -> Path | None:
    """The bureau's methodology directory (setting KECHUANG_METHODOLOGY_DIR), if any."""
    from kechuang.core.config import get_settings

    d = get_settings().methodology_dir
    return Path(d) if d else None


@lru_cache(maxsize=4)
def _registry(extra: Path | None) -> Registry:
    text = resources.files("kechuang.core").joinpath(REGISTRY_FILE).read_text(encoding="utf-8")
    data, problems = _yaml(text, f"来源登记表 {REGISTRY_FILE}")
    docs, more = parse_registry(data, f"来源登记表 {REGISTRY_FILE}") if data else ({}, [])
    problems += more
    if extra is not None and (extra / EXTRA_SOURCES_FILE).is_file():
        where = f"市科技局来源登记表 {extra / EXTRA_SOURCES_FILE}"
        bdata, bp = _yaml((extra / EXTRA_SOURCES_FILE).read_text(encoding="utf-8"), where)
        problems += bp
        if bdata is not None:
            bdocs, more = parse_registry(bdata, where, origin="bureau", taken=docs)
            problems += more
            docs = {**docs, **bdocs}
    if problems:
        raise MethodologyLayerError(problems)
    return Registry(docs, str((data or {}).get("version", "")))


def registry() -> Registry:
    """The project's sources registry, with the bureau directory's additions when configured."""
    return _registry(extra_dir())


# ------------------------------------------------------------------ sources of items


@dataclass(frozen=True)
class Source:
    """Where an item comes from: a registry code, the article within it, one confirmation level."""

    code: str
    article: str
    confirmation: str
    title: str = ""  # the registry citation, resolved when the file is loaded

    @property
    def label(self) -> str:
        """The confirmation level in Chinese (已确认 / 单一来源 / 未确认 / 重构 / 暂行)."""
        return confirmation_label(self.confirmation)

    @property
    def read_in_source(self) -> bool:
        """True when the item was read in at least one copy of its source."""
        return self.confirmation in READ_IN_SOURCE

    @property
    def text(self) -> str:
        """Title and article, e.g. “《高新技术企业认定管理办法》（国科发火〔2016〕32号） 第十一条（一）”."""
        return f"{self.title or self.code} {self.article}".strip()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API and stored records."""
        return {
            "code": self.code,
            "title": self.title or self.code,
            "article": self.article,
            "confirmation": self.confirmation,
            "confirmation_label": self.label,
            "text": self.text,
        }


def read_source(
    raw: Any,
    where: str,
    problems: list[str],
    reg: Registry | Mapping[str, Any] | None,
    *,
    required: bool = True,
) -> Source | None:
    """A ``{code, article, confirmation}`` mapping as a Source; problems are appended, not raised.

    `where` names the item (the catalogue adds the file). With `reg` None the code is not looked
    up (a file read outside the product, e.g. by an engine test)."""
    if raw is None:
        if required:
            problems.append(
                f"{where}：缺少出处（source: {{code: 来源代码, article: 条款, confirmation: 确认程度}}）"
            )
        return None
    if not isinstance(raw, dict):
        problems.append(
            f"{where}：出处应写成 {{code: 来源代码, article: 条款, confirmation: 确认程度}}，实际为 {raw!r}"
        )
        return None
    unknown = sorted(set(raw) - {"code", "article", "confirmation"})
    if unknown:
        problems.append(f"{where}：出处含未知字段 {'、'.join(map(str, unknown))}")
    code = raw.get("code")
    ok = True
    if not code:
        problems.append(f"{where}：出处缺少来源代码 code")
        ok = False
    elif reg is not None and str(code) not in reg:
        problems.append(f"{where}：出处代码“{code}”不在来源登记表中")
        ok = False
    article = raw.get("article")
    if article is None or str(article).strip() == "":
        problems.append(f"{where}：出处“{code or '?'}”缺少条款 article")
        ok = False
    level = raw.get("confirmation")
    if level not in CONFIRMATION:
        problems.append(
            f"{where}：确认程度 confirmation 应为 "
            + "、".join(f"{k}（{v}）" for k, v in CONFIRMATION.items())
            + f" 之一，实际为 {level!r}"
        )
        ok = False
    if not ok:
        return None
    title = ""
    if isinstance(reg, Registry):
        title = reg.title(str(code))
    elif reg is not None:
        title = str(reg[str(code)])
    return Source(str(code), str(article).strip(), str(level), title)


def composite_framework_problems(
    data: Any, reg: Registry, where: str = "综合指数框架"
) -> list[str]:
    """Every problem with the sources of a composite-index framework (the engine's YAML form):
    each item's ``source`` must be a registry code, ``article`` given and ``confidence`` one level
    of the vocabulary. The engine itself cannot look codes up (it imports nothing from kechuang)."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return [f"{where}：缺少 items 列表"]
    problems: list[str] = []
    for i, item in enumerate(items, start=1):
        code = item.get("code", i) if isinstance(item, dict) else i
        w = f"{where} 项“{code}”"
        if not isinstance(item, dict):
            problems.append(f"{w}：应为映射")
            continue
        read_source(
            {
                "code": item.get("source"),
                "article": item.get("article"),
                "confirmation": item.get("confidence"),
            },
            w,
            problems,
            reg,
        )
    return problems


# ------------------------------------------------------------------ the catalogue

T = TypeVar("T")


@dataclass(frozen=True)
class MethodologyFile:
    """One methodology file as the catalogue hands it to a domain's parser."""

    name: str  # shown in messages, e.g. “packs/hnte_2016.yaml”
    path: str  # where it was read
    origin: str  # shipped | bureau
    data: Any  # the parsed YAML
    sha256: str  # hash of the file's bytes


@dataclass(frozen=True)
class Versioning:
    """How a catalogue tells versions apart: family, version order and effective dates."""

    code: Callable[[Any], str]
    family: Callable[[Any], str]
    version: Callable[[Any], str] = lambda e: ""
    effective_from: Callable[[Any], date | None] = lambda e: None
    effective_to: Callable[[Any], date | None] = lambda e: None


def pick_in_force(entries: list[T], on: date, v: Versioning) -> list[T]:
    """For each family, the newest version in force on the date; else the newest one that had
    started; else its earliest version (so a ladder can be drawn for years before a rung's rules
    existed; callers flag such results). Entries without dates are always in force."""
    chosen: list[T] = []
    for family in dict.fromkeys(v.family(e) for e in entries):
        versions = sorted(
            (e for e in entries if v.family(e) == family),
            key=lambda e: (v.effective_from(e) or date.min, v.version(e)),
        )
        live = [e for e in versions if in_force(e, on, v)]
        started = [e for e in versions if (v.effective_from(e) or date.min) <= on]
        chosen.append(live[-1] if live else started[-1] if started else versions[0])
    return chosen


def in_force(entry: Any, on: date, v: Versioning) -> bool:
    """True when the entry applies on the date."""
    start, end = v.effective_from(entry), v.effective_to(entry)
    return (start is None or start <= on) and (end is None or on <= end)


@dataclass
class Catalogue(Generic[T]):
    """A domain's methodology files: found, read once, hashed, parsed, checked, versioned.

    `package` and `folder` locate the shipped files (``<package>/methodology/<folder>``); a bureau
    puts its own in ``<KECHUANG_METHODOLOGY_DIR>/<domain>/<folder>`` (domain = the package's last
    part). `parse(file, registry)` is the domain's tree parser; it raises `error` (or any
    ValueError) naming the item, and the catalogue adds the file name and collects every file's
    problems before raising `error` once."""

    label: str  # e.g. “规则包”
    package: str  # e.g. “kechuang.tiers”
    folder: str  # e.g. “packs” (“” for the methodology folder itself)
    parse: Callable[[MethodologyFile, Registry], T]
    error: type[Exception]
    versioning: Versioning
    pattern: str = "*.yaml"
    _cache: dict[Any, list[T]] = field(default_factory=dict, repr=False)

    @property
    def domain(self) -> str:
        """The package's last part (the bureau directory's sub-folder)."""
        return self.package.rsplit(".", 1)[-1]

    def shipped_dir(self) -> Path:
        """The folder of the shipped files."""
        root = Path(str(resources.files(self.package).joinpath("methodology")))
        return root / self.folder if self.folder else root

    def bureau_dir(self, extra: Path | None = None) -> Path | None:
        """The bureau's folder for this catalogue (None when the setting is not set)."""
        extra = extra if extra is not None else extra_dir()
        if extra is None:
            return None
        d = extra / self.domain
        return d / self.folder if self.folder else d

    def files(self, extra: Path | None = None) -> list[tuple[Path, str]]:
        """(path, origin) of every file, shipped first, each group sorted by name."""
        out = [(p, "shipped") for p in sorted(self.shipped_dir().glob(self.pattern))]
        bd = self.bureau_dir(extra)
        if bd is not None and bd.is_dir():
            out += [(p, "bureau") for p in sorted(bd.glob(self.pattern))]
        return [(p, o) for p, o in out if p.is_file() and not p.name.startswith("_")]

    def read(self, path: Path, origin: str) -> MethodologyFile:
        """One file, parsed as YAML, with the hash of its bytes (YAML errors raise `error`)."""
        raw = path.read_bytes()
        sub = f"{self.folder}/{path.name}" if self.folder else path.name
        name = {"shipped": sub, "bureau": f"市科技局目录 {self.domain}/{sub}"}.get(
            origin, str(path)
        )
        data, problems = _yaml(raw.decode("utf-8"), f"{self.label}文件 {name}")
        if problems:
            raise self._fail(problems)
        return MethodologyFile(name, str(path), origin, data, hashlib.sha256(raw).hexdigest())

    def parse_file(self, file: MethodologyFile, reg: Registry | None = None) -> T:
        """Parse one file (e.g. a file given on the command line) with the same checks."""
        try:
            return self.parse(file, reg if reg is not None else registry())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self._fail(self._file_problems(file, exc)) from exc

    def load_path(self, path: str | Path) -> T:
        """Read and parse one file outside the catalogue's folders (validated the same way)."""
        return self.parse_file(self.read(Path(path), "file"))

    def load(self) -> list[T]:
        """Every file's entry, shipped then bureau; every problem of every file raised at once."""
        extra = extra_dir()
        if extra in self._cache:
            return self._cache[extra]
        reg = _registry(extra)
        problems: list[str] = []
        out: list[T] = []
        seen: dict[str, str] = {}
        for path, origin in self.files(extra):
            try:
                file = self.read(path, origin)
            except self.error as exc:
                problems += getattr(exc, "problems", [str(exc)])
                continue
            try:
                entry = self.parse(file, reg)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                problems += self._file_problems(file, exc)
                continue
            key = self.versioning.code(entry)
            if key in seen:
                problems.append(f"{self.label}文件 {file.name}：代码“{key}”与 {seen[key]} 重复")
                continue
            seen[key] = file.name
            out.append(entry)
        if problems:
            raise self._fail(problems)
        self._cache[extra] = out
        return out

    def clear(self) -> None:
        """Forget the files read (after the bureau directory or the setting changed)."""
        self._cache.clear()
        _registry.cache_clear()

    def get(self, code: str) -> T | None:
        """The entry with this code, or None."""
        return next((e for e in self.load() if self.versioning.code(e) == code), None)

    def versions(self, family: str) -> list[T]:
        """Every version of a family, oldest first."""
        v = self.versioning
        return sorted(
            (e for e in self.load() if v.family(e) == family),
            key=lambda e: (v.effective_from(e) or date.min, v.version(e)),
        )

    def latest(self, family: str) -> T | None:
        """The newest version of a family (by effective date, then version)."""
        versions = self.versions(family)
        return versions[-1] if versions else None

    def in_force(self, on: date) -> list[T]:
        """For each family, the version in force on the date (see `pick_in_force`)."""
        return pick_in_force(self.load(), on, self.versioning)

    def _file_problems(self, file: MethodologyFile, exc: Exception) -> list[str]:
        inner = getattr(exc, "problems", None) or [
            str(exc) if not isinstance(exc, KeyError) else f"缺少字段 {exc}"
        ]
        if isinstance(exc, (TypeError, AttributeError)):
            inner = [f"格式错误（{exc}）"]
        return [p if file.name in p else f"{self.label}文件 {file.name}：{p}" for p in inner]

    def _fail(self, problems: list[str]) -> Exception:
        err = self.error(problems_text(problems))
        err.problems = problems  # type: ignore[attr-defined]
        return err
