"""Validate response bodies against the API's own OpenAPI document.

``jsonschema`` is not installed, so this is a small recursive checker covering what
pydantic/ninja emit: ``$ref``, ``anyOf``/``oneOf``/``allOf``, ``type``, ``enum``/``const``,
``properties``/``required``, ``items``, string/number bounds, ``pattern`` and the date/time
formats. Unlike plain JSON Schema it rejects properties the schema does not document, so a
field added to a response without its schema (or vice versa) fails the tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _is_type(value: Any, name: str) -> bool:
    if name in {"integer", "number"} and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def _format_ok(value: str, fmt: str) -> bool:
    parsers = {
        "date": dt.date.fromisoformat,
        "date-time": lambda v: dt.datetime.fromisoformat(v.replace("Z", "+00:00")),
        "time": dt.time.fromisoformat,
    }
    if fmt not in parsers:
        return True
    try:
        parsers[fmt](value)
    except ValueError:
        return False
    return True


class OpenAPIValidator:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    @cached_property
    def _routes(self) -> list[tuple[re.Pattern[str], str]]:
        routes = []
        for template in self.document["paths"]:
            regex = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
            routes.append((re.compile(f"^{regex}$"), template))
        return routes

    def operation(self, method: str, path: str) -> dict[str, Any]:
        for regex, template in self._routes:
            if regex.match(path):
                operations = self.document["paths"][template]
                if method.lower() in operations:
                    return operations[method.lower()]
        raise AssertionError(f"{method} {path} is not in the OpenAPI document")

    def errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Why ``body`` does not match the documented response (empty when it does)."""
        responses = self.operation(method, path)["responses"]
        if str(status) not in responses:
            return [f"status {status} is not documented (documented: {sorted(responses)})"]
        content = responses[str(status)].get("content", {})
        if "application/json" not in content:
            return [f"status {status} documents no JSON body"]
        return list(self._check(body, content["application/json"]["schema"], "$"))

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _check(self, value: Any, schema: dict[str, Any], at: str) -> Iterator[str]:
        schema = self._resolve(schema)
        if "allOf" in schema:
            for sub in schema["allOf"]:
                yield from self._check(value, sub, at)
        if "anyOf" in schema or "oneOf" in schema:
            options = schema.get("anyOf") or schema["oneOf"]
            matching = [opt for opt in options if not list(self._check(value, opt, at))]
            if not matching or ("oneOf" in schema and len(matching) > 1):
                yield f"{at}: {value!r} matches {len(matching)} of the alternatives {options}"
            return
        if "const" in schema and value != schema["const"]:
            yield f"{at}: {value!r} is not {schema['const']!r}"
        if "enum" in schema and value not in schema["enum"]:
            yield f"{at}: {value!r} is not one of {schema['enum']}"
        kinds = schema.get("type")
        if kinds is not None:
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not any(_is_type(value, kind) for kind in kinds):
                yield f"{at}: {value!r} is not of type {kinds}"
                return
        if isinstance(value, dict):
            yield from self._check_object(value, schema, at)
        elif isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                yield from self._check(item, schema["items"], f"{at}[{i}]")
        elif isinstance(value, str):
            yield from self._check_string(value, schema, at)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                yield f"{at}: {value} < minimum {schema['minimum']}"
            if "maximum" in schema and value > schema["maximum"]:
                yield f"{at}: {value} > maximum {schema['maximum']}"

    def _check_object(
        self, value: dict[str, Any], schema: dict[str, Any], at: str
    ) -> Iterator[str]:
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                yield f"{at}: required property {name!r} is missing"
        extra = schema.get("additionalProperties", False if properties else True)
        for name, item in value.items():
            if name in properties:
                yield from self._check(item, properties[name], f"{at}.{name}")
            elif isinstance(extra, dict):
                yield from self._check(item, extra, f"{at}.{name}")
            elif not extra:
                yield f"{at}: property {name!r} is not documented"

    def _check_string(self, value: str, schema: dict[str, Any], at: str) -> Iterator[str]:
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield f"{at}: shorter than {schema['minLength']}"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield f"{at}: longer than {schema['maxLength']}"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield f"{at}: {value!r} does not match {schema['pattern']!r}"
        if "format" in schema and not _format_ok(value, schema["format"]):
            yield f"{at}: {value!r} is not a valid {schema['format']}"
