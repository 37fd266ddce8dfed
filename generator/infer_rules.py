"""How ``xsoar-fetch infer`` reads answers off an OpenAPI operation and sample responses.

Each rule returns an answer with the evidence it rests on, or the reason it could not
tell. Schemas arrive with ``$ref``s already resolved (generator/infer.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post")
ISO_RE = re.compile(
    r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$", re.I
)
EVENTS_ENDPOINT_RE = re.compile(r"^/[A-Za-z0-9._~%:@+/-]{0,63}$")
BASE_URL_RE = re.compile(
    r"^https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$"
)
TOKEN_URL_RE = re.compile(
    r"^(https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?)?/[A-Za-z0-9._~%/:@+-]*$"
)

LIMIT_NAMES = {
    "limit",
    "pagesize",
    "perpage",
    "size",
    "count",
    "top",
    "maxresults",
    "resultsperpage",
    "pagelimit",
    "take",
    "rows",
    "batchsize",
    "maxitems",
    "maxcount",
}
OFFSET_NAMES = {"offset", "skip", "startindex", "startat"}
PAGE_NAMES = {"page", "pagenumber", "pagenum", "pageindex", "pageno"}
CURSOR_NAMES = {
    "cursor",
    "after",
    "pagetoken",
    "nextpagetoken",
    "nexttoken",
    "continuationtoken",
    "continuation",
    "marker",
    "startingafter",
    "pagecursor",
    "scrollid",
}
NEXT_CURSOR_NAMES = CURSOR_NAMES | {"next", "nextcursor", "endcursor"}
ID_PARAM_NAMES = {
    "sinceid",
    "afterid",
    "minid",
    "idgt",
    "idgte",
    "startafterid",
    "fromid",
    "lastid",
    "greaterthanid",
}
SORT_NAMES = {"sortorder", "order", "sort", "sortdir", "sortdirection", "direction"}
SORT_BY_NAMES = {"sortby", "orderby", "sortfield"}
FILTER_NAMES = {"filter", "query", "q", "jql", "sysparmquery", "search"}
HAS_MORE_NAMES = {
    "hasmore",
    "more",
    "hasnext",
    "hasnextpage",
    "moreresults",
    "hasmoreresults",
}
NO_MORE_NAMES = {
    "endofstream",
    "islast",
    "last",
    "lastpage",
    "islastpage",
    "done",
    "endoflist",
}
START_TOKENS = {
    "since",
    "from",
    "start",
    "begin",
    "after",
    "gte",
    "gt",
    "oldest",
    "min",
    "earliest",
    "newer",
}
END_TOKENS = {"until", "to", "end", "before", "lte", "lt", "latest", "max", "older"}
# Words found inside one-word names such as insertionstarttime.
START_PARTS = ("since", "starttime", "startdate", "begin", "oldest")
END_PARTS = ("until", "endtime", "enddate", "latest")
TIME_PARTS = ("time", "date")
CREATED_TOKENS = {"created", "create", "published", "occurred", "timestamp", "logged"}
LATER_TOKENS = {"updated", "modified", "last", "deleted", "expires", "closed", "end"}
NAME_FIELDS = (
    "title",
    "name",
    "summary",
    "displayMessage",
    "message",
    "primaryDescription",
    "description",
    "action",
    "category",
    "eventType",
)
SEVERITY_FIELDS = ("severity",)
ASCENDING_WORDS = ("asc", "ascending", "oldest")
DESCENDING_WORDS = ("desc", "descending", "newest")
ORDER_PHRASES = (
    (
        re.compile(
            r"newest first|most recent first|reverse chronological|descending", re.I
        ),
        "descending",
    ),
    (re.compile(r"oldest first|chronological order|ascending", re.I), "ascending"),
)


@dataclass
class Answer:
    """One inferred answer and the evidence it rests on."""

    value: Any
    evidence: str


@dataclass
class Inference:
    """The inferred answers (in file order) and the reasons for the rest."""

    answers: dict[str, Answer] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)

    def set(self, key: str, value: Any, evidence: str) -> None:
        self.answers[key] = Answer(value, evidence)
        self.unknown.pop(key, None)

    def miss(self, key: str, reason: str) -> None:
        if key not in self.answers:
            self.unknown[key] = reason

    def value(self, key: str, default: Any = None) -> Any:
        answer = self.answers.get(key)
        return answer.value if answer else default


@dataclass
class Sample:
    """One recorded response of the list endpoint."""

    name: str
    file: str
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Param:
    """A request parameter: a query parameter, or a JSON body property (dotted)."""

    name: str
    where: str
    schema: dict[str, Any]
    description: str
    example: Any

    @property
    def key(self) -> str:
        return normal(self.name.rsplit(".", 1)[-1])

    def label(self) -> str:
        details = [f"{self.where}"]
        if self.schema.get("format"):
            details.append(f"format {self.schema['format']}")
        elif type_of(self.schema):
            details.append(f"type {type_of(self.schema)}")
        return f"parameter '{self.name}' ({', '.join(details)})"


@dataclass
class Operation:
    """The chosen operation of the document."""

    document: dict[str, Any]
    method: str
    path: str
    spec: dict[str, Any]
    path_item: dict[str, Any]
    why: str

    @property
    def label(self) -> str:
        op_id = self.spec.get("operationId")
        shown = f"{self.method.upper()} {self.path}"
        return f"{op_id} ({shown})" if op_id else shown


def normal(name: str) -> str:
    """A name lowercased, without separators: page_size, pageSize, $top -> pagesize."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def tokens(name: str) -> list[str]:
    """The words of a name: createdAt__gte -> created, at, gte."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


# ---------------------------------------------------------------- schemas


def properties(schema: Any) -> dict[str, Any]:
    """The properties of an object schema, allOf/oneOf/anyOf merged."""
    if not isinstance(schema, dict):
        return {}
    merged: dict[str, Any] = {}
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key) or []:
            merged.update(properties(part))
    merged.update(schema.get("properties") or {})
    return merged


def required_names(schema: Any) -> set[str]:
    """The required property names of a schema, allOf merged."""
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("required") or [])
    for part in schema.get("allOf") or []:
        names |= required_names(part)
    return names


def type_of(schema: Any) -> str | None:
    """A schema's type; of an OpenAPI 3.1 list such as [string, "null"], the non-null one."""
    if not isinstance(schema, dict):
        return None
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if len(kinds) == 1 else None
    return kind if isinstance(kind, str) else None


def is_object(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        type_of(schema) == "object" or bool(properties(schema))
    )


def is_array_of_objects(schema: Any) -> bool:
    return type_of(schema) == "array" and is_object(schema.get("items"))


def walk_schema(
    schema: Any, prefix: str = "", depth: int = 3
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(dotted path, schema, parent schema) of every property, never inside arrays."""
    if depth == 0:
        return
    for name, child in properties(schema).items():
        if not isinstance(child, dict):
            continue
        path = f"{prefix}.{name}" if prefix else name
        yield path, child, schema
        if is_object(child):
            yield from walk_schema(child, path, depth - 1)


def walk_body(body: Any, prefix: str = "", depth: int = 3) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every key of a JSON body, never inside lists."""
    if depth == 0 or not isinstance(body, dict):
        return
    for name, value in body.items():
        path = f"{prefix}.{name}" if prefix else str(name)
        yield path, value
        if isinstance(value, dict):
            yield from walk_body(value, path, depth - 1)


def example_of(schema: dict[str, Any]) -> Any:
    if "example" in schema:
        return schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    return None


# ---------------------------------------------------------------- the operation


def operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            if isinstance(item.get(method), dict):
                yield Operation(document, method, path, item[method], item, "")


def success_schema(operation: Operation) -> dict[str, Any] | None:
    """The JSON schema of the operation's 200 (or first 2xx) response."""
    responses = operation.spec.get("responses") or {}
    for code in sorted(responses, key=lambda code: (str(code) != "200", str(code))):
        if not str(code).startswith("2"):
            continue
        response = responses[code]
        content = response.get("content") if isinstance(response, dict) else None
        for media, body in (content if isinstance(content, dict) else {}).items():
            if _json_media(media) and isinstance(body, dict) and body.get("schema"):
                return body["schema"]
    return None


def _json_media(media: str) -> bool:
    """JSON content, or the ``*/*`` that some generators write for it."""
    return "json" in media or media.strip() == "*/*"


def success_response(operation: Operation) -> dict[str, Any]:
    responses = operation.spec.get("responses") or {}
    for code in sorted(responses, key=lambda code: (str(code) != "200", str(code))):
        if str(code).startswith("2") and isinstance(responses[code], dict):
            return responses[code]
    return {}


def event_arrays(schema: Any) -> list[tuple[str, dict[str, Any]]]:
    """(events_path, item schema) of every array of objects in a response schema."""
    if is_array_of_objects(schema):
        return [("", schema["items"])]
    return [
        (path, child["items"])
        for path, child, _ in walk_schema(schema)
        if is_array_of_objects(child)
    ]


def parameters(operation: Operation) -> list[Param]:
    """The query parameters, and for POST the JSON body's properties (dotted)."""
    found: dict[tuple[str, str], Param] = {}
    for spec in [
        *(operation.path_item.get("parameters") or []),
        *(operation.spec.get("parameters") or []),
    ]:
        if not isinstance(spec, dict) or spec.get("in") not in ("query", "header"):
            continue
        if not isinstance(spec.get("name"), str):
            continue
        schema = spec.get("schema")
        if not isinstance(schema, dict):
            # A parameter described by content (one media type) carries its schema there.
            media = [
                c for c in (spec.get("content") or {}).values() if isinstance(c, dict)
            ]
            schema = media[0].get("schema") if media else None
            schema = schema if isinstance(schema, dict) else {}
        example = spec.get("example", example_of(schema))
        if example is None and isinstance(spec.get("examples"), dict):
            values = [
                v.get("value") for v in spec["examples"].values() if isinstance(v, dict)
            ]
            example = values[0] if values else None
        found[(spec["in"], spec["name"])] = Param(
            spec["name"],
            spec["in"],
            schema,
            str(spec.get("description") or schema.get("description") or ""),
            example,
        )
    request_body = operation.spec.get("requestBody")
    body = request_body.get("content") if isinstance(request_body, dict) else None
    for media, content in (body if isinstance(body, dict) else {}).items():
        if not _json_media(media) or not isinstance(content, dict):
            continue
        for path, schema, _ in walk_schema(content.get("schema")):
            if is_object(schema):
                continue
            found[("body", path)] = Param(
                path,
                "body",
                schema,
                str(schema.get("description") or ""),
                example_of(schema),
            )
    return [param for (where, _), param in found.items() if where != "header"]


def has_word(name: str, words: set[str], parts: tuple[str, ...] = ()) -> bool:
    """Whether a name holds one of ``words``, or one of ``parts`` inside a word."""
    return bool(set(tokens(name)) & words) or any(
        part in normal(name) for part in parts
    )


def is_start(name: str) -> bool:
    return has_word(name, START_TOKENS, START_PARTS)


def is_end(name: str) -> bool:
    return has_word(name, END_TOKENS, END_PARTS)


def is_time_param(param: Param) -> bool:
    if param.schema.get("format") in ("date-time", "date"):
        return True
    if type_of(param.schema) not in ("integer", "number", "string", None):
        return False
    if param.key in ID_PARAM_NAMES:
        return False
    return bool(
        has_word(param.name, {"since", "until", "oldest", "latest"}, TIME_PARTS)
        or re.search(r"\b(time|date|timestamp|epoch)\b", param.description, re.I)
        and (is_start(param.name) or is_end(param.name))
    )


def candidate_reason(operation: Operation) -> str | None:
    """Why an operation looks like the event list, or None when it does not."""
    if "{" in operation.path:
        return None
    arrays = event_arrays(success_schema(operation))
    if not arrays:
        return None
    params = parameters(operation)
    times = [p.name for p in params if is_time_param(p)]
    filters = [
        p.name
        for p in params
        if p.key in FILTER_NAMES
        and _filter_template(f"{p.example or ''} {p.description}")
    ]
    where = f"'{arrays[0][0]}'" if arrays[0][0] else "the top level"
    if times:
        return (
            f"returns an array of objects at {where} and takes time parameters "
            f"({', '.join(times)})"
        )
    if filters:
        return (
            f"returns an array of objects at {where} and filters by time "
            f"({', '.join(filters)})"
        )
    return None


def choose_operation(
    document: dict[str, Any], operation_id: str | None, path: str | None
) -> Operation:
    """The operation named by ``--operation``/``--path``, or the one that lists events."""
    from generator.errors import UserError

    every = list(operations(document))
    if operation_id:
        for operation in every:
            if operation.spec.get("operationId") == operation_id:
                operation.why = "named with --operation"
                return operation
        known = sorted(
            o.spec["operationId"] for o in every if o.spec.get("operationId")
        )
        raise UserError(
            f"--operation {operation_id}: no such operationId in the document "
            f"(it has: {', '.join(known) or 'none'})"
        )
    if path:
        matching = [o for o in every if o.path == path]
        if not matching:
            raise UserError(
                f"--path {path}: no GET or POST operation on that path "
                f"(paths: {', '.join(sorted({o.path for o in every}))})"
            )
        chosen = next((o for o in matching if o.method == "get"), matching[0])
        chosen.why = "named with --path"
        return chosen
    candidates = [(o, why) for o in every if (why := candidate_reason(o))]
    if not candidates:
        raise UserError(
            "no operation both returns an array of objects and takes a time "
            "parameter; name the list request with --operation or --path"
        )
    if len(candidates) > 1:
        listed = "; ".join(o.label for o, _ in candidates)
        raise UserError(
            f"several operations could list events: {listed}; choose one with "
            "--operation OPERATION_ID or --path /api/path"
        )
    operation, why = candidates[0]
    operation.why = f"the only operation that {why}"
    return operation


# ---------------------------------------------------------------- the rules


def infer_answers(operation: Operation | None, samples: list[Sample]) -> Inference:
    """Every answer the operation and samples support, and the reasons for the rest."""
    result = Inference()
    params = parameters(operation) if operation else []
    if operation:
        infer_server(result, operation)
        infer_auth(result, operation)
        result.set(
            "http_method", operation.method.upper(), f"operation {operation.label}"
        )
        if EVENTS_ENDPOINT_RE.match(operation.path):
            result.set(
                "events_endpoint", operation.path, f"operation {operation.label}"
            )
        else:
            result.miss(
                "events_endpoint",
                f"the path {operation.path} is not a plain path of at most 64 "
                "characters (path parameters?)",
            )
    else:
        for key in ("base_url", "auth_type", "http_method", "events_endpoint"):
            result.miss(key, "samples alone do not show it; give --openapi")
    item = infer_events_path(result, operation, samples)
    infer_fields(result, item, samples, params)
    infer_time_params(result, params)
    infer_paging(result, operation, samples, params)
    infer_page_size(result, operation, params)
    infer_order(result, operation, samples, params)
    drop_inapplicable(result)
    return result


def infer_server(result: Inference, operation: Operation) -> None:
    servers = operation.spec.get("servers") or operation.path_item.get("servers")
    servers = servers or operation.document.get("servers") or []
    if not servers or not isinstance(servers[0], dict) or "url" not in servers[0]:
        result.miss("base_url", "the document names no servers")
        return
    server = servers[0]
    url = str(server["url"])
    for name, variable in (server.get("variables") or {}).items():
        if isinstance(variable, dict) and "default" in variable:
            url = url.replace(f"{{{name}}}", str(variable["default"]))
    url = url.rstrip("/")
    if BASE_URL_RE.match(url):
        extra = " with its variables' defaults" if server.get("variables") else ""
        result.set("base_url", url, f"servers[0].url{extra}")
    else:
        result.miss("base_url", f"servers[0].url {url!r} is not an absolute http URL")


def infer_auth(result: Inference, operation: Operation) -> None:
    document = operation.document
    security = operation.spec.get("security", document.get("security"))
    if security is not None and not isinstance(security, list):
        security = None
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    if not isinstance(schemes, dict):
        schemes = {}
    if security == [] or (security is None and not schemes):
        where = "operation" if "security" in operation.spec else "document"
        if security == []:
            result.set("auth_type", "none", f"the {where}'s security is empty")
        else:
            result.miss("auth_type", "the document names no security scheme")
        return
    requirements = security or [{name: [] for name in schemes}]
    for requirement in requirements:
        for name, scopes in (
            requirement if isinstance(requirement, dict) else {}
        ).items():
            scheme = schemes.get(name)
            if isinstance(scheme, dict) and _auth_from_scheme(
                result, name, scheme, scopes or []
            ):
                return
    result.miss(
        "auth_type",
        "no security scheme of the operation is an API key, bearer, basic or "
        "OAuth2 client-credentials scheme",
    )


def _auth_from_scheme(
    result: Inference, name: str, scheme: dict[str, Any], scopes: list[str]
) -> bool:
    kind = type_of(scheme)
    label = f"securitySchemes.{name}"
    if kind == "apiKey" and scheme.get("in") == "query":
        result.set("auth_type", "api_key_query", f"{label} (apiKey in query)")
        result.set("api_key_param", scheme.get("name"), f"{label}.name")
        return True
    if kind == "apiKey" and scheme.get("in") == "header":
        header = str(scheme.get("name") or "")
        prefix = _key_prefix(str(scheme.get("description") or ""), header)
        if header.lower() == "authorization" and not prefix:
            result.miss(
                "auth_type",
                f"{label} puts the key in Authorization but its description shows "
                "no prefix (e.g. SSWS)",
            )
            return False
        result.set("auth_type", "api_key_header", f"{label} (apiKey in header)")
        result.set("api_key_header_name", header, f"{label}.name")
        if prefix:
            result.set("api_key_prefix", prefix, f"{label}.description")
        return True
    if kind == "http" and str(scheme.get("scheme")).lower() == "bearer":
        result.set("auth_type", "bearer_token", f"{label} (http bearer)")
        return True
    if kind == "http" and str(scheme.get("scheme")).lower() == "basic":
        result.set("auth_type", "basic", f"{label} (http basic)")
        return True
    flow = ((scheme.get("flows") or {}) if kind == "oauth2" else {}).get(
        "clientCredentials"
    )
    if not isinstance(flow, dict):
        return False
    result.set(
        "auth_type", "oauth2_client_credentials", f"{label}.flows.clientCredentials"
    )
    token_url = str(flow.get("tokenUrl") or "")
    if TOKEN_URL_RE.match(token_url):
        result.set("token_url", token_url, f"{label}.flows.clientCredentials.tokenUrl")
    else:
        result.miss(
            "token_url",
            f"tokenUrl {token_url!r} holds a placeholder or is not a URL: fill it in",
        )
    offered = list((flow.get("scopes") or {}).keys())
    if scopes:
        result.set(
            "oauth_scope", " ".join(scopes), f"the operation's security ({name})"
        )
    elif len(offered) == 1:
        result.set(
            "oauth_scope",
            offered[0],
            f"{label}.flows.clientCredentials.scopes (only one)",
        )
    else:
        result.miss("oauth_scope", "the operation requires no named scope")
    result.miss("token_auth_method", "OpenAPI does not say how the secret is sent")
    return True


def _key_prefix(description: str, header: str) -> str:
    """The text before the key that the description shows, e.g. 'SSWS '."""
    match = re.search(
        rf"{re.escape(header)}:\s*([A-Za-z][\w-]*(?: [\w-]+=)?)\s*[{{<$]", description
    )
    if not match:
        return ""
    prefix = match.group(1)
    return prefix if prefix.endswith("=") else prefix + " "


def infer_events_path(
    result: Inference, operation: Operation | None, samples: list[Sample]
) -> dict[str, Any] | None:
    """events_path from the response schema and samples; the event item schema."""
    item: dict[str, Any] | None = None
    found: list[tuple[str, str]] = []
    if operation:
        arrays = event_arrays(success_schema(operation))
        if len(arrays) == 1:
            path, item = arrays[0]
            found.append((path, "the 200 response schema's only array of objects"))
        elif len(arrays) > 1:
            events = [(path, it) for path, it in arrays if _looks_like_events(it)]
            if len(events) != 1:
                result.miss(
                    "events_path",
                    "the response schema has several arrays of objects: "
                    + ", ".join(path or "(top level)" for path, _ in arrays),
                )
                return None
            path, item = events[0]
            others = ", ".join(p or "(top level)" for p, _ in arrays if p != path)
            found.append(
                (
                    path,
                    "the 200 response schema's only array of objects with an ID and "
                    f"a time (not {others})",
                )
            )
    for sample in samples:
        paths = _sample_arrays(sample.body)
        if len(paths) == 1:
            found.append(
                (paths[0], f"{sample.name} body{'.' if paths[0] else ''}{paths[0]}")
            )
    values = {path for path, _ in found}
    if len(values) > 1:
        result.miss("events_path", f"the documents disagree: {sorted(values)}")
    elif found:
        path = found[0][0]
        shown = [
            "a list of objects " + ("at the top level" if not path else f"at {path}")
        ]
        result.set(
            "events_path", path, "; ".join([shown[0], *(why for _, why in found)])
        )
    else:
        result.miss("events_path", "no array of objects in the response")
    return item


def _looks_like_events(item: dict[str, Any]) -> bool:
    """Whether an array's items have an ID and a time property at their top level."""
    names = properties(item)
    has_id = any(normal(name) in ("id", "uuid") for name in names)
    has_time = any(
        isinstance(schema, dict)
        and (
            schema.get("format") == "date-time"
            or set(tokens(name)) & (CREATED_TOKENS | {"time", "date"})
        )
        for name, schema in names.items()
    )
    return has_id and has_time


def _sample_arrays(body: Any) -> list[str]:
    if isinstance(body, list) and body and all(isinstance(e, dict) for e in body):
        return [""]
    return [
        path
        for path, value in walk_body(body)
        if isinstance(value, list) and value and all(isinstance(e, dict) for e in value)
    ]


def sample_events(result: Inference, samples: list[Sample]) -> list[dict[str, Any]]:
    path = result.value("events_path")
    if path is None:
        return []
    events: list[dict[str, Any]] = []
    for sample in samples:
        value = sample.body
        for part in path.split(".") if path else []:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list):
            events += [e for e in value if isinstance(e, dict)]
    return events


def dig(event: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(event, dict):
            return None
        event = event.get(part)
    return event


def infer_fields(
    result: Inference,
    item: dict[str, Any] | None,
    samples: list[Sample],
    params: list[Param],
) -> None:
    """id_field, time_field, time_format, name_field and severity_field."""
    events = sample_events(result, samples)
    fields: dict[str, dict[str, Any]] = {}
    if item:
        fields = {path: schema for path, schema, _ in walk_schema(item, depth=2)}
    source = "the event schema's property"
    if not fields and events:
        source = "the sample events' field"
        fields = {
            path: _schema_of_value(value)
            for path, value in walk_body(events[0], depth=2)
        }
    if not fields:
        for key in ("id_field", "time_field", "time_format"):
            result.miss(key, "no event schema or sample events")
        return
    top = [path for path in fields if "." not in path]
    ids = [p for p in top if normal(p) in ("id", "uuid")] or [
        p for p in top if normal(p) in ("eventid", "eventuuid", "logid", "alertid")
    ]
    if ids:
        chosen = ids[0]
        extra = _unique_in(events, chosen)
        result.set("id_field", chosen, f"{source} '{chosen}'{extra}")
    else:
        result.miss("id_field", "no property named id, uuid or eventId")
    time_field, why = _time_field(fields, params, result)
    if time_field:
        result.set("time_field", time_field, why)
        fmt, fmt_why = _time_format(fields[time_field], events, time_field)
        if fmt:
            result.set("time_format", fmt, fmt_why)
        else:
            result.miss("time_format", f"'{time_field}' shows no format or example")
    else:
        result.miss("time_field", why)
        result.miss("time_format", "no time field")
    taken = {result.value("id_field"), time_field}
    names = [n for n in NAME_FIELDS if n in top and n not in taken]
    if names:
        result.set("name_field", names[0], f"{source} '{names[0]}' (a title-like name)")
    else:
        result.miss("name_field", "no title-like property (title, name, summary...)")
    severities = [n for n in SEVERITY_FIELDS if n in top]
    if severities:
        result.set("severity_field", severities[0], f"{source} '{severities[0]}'")
    elif item:
        result.set("severity_field", "", "the event schema has no severity property")


def _schema_of_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer", "example": value}
    if isinstance(value, str):
        return {"type": "string", "example": value}
    return {"type": "object" if isinstance(value, dict) else "other"}


def _unique_in(events: list[dict[str, Any]], path: str) -> str:
    values = [dig(event, path) for event in events]
    if (
        len(values) > 1
        and None not in values
        and len(set(map(str, values))) == len(values)
    ):
        return f"; unique across {len(values)} sample events"
    return ""


def _time_field(
    fields: dict[str, dict[str, Any]], params: list[Param], result: Inference
) -> tuple[str | None, str]:
    timed = {
        path: schema
        for path, schema in fields.items()
        if schema.get("format") == "date-time"
        or set(tokens(path.rsplit(".", 1)[-1])) & (CREATED_TOKENS | {"time", "date"})
        and type_of(schema) in ("string", "integer", "number")
    }
    if not timed:
        return None, "no date-time property in the events"
    for param in params:
        for path in timed:
            if param.name.startswith(path.rsplit(".", 1)[-1]) and (
                is_start(param.name) or is_end(param.name)
            ):
                return path, f"the event property '{path}' filtered by {param.label()}"
    created = [
        path
        for path in timed
        if set(tokens(path.rsplit(".", 1)[-1])) & CREATED_TOKENS
        and not set(tokens(path)) & LATER_TOKENS
    ]
    if len(created) == 1 or (created and len({p.count(".") for p in created}) > 0):
        path = sorted(created, key=lambda p: (p.count("."), len(tokens(p))))[0]
        return path, f"the event property '{path}' (a creation time{_fmt(timed[path])})"
    plain = [p for p in timed if "." not in p and not set(tokens(p)) & LATER_TOKENS]
    if len(plain) == 1:
        return (
            plain[0],
            f"the event property '{plain[0]}' (its only time{_fmt(timed[plain[0]])})",
        )
    return None, f"several time properties: {', '.join(sorted(timed))}"


def _fmt(schema: dict[str, Any]) -> str:
    return f", format {schema['format']}" if schema.get("format") else ""


def _epoch_kind(
    schema: dict[str, Any], example: Any, name: str, text: str = ""
) -> tuple[str | None, str]:
    text = text or str(schema.get("description") or "")
    words = set(tokens(name))
    if re.search(r"milli", text, re.I) or words & {"ms", "millis"}:
        return "epoch_millis", "milliseconds"
    if isinstance(example, int | float) and not isinstance(example, bool):
        digits = len(str(int(example)))
        if digits == 13:
            return "epoch_millis", f"example {example} (13 digits)"
        if digits == 10:
            return "epoch_seconds", f"example {example} (10 digits)"
    if re.search(r"\b(seconds|epoch|unix)\b", text, re.I):
        return "epoch_seconds", "described in seconds since the epoch"
    return None, ""


def _time_format(
    schema: dict[str, Any], events: list[dict[str, Any]], path: str
) -> tuple[str | None, str]:
    values = [dig(event, path) for event in events]
    values = [v for v in values if v is not None]
    example = example_of(schema)
    if schema.get("format") == "date-time":
        return "iso8601", f"'{path}' has format date-time"
    if type_of(schema) in ("integer", "number") or isinstance(example, int | float):
        kind, why = _epoch_kind(schema, example, path)
        if kind:
            return kind, f"'{path}' is a number, {why}"
    if isinstance(example, str) and ISO_RE.match(example):
        return "iso8601", f"'{path}' example {example}"
    if values and all(isinstance(v, str) and ISO_RE.match(v) for v in values):
        return "iso8601", f"'{path}' in {len(values)} sample events is ISO 8601"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        digits = {len(str(v)) for v in values}
        if digits == {13}:
            return "epoch_millis", f"'{path}' in the sample events: 13-digit numbers"
        if digits == {10}:
            return "epoch_seconds", f"'{path}' in the sample events: 10-digit numbers"
    return None, ""


def infer_time_params(result: Inference, params: list[Param]) -> None:
    """since/until parameters, or an expression filter; request_time_format."""
    if not params:
        for key in ("since_param", "request_time_format"):
            result.miss(key, "no OpenAPI operation to read parameters from")
        return
    timed = [p for p in params if is_time_param(p) and p.key not in CURSOR_NAMES]
    starts = [p for p in timed if is_start(p.name)]
    ends = [p for p in timed if is_end(p.name) and not is_start(p.name)]
    if starts:
        since = starts[0]
        result.set("time_filter", "params", since.label())
        result.set("since_param", since.name, since.label())
        if ends:
            result.set("until_param", ends[0].name, ends[0].label())
        else:
            result.set("until_param", "", "no end-time parameter in the operation")
        _request_format(result, since)
        return
    for param in params:
        if param.key not in FILTER_NAMES:
            continue
        template = _filter_template(f"{param.example or ''} {param.description}")
        if template:
            result.set("time_filter", "expression", f"{param.label()} example")
            result.set("filter_param", param.name, param.label())
            result.set(
                "filter_template", template[0], f"{param.label()}: {template[1]!r}"
            )
            result.set(
                "request_time_format", template[2], f"the filter's time {template[3]}"
            )
            return
    result.miss("since_param", "no start-time parameter or filter example")


def _request_format(result: Inference, param: Param) -> None:
    if param.schema.get("format") == "date-time":
        result.set("request_time_format", "iso8601", param.label())
        return
    kind, why = _epoch_kind(param.schema, param.example, param.name, param.description)
    if type_of(param.schema) in ("integer", "number") and kind:
        result.set("request_time_format", kind, f"{param.label()}, {why}")
    elif isinstance(param.example, str) and ISO_RE.match(param.example):
        result.set("request_time_format", "iso8601", f"{param.label()} example")
    else:
        result.miss("request_time_format", f"{param.label()} shows no time format")


TIME_VALUE = r"(\d{4}-\d\d-\d\d[T ][0-9:.]+(?:Z|[+-]\d\d:?\d\d)?|\d{13}|\d{10})"


def _filter_template(text: str) -> tuple[str, str, str, str] | None:
    """(template, the text it came from, time format, the time) from a filter example."""
    since = re.search(
        rf"([A-Za-z_][\w./]*)\s+(ge|gt|>=|>)\s+(['\"]?){TIME_VALUE}\3", text
    )
    if not since:
        return None
    field, op, quote, value = since.groups()
    template = f"{field} {op} {quote}{{since}}{quote}"
    shown = since.group(0)
    until = re.search(
        rf"\s+(and|AND|&&)\s+({re.escape(field)})\s+(le|lt|<=|<)\s+(['\"]?){TIME_VALUE}\4",
        text[since.end() :],
    )
    if until and until.start() == 0:
        joiner, _, op2, quote2, _ = until.groups()
        template += f" {joiner} {field} {op2} {quote2}{{until}}{quote2}"
        shown += until.group(0)
    if ISO_RE.match(value):
        fmt = "iso8601"
    else:
        fmt = "epoch_millis" if len(value) == 13 else "epoch_seconds"
    return template, shown, fmt, value


def _next_url_fields(schema: Any) -> list[str]:
    return [
        path
        for path, child, _ in walk_schema(schema)
        if type_of(child) == "string"
        and "next" in normal(path.rsplit(".", 1)[-1])
        and (
            child.get("format") in ("uri", "url")
            or "link" in normal(path)
            or "url" in normal(path)
        )
    ]


def infer_paging(
    result: Inference,
    operation: Operation | None,
    samples: list[Sample],
    params: list[Param],
) -> None:
    """query_style, pagination and its parameters, has_more_path."""
    schema = success_schema(operation) if operation else None
    events_path = result.value("events_path")
    link = [
        s.name
        for s in samples
        if re.search(r'rel="?([^"]* )?next[ ";]', s.headers.get("link", "") + ";")
    ]
    headers = (
        {
            str(k).lower()
            for k in (success_response(operation) or {}).get("headers") or {}
        }
        if operation
        else set()
    )
    cursor_params = [
        p for p in params if p.key in CURSOR_NAMES and not is_time_param(p)
    ]
    outside = [
        (path, child, parent)
        for path, child, parent in walk_schema(schema)
        if not (
            events_path and (path == events_path or path.startswith(events_path + "."))
        )
    ]
    next_urls = [p for p in _next_url_fields(schema) if p != events_path]
    sample_urls = [
        f"{s.name} body.{path}"
        for s in samples
        for path, value in walk_body(s.body)
        if isinstance(value, str)
        and "next" in normal(path)
        and re.match(r"https?://|/", value)
    ]
    pagination: tuple[str, str] | None = None
    if link:
        pagination = (
            "link_header",
            f"the Link header rel=\"next\" in {', '.join(link)}",
        )
    elif "link" in headers and cursor_params:
        pagination = ("link_header", "the 200 response's Link header (documented)")
    elif next_urls or sample_urls:
        path = next_urls[0] if next_urls else sample_urls[0].split(" body.", 1)[1]
        why = f"response property '{path}'" if next_urls else sample_urls[0]
        pagination = ("next_url", f"the next page's URL in {why}")
        result.set("next_url_path", path, why)
    else:
        cursor_fields = [
            (path, parent)
            for path, child, parent in outside
            if normal(path.rsplit(".", 1)[-1]) in NEXT_CURSOR_NAMES
            and type_of(child) in ("string", None)
        ]
        if cursor_params and cursor_fields:
            path, parent = cursor_fields[0]
            result.set("cursor_param", cursor_params[0].name, cursor_params[0].label())
            result.set("next_cursor_path", path, f"response property '{path}'")
            pagination = (
                "next_cursor",
                f"{cursor_params[0].label()} and response property '{path}'",
            )
            if path.rsplit(".", 1)[-1] in required_names(parent):
                result.set(
                    "query_style",
                    "cursor",
                    f"'{path}' is required in every response: the cursor carries on",
                )
        elif offset := [
            p
            for p in params
            if p.key in OFFSET_NAMES
            or p.key in ("start", "from")
            and type_of(p.schema) == "integer"
            and not is_time_param(p)
        ]:
            pagination = ("offset", offset[0].label())
            result.set("offset_param", offset[0].name, offset[0].label())
        elif pages := [p for p in params if p.key in PAGE_NAMES]:
            page = pages[0]
            pagination = ("page_number", page.label())
            result.set("page_param", page.name, page.label())
            first = page.schema.get("minimum", page.schema.get("default"))
            if first in (0, 1):
                result.set(
                    "first_page", first, f"{page.label()} minimum/default {first}"
                )
            else:
                result.miss("first_page", f"{page.label()} shows no minimum or default")
        elif operation:
            pagination = ("none", "no paging parameter, next-page field or Link header")
    id_params = [p for p in params if p.key in ID_PARAM_NAMES and not is_time_param(p)]
    if id_params and (pagination is None or pagination[0] == "none"):
        result.set(
            "query_style",
            "id_greater_than",
            f"{id_params[0].label()} asks for events after an ID, and nothing else pages",
        )
        result.set("id_param", id_params[0].name, id_params[0].label())
    if pagination:
        result.set("pagination", pagination[0], pagination[1])
    else:
        result.miss("pagination", "no next-page signal in the samples")
    if "query_style" not in result.answers:
        if pagination or operation:
            result.set(
                "query_style",
                "time_range",
                (
                    "a start-time parameter with paging inside the window"
                    if result.value("since_param")
                    or result.value("time_filter") == "expression"
                    else "the default"
                ),
            )
            if result.value("query_style") == "time_range" and not (
                result.value("since_param") or result.value("filter_template")
            ):
                result.answers.pop("query_style")
                result.miss("query_style", "no time parameter or filter to window by")
    flags = [
        (path, normal(path.rsplit(".", 1)[-1]))
        for path, child, _ in outside
        if type_of(child) == "boolean"
    ] + [
        (path, normal(path.rsplit(".", 1)[-1]))
        for s in samples
        for path, value in walk_body(s.body)
        if isinstance(value, bool)
    ]
    for path, name in flags:
        if name in HAS_MORE_NAMES:
            result.set("has_more_path", path, f"boolean response property '{path}'")
            break
        if name in NO_MORE_NAMES:
            result.set(
                "has_more_path",
                f"!{path}",
                f"boolean response property '{path}' (negated)",
            )
            break


def infer_page_size(
    result: Inference, operation: Operation | None, params: list[Param]
) -> None:
    limits = [
        p
        for p in params
        if p.key in LIMIT_NAMES and type_of(p.schema) in ("integer", "number", None)
    ]
    if not limits:
        if operation:
            result.set("limit_param", "", "no page-size parameter in the operation")
        else:
            result.miss("limit_param", "no OpenAPI operation to read parameters from")
        return
    limit = limits[0]
    result.set("limit_param", limit.name, limit.label())
    maximum = limit.schema.get("maximum")
    if isinstance(maximum, int) and maximum > 0:
        capped = min(maximum, 10000)
        note = "" if capped == maximum else " (capped to the answer's 10000)"
        result.set("page_size_max", capped, f"{limit.label()} maximum {maximum}{note}")
    else:
        result.miss("page_size_max", f"{limit.label()} has no maximum")


def infer_order(
    result: Inference,
    operation: Operation | None,
    samples: list[Sample],
    params: list[Param],
) -> None:
    """sort_order, and the extra_params that ask for oldest first when offered."""
    extra: dict[str, Any] = {}
    why: list[str] = []
    time_field = result.value("time_field")
    for param in params:
        enum = param.schema.get("enum") or []
        if param.key in SORT_BY_NAMES and time_field in enum:
            extra[param.name] = time_field
            why.append(f"{param.label()} offers '{time_field}'")
    for param in params:
        if param.key not in SORT_NAMES | SORT_BY_NAMES or param.name in extra:
            continue
        enum = [str(v) for v in param.schema.get("enum") or []]
        ascending = [v for v in enum if normal(v) in ASCENDING_WORDS]
        ascending += _ascending_on(enum, time_field)
        if ascending:
            extra[param.name] = ascending[0]
            beside = f"-{ascending[0]}" in enum
            note = f" beside -{ascending[0]} (a leading - sorts newest first)"
            why.append(f"{param.label()} offers {ascending[0]}{note if beside else ''}")
            result.set("extra_params", extra, "; ".join(why))
            result.set(
                "sort_order", "ascending", f"extra_params ask for {ascending[0]}"
            )
            return
    texts = []
    if operation:
        texts = [
            str(operation.spec.get("description") or ""),
            str(operation.spec.get("summary") or ""),
            str(success_response(operation).get("description") or ""),
        ]
    for text in texts:
        for pattern, order in ORDER_PHRASES:
            found = pattern.search(text)
            if found:
                result.set(
                    "sort_order",
                    order,
                    f"the operation's description: {found.group(0)!r}",
                )
                return
    events = sample_events(result, samples)
    if time_field and len(events) > 2:
        values = [
            dig(event, time_field)
            for event in events
            if dig(event, time_field) is not None
        ]
        if values == sorted(values) and len(set(map(str, values))) > 1:
            result.set(
                "sort_order",
                "ascending",
                f"'{time_field}' rises through the sample events",
            )
            return
        if values == sorted(values, reverse=True) and len(set(map(str, values))) > 1:
            result.set(
                "sort_order",
                "descending",
                f"'{time_field}' falls through the sample events",
            )
            return
    result.miss("sort_order", "no sort parameter, stated order or ordered samples")


def _ascending_on(enum: list[str], time_field: str | None) -> list[str]:
    """Values that sort by the time field oldest first: 'createdAt asc', or 'createdAt'
    beside '-createdAt' (a leading - sorts newest first)."""
    if not time_field:
        return []
    spelled = {
        f"{time_field} asc",
        f"{time_field}:asc",
        f"{time_field},asc",
        f"+{time_field}",
    }
    found = [v for v in enum if v.lower() in {s.lower() for s in spelled}]
    if time_field in enum and f"-{time_field}" in enum:
        found.append(time_field)
    return found


def drop_inapplicable(result: Inference) -> None:
    """Leave out answers whose question does not apply to the inferred ones."""
    style = result.value("query_style", "time_range")
    pagination = result.value("pagination")
    unused = []
    if style != "time_range":
        unused += [
            "until_param",
            "sort_order",
            "offset_param",
            "page_param",
            "first_page",
        ]
        if pagination not in (None, "next_cursor", "next_url", "link_header"):
            unused.append("pagination")
    if result.value("time_filter") == "expression":
        unused += ["since_param", "until_param"]
    if pagination == "none" and style != "id_greater_than":
        unused.append("has_more_path")
    if pagination and pagination != "next_cursor":
        unused += ["cursor_param", "next_cursor_path"]
    for key in unused:
        result.answers.pop(key, None)
        result.unknown.pop(key, None)
    if result.value("has_more_path") is not None and not result.value("events_path"):
        result.answers.pop("has_more_path")
