"""OpenAPI description of the REST steps' input (``POST /api/v1/<resource>/<id>/<step>``).

Flask-AppBuilder documents a custom endpoint only from YAML in its docstring. A step
declares its JSON body, query or uploaded files with a decorator instead, and
``ScopedModelApi`` puts it in the served spec (``/api/v1/_openapi``): Swagger UI shows it
and schemathesis fuzzes it (tests/test_api_fuzz.py)::

    @expose("/<int:pk>/cancel", methods=["POST"])
    @protect()
    @safe
    @json_body(required=["reason"], reason=text(500))
    def cancel_step(self, pk): ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

ID = {"type": "integer", "minimum": 1}
DATE = {"type": "string", "format": "date"}
PAGE = {"type": "integer", "minimum": 0}
SPEC_ATTRIBUTE = "_eoffice_openapi"
_RULE_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def text(limit: int) -> dict:
    return {"type": "string", "maxLength": limit}


def choice(values: Iterable[str]) -> dict:
    return {"type": "string", "enum": list(values)}


def array(items: dict, **extra: Any) -> dict:
    return {"type": "array", "items": items, **extra}


def obj(required: Iterable[str] = (), **properties: dict) -> dict:
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _mark(**parts: Any) -> Callable:
    def mark(func: Callable) -> Callable:
        getattr(func, SPEC_ATTRIBUTE, None) or setattr(func, SPEC_ATTRIBUTE, {})
        getattr(func, SPEC_ATTRIBUTE).update(parts)
        return func
    return mark


def json_body(required: Iterable[str] = (), **properties: dict) -> Callable:
    """The step reads a JSON object with these properties."""
    return _mark(body={"application/json": {"schema": obj(required, **properties)}})


def uploaded_files(field: str = "files") -> Callable:
    """The step reads multipart files (the upload pipeline scans them)."""
    schema = obj([field], **{field: array({"type": "string", "format": "binary"})})
    return _mark(body={"multipart/form-data": {"schema": schema}})


def query(**parameters: dict) -> Callable:
    """The endpoint reads these (optional) query arguments."""
    return _mark(query=parameters)


def documented(func: Callable) -> Callable:
    """The endpoint reads only its path parameters."""
    return _mark()(func)


def operation(func: Callable, method: str, urls: Iterable) -> dict | None:
    """The OpenAPI operation of a decorated endpoint, or None if it is not decorated."""
    spec = getattr(func, SPEC_ATTRIBUTE, None)
    if spec is None:
        return None
    parameters = []
    for url, _methods in urls:
        for converter, name in _RULE_PARAMETER.findall(url):
            kind = {"type": "integer"} if converter == "int" else {"type": "string"}
            parameters.append({"in": "path", "name": name, "required": True, "schema": kind})
    for name, schema in spec.get("query", {}).items():
        parameters.append({"in": "query", "name": name, "required": False, "schema": schema})
    summary = " ".join((func.__doc__ or "").strip().split("\n\n")[0].split())
    result: dict = {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "Done: the row after the step"},
            "201": {"description": "Created: the new rows"},
            **{code: {"$ref": f"#/components/responses/{code}"}
               for code in ("400", "401", "403", "404")},
        },
        "security": [{"jwt": []}],
    }
    if method != "get" and "body" in spec:
        result["requestBody"] = {"required": True, "content": spec["body"]}
    return result
