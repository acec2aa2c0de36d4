"""The one response layer for files and errors in OpenAPI: downloads with Chinese file names, and
the error body every router declares."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from fastapi import Response
from pydantic import BaseModel, Field

from kechuang.core.errors import ErrorBody

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MEDIA_TYPES = {
    ".xlsx": XLSX,
    ".docx": DOCX,
    ".pdf": PDF,
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".zip": "application/zip",
}
_LABELS = {XLSX: "Excel 文件（.xlsx）", DOCX: "Word 文件（.docx）", PDF: "PDF 文件"}


def media_type_for(filename: str) -> str:
    """The media type of a file name's extension (application/octet-stream when unknown)."""
    return MEDIA_TYPES.get(PurePath(filename).suffix.lower(), "application/octet-stream")


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 name of RFC 5987 / RFC 6266.

    Path separators and control characters are replaced, so the name is a name, never a path.
    """
    name = re.sub(r"[\\/\x00-\x1f\x7f]+", "_", filename).strip() or "download"
    path = PurePath(name)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("._-") or "download"
    suffix = re.sub(r"[^A-Za-z0-9.]+", "", path.suffix)
    return f"attachment; filename=\"{stem}{suffix}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(content: bytes, filename: str, media_type: str | None = None) -> Response:
    """A download: media type from the extension, and a Chinese file name that every browser keeps."""
    return Response(
        content,
        media_type=media_type or media_type_for(filename),
        headers={"Content-Disposition": content_disposition(filename)},
    )


def download(*media_types: str, description: str = "") -> dict[str, Any]:
    """Route options for a download: `@router.get(path, **download(XLSX))`.

    OpenAPI then shows the 200 response as a file of these media types, not JSON.
    """
    binary = {"schema": {"type": "string", "format": "binary"}}
    text = description or "、".join(_LABELS.get(m, m) for m in media_types)
    return {
        "response_class": Response,
        "responses": {200: {"description": text, "content": {m: binary for m in media_types}}},
    }


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "请求有误（中文说明）"},
    401: {"model": ErrorBody, "description": "未登录或令牌无效"},
    403: {"model": ErrorBody, "description": "当前角色无权执行此操作"},
    404: {"model": ErrorBody, "description": "不存在，或不在当前用户的可见范围内"},
    409: {"model": ErrorBody, "description": "与已有数据冲突"},
    422: {"model": ErrorBody, "description": "参数或提交的内容未通过校验（逐项说明）"},
    503: {"model": ErrorBody, "description": "数据库正忙，请稍后重试"},
}
UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "文件超过上传上限"},
}


class SourceEntryOut(BaseModel):
    """A document of the sources registry as the API shows it beside a methodology."""

    code: str
    title: str
    citation: str = Field(description="标题与文号，如《…》（国科发火〔2016〕32号）")
    kind: str
    kind_label: str
    issuer: str | None
    number: str | None = Field(description="文号")
    date: str | None
    published: list[str] = Field(description="发布处（站点与页面名称）")
    supports: str | None
    unconfirmed: list[str] = Field(description="未经确认的事实（字段名）")
    note: str | None
    origin: str = Field(description="project（项目登记）或 bureau（市科技局增补）")
