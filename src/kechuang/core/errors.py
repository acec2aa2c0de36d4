"""The one error model: every error a user can cause carries an HTTP status and a Chinese message.

A domain raises a subclass of `UserError` (or of one of the few kinds below) and lets it through;
`core.web.install_error_handlers` turns it into the one JSON body every route answers with:

    {"detail": "中文说明", "errors": [{"field" | "row"/"column"/"value"/"reason", "message"}, ...]}

`errors` is there only when there are details (request fields, cells of an uploaded file).

Exceptions of code that may not import kechuang (the engines) stay plain; the domain that calls an
engine registers them here with `register_error(cls, status)` at import time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class ErrorItem(BaseModel):
    """One detail of an error: a request parameter, or a cell of an uploaded file."""

    model_config = ConfigDict(extra="forbid")

    field: str | None = Field(None, description="出错的参数（请求参数、请求体字段路径）")
    row: int | None = Field(None, description="出错的行号（表头为第 1 行；0 表示整个文件）")
    column: str | None = Field(None, description="出错的列（表头）")
    value: str | None = Field(None, description="单元格中的值")
    reason: str | None = Field(None, description="出错原因")
    message: str = Field(description="中文说明")


class ErrorBody(BaseModel):
    """The body of every error response."""

    detail: str = Field(description="中文错误说明")
    errors: list[ErrorItem] = Field(
        default_factory=list, description="逐项说明（参数或单元格）；没有时省略"
    )


class UserError(Exception):
    """An error the user can act on: an HTTP status and a Chinese message (plus optional details).

    Subclasses set `status`; the message defaults to `default_message`.
    """

    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "请求有误"

    def __init__(self, message: str | None = None, errors: Iterable[ErrorItem | Mapping] = ()):
        self.message = message or self.default_message
        self.errors = [e if isinstance(e, ErrorItem) else ErrorItem(**e) for e in errors]
        super().__init__(self.message)


class BadInput(UserError, ValueError):
    """A parameter or request content that cannot be used (400)."""

    status = 400
    default_message = "请求有误"


class Unprocessable(UserError, ValueError):
    """Content that was read but fails validation: a file with bad cells, an invalid definition (422)."""

    status = 422
    default_message = "提交的内容未通过校验"


class Forbidden(UserError, PermissionError):
    """The principal's role may not do this (403)."""

    status = 403
    default_message = "无权访问"


class NotFound(UserError):
    """The object does not exist, or lies outside the principal's scope (404: the two look alike)."""

    status = 404
    default_message = "资源不存在"


class Conflict(UserError):
    """The request clashes with stored data, e.g. a code and version that already exist (409)."""

    status = 409
    default_message = "与已有数据冲突"


class TooLarge(UserError):
    """An upload above the configured limit (413)."""

    status = 413
    default_message = "文件过大"


# ------------------------------------------------------------------ database errors a request can cause

BUSY_MESSAGE = "数据库正忙，请稍后重试"
# SQLSTATE codes (PostgreSQL) and message fragments (SQLite) of the database errors that are the
# client's or the moment's, not the code's: they answer 409/422/503 instead of 500.
_BUSY_STATES = {"40001", "40P01", "55P03", "57014"}  # serialization, deadlock, lock, cancelled
_BUSY_TEXT = ("database is locked", "database table is locked", "database is busy")


def database_error(exc: BaseException) -> UserError | None:
    """The user error for a database error a request can cause (None when it is a real fault).

    A concurrent write (SQLite `database is locked`, PostgreSQL serialization failure or deadlock)
    is 503 "数据库正忙"; a duplicate is 409; a reference to a missing object or a value the column
    cannot hold is 422 — services check what they can, this is the net under them.
    """
    from sqlalchemy import exc as sa

    if not isinstance(exc, sa.DBAPIError):
        return None
    orig = exc.orig
    state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    text = str(orig).lower()
    if state in _BUSY_STATES or any(t in text for t in _BUSY_TEXT):
        return Busy()
    if isinstance(exc, sa.IntegrityError):
        if state == "23505" or "unique constraint" in text:
            return Conflict("与已有数据重复（可能是其他人刚刚提交了相同的数据），请刷新后重试")
        if state == "23503" or "foreign key" in text:
            return Unprocessable("引用的对象不存在（如高新区、企业的编号有误），请检查后重试")
        return Unprocessable("提交的内容不符合数据约束（如必填项为空）")
    if isinstance(exc, sa.DataError) or state.startswith("22"):
        return Unprocessable("数值超出范围或格式不符")
    return None


class Busy(UserError):
    """The database is busy with another write; the client may retry (503)."""

    status = 503
    default_message = BUSY_MESSAGE


def cell_errors(cells: Iterable[Any]) -> list[ErrorItem]:
    """Error items for bad cells (objects or dicts with row, column, value and reason)."""
    out = []
    for c in cells:
        d = c if isinstance(c, Mapping) else vars(c)
        row, column, reason = d.get("row"), d.get("column"), d.get("reason", "")
        value = d.get("value")
        where = f"第{row}行“{column}”：" if row else ""
        out.append(
            ErrorItem(
                message=f"{where}{reason}",
                row=row,
                column=column,
                value=None if value is None else str(value),
                reason=reason,
            )
        )
    return out


# ------------------------------------------------------------------ plain exceptions of the engines

_REGISTERED: dict[type[BaseException], int] = {}
_LISTENERS: list[Callable[[type[BaseException]], None]] = []


def register_error(cls: type[BaseException], status: int) -> None:
    """Answer a plain exception class (an engine's, whose message is Chinese) with this status."""
    _REGISTERED[cls] = status
    for listener in list(_LISTENERS):
        listener(cls)


def registered_errors() -> dict[type[BaseException], int]:
    """The plain exception classes registered so far, with their statuses."""
    return dict(_REGISTERED)


def on_register(listener: Callable[[type[BaseException]], None]) -> None:
    """Call `listener(cls)` for every class registered from now on (the web layer installs it)."""
    _LISTENERS.append(listener)


def status_of(exc: BaseException) -> int:
    """The HTTP status for a user error or a registered exception (500 for anything else)."""
    if isinstance(exc, UserError):
        return exc.status
    for cls in type(exc).__mro__:
        if cls in _REGISTERED:
            return _REGISTERED[cls]
    return 500


def error_body(exc: BaseException) -> dict[str, Any]:
    """The JSON body for a user error or a registered exception."""
    if isinstance(exc, UserError):
        detail, items = exc.message, exc.errors
    else:
        messages = [str(m) for m in getattr(exc, "messages", None) or [] if str(m)]
        detail = "；".join(messages) if messages else str(exc)
        items = [ErrorItem(message=m) for m in messages] if len(messages) > 1 else []
    return body(detail or "请求有误", items)


def body(detail: str, items: Sequence[ErrorItem] = ()) -> dict[str, Any]:
    """{"detail": ..., "errors": [...]} with `errors` left out when there are none."""
    out: dict[str, Any] = {"detail": detail}
    if items:
        out["errors"] = [i.model_dump(exclude_none=True) for i in items]
    return out


# ------------------------------------------------------------------ request validation in Chinese

_WHAT: dict[str, str] = {
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数（不能有小数）",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为布尔值（true 或 false）",
    "bool_type": "应为布尔值（true 或 false）",
    "string_type": "应为文本",
    "string_unicode": "应为有效的 Unicode 文本",
    "bytes_type": "应为文件或字节数据",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求（应匹配 {pattern}）",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "date_parsing": "应为日期（如 2024-01-31）",
    "date_type": "应为日期（如 2024-01-31）",
    "date_from_datetime_parsing": "应为日期（如 2024-01-31）",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "datetime_parsing": "应为日期时间（如 2024-01-31T08:00:00）",
    "datetime_type": "应为日期时间（如 2024-01-31T08:00:00）",
    "datetime_from_date_parsing": "应为日期时间（如 2024-01-31T08:00:00）",
    "time_parsing": "应为时间（如 08:00:00）",
    "time_type": "应为时间（如 08:00:00）",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "dict_type": "应为对象（键值对）",
    "model_type": "应为对象（键值对）",
    "model_attributes_type": "应为对象（键值对）",
    "dataclass_type": "应为对象（键值对）",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为不重复的列表",
    "iterable_type": "应为列表",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON 文本",
    "extra_forbidden": "是不允许的参数",
    "none_required": "应为空",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "url_parsing": "应为网址",
    "url_type": "应为网址",
    "url_scheme": "网址协议不被允许",
    "int_parsing_size": "应为整数（数值过大）",
    "string_not_ascii": "只能包含英文字母、数字和符号",
    "bytes_too_short": "长度不能少于 {min_length} 个字节",
    "bytes_too_long": "长度不能超过 {max_length} 个字节",
    "bytes_invalid_encoding": "编码无效",
    "date_past": "应为过去的日期",
    "date_future": "应为将来的日期",
    "datetime_object_invalid": "应为日期时间（如 2024-01-31T08:00:00）",
    "datetime_past": "应为过去的时间",
    "datetime_future": "应为将来的时间",
    "timezone_naive": "不能带时区",
    "timezone_aware": "应带时区",
    "timezone_offset": "时区不符合要求",
    "time_delta_type": "应为时长",
    "time_delta_parsing": "应为时长",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位",
    "fraction_type": "应为数字",
    "fraction_parsing": "应为数字",
    "complex_type": "应为数字",
    "complex_str_parsing": "应为数字",
    "mapping_type": "应为对象（键值对）",
    "frozen_dict_type": "应为对象（键值对）",
    "ordered_dict_type": "应为对象（键值对）",
    "counter_type": "应为对象（键值对）",
    "frozen_set_type": "应为不重复的列表",
    "deque_type": "应为列表",
    "named_tuple_type": "应为列表",
    "set_item_not_hashable": "列表中有无法比较的项",
    "invalid_key": "键无效",
    "union_tag_invalid": "类型标记无效（应为以下之一：{expected_tags}）",
    "union_tag_not_found": "缺少类型标记“{discriminator}”",
    "url_syntax_violation": "应为网址",
    "url_too_long": "网址过长",
    "uuid_version": "UUID 版本不符合要求",
    "frozen_field": "不能修改",
    "frozen_instance": "不能修改",
    "recursion_loop": "嵌套层级过深",
    "recursion_depth_exceeded": "嵌套层级过深",
    "is_instance_of": "类型不符合要求",
    "missing_argument": "缺少必填参数",
    "unexpected_keyword_argument": "是不允许的参数",
    "unexpected_positional_argument": "是不允许的参数",
    "multiple_argument_values": "重复给出",
}
# Parts of a pydantic location that name a member of a union type, not a field ("float", "list[int]").
_UNION_TAGS = {"int", "float", "bool", "str", "bytes", "none", "decimal", "list", "dict", "set"}


def _field_path(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    kept = [
        str(p)
        for i, p in enumerate(parts)
        if i == 0 or not (isinstance(p, str) and (p in _UNION_TAGS or "[" in p))
    ]
    return ".".join(kept)


def _what(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error") or err.get("msg", ""))
        text = re.sub(r"^(Value error|Assertion failed),\s*", "", text)
        return f"无效：{text}"
    template = _WHAT.get(kind)
    if template is None:  # pydantic's own (English) text would leak; name the kind instead
        return f"取值无效（{kind or '未知错误'}）"
    try:
        return template.format(**{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template


def validation_items(errors: Iterable[Mapping[str, Any]]) -> list[ErrorItem]:
    """Pydantic/FastAPI validation errors as one Chinese item per field (union members merged)."""
    whats: dict[str, list[str]] = {}
    missing: set[str] = set()
    for err in errors:
        # A body that is not JSON at all: the location ends with a character offset, not a field.
        whole = err.get("type") in ("json_invalid", "json_type")
        field = "" if whole else _field_path(err.get("loc", ()))
        if err.get("type") == "missing":
            missing.add(field)
            whats.setdefault(field, [])
            continue
        what = _what(err)
        seen = whats.setdefault(field, [])
        if what not in seen:
            seen.append(what)
    items = []
    for field, texts in whats.items():
        name = f"参数“{field}”" if field else "请求体"
        if field in missing:
            message = f"缺少必填参数“{field}”" if field else "缺少请求体"
        else:
            message = name + "，或".join(texts)
        items.append(ErrorItem(field=field, message=message))
    return items


def rejected_import(message: str, cells: Sequence[Any]) -> UserError:
    """The error for an import that stored nothing, listing every bad cell.

    400 when the file as a whole could not be used (only row-0 errors: not a spreadsheet, unknown
    kind, unreadable sheet); 422 when it was read and cells failed validation.
    """
    items = cell_errors(cells)
    if items and all(not i.row for i in items):
        return BadInput("；".join(i.message for i in items), items)
    return Unprocessable(message, items)
