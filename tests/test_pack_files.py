"""The content-pack files around the integration code, over the whole answer-set matrix.

Each answer set is rendered once; the tests then read the integration YAML,
pack_metadata.json, the READMEs, the description, command_examples.txt and the image
the way XSOAR and demisto-sdk would, and compare them with the answers the pack was
rendered from (read back from the pack's answers file).
"""

from __future__ import annotations

import html
import json
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from answer_sets import INCIDENT_SETS, cached_pack, integration_dir, render_pack
from markdown_it import MarkdownIt

SECTIONS = {
    "url": "Connect",
    "credentials": "Connect",
    "insecure": "Connect",
    "proxy": "Connect",
    "isFetch": "Collect",
    "incidentType": "Collect",
    "max_fetch": "Collect",
    "first_fetch": "Collect",
    "query": "Collect",
    "look_back": "Collect",
    "incidentFetchInterval": "Collect",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MARKDOWN = MarkdownIt("commonmark").enable("table")


@dataclass(frozen=True)
class Pack:
    """A rendered pack and the answers it was rendered from."""

    root: Path
    answers: dict[str, Any]

    @property
    def integration(self) -> Path:
        return integration_dir(self.root)

    @property
    def stem(self) -> str:
        return self.answers["integration_id"]

    def yml(self) -> dict[str, Any]:
        return yaml.safe_load(
            (self.integration / f"{self.stem}.yml").read_text(encoding="utf-8")
        )

    def params(self) -> dict[str, dict[str, Any]]:
        return {param["name"]: param for param in self.yml()["configuration"]}

    def answer(self, key: str, default: Any = None) -> Any:
        return self.answers.get(key, default)


class Packs(dict):
    """Each incidents answer set's shared rendered pack, read on first use."""

    def __missing__(self, name: str) -> Pack:
        root = cached_pack(INCIDENT_SETS[name])
        recorded = yaml.safe_load(
            (root / ".copier-answers.yml").read_text(encoding="utf-8")
        )
        self[name] = Pack(root, recorded)
        return self[name]


@pytest.fixture(scope="module")
def packs() -> dict[str, Pack]:
    """Every incidents answer set, with the answers Copier recorded, rendered once for
    every test file and worker (collectors' files: test_collectors.py)."""
    return Packs()


@pytest.fixture(params=sorted(INCIDENT_SETS))
def pack(request: pytest.FixtureRequest, packs: dict[str, Pack]) -> Pack:
    return packs[request.param]


def markdown_text(markdown: str) -> str:
    """The visible text of rendered Markdown: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", MARKDOWN.render(markdown)))


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of every Markdown table, as lists of visible cell texts."""
    rows = []
    for table in re.findall(r"<tbody>(.*?)</tbody>", MARKDOWN.render(markdown), re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells])
    return rows


# ---------------------------------------------------------------- integration YAML


def test_yaml_top_level_follows_content_conventions(pack: Pack) -> None:
    doc = pack.yml()
    assert doc["commonfields"] == {"id": pack.stem, "version": -1}
    assert doc["name"] == pack.stem
    assert doc["display"] == pack.answer("integration_name")
    assert doc["category"] == pack.answer("category")
    assert doc["description"] == pack.answer("integration_description")
    assert doc["description"].endswith(".")
    assert pack.answer("integration_name") in doc["detaileddescription"]
    assert doc["sectionorder"] == ["Connect", "Collect"]
    assert doc["fromversion"] == "6.10.0"
    assert doc["tests"] == ["No tests (auto formatted)"]
    assert list(doc)[:2] == ["commonfields", "name"]


def test_yaml_has_every_standard_fetch_parameter(pack: Pack) -> None:
    params = pack.params()
    assert params["isFetch"]["type"] == 8
    assert params["isFetch"]["display"] == "Fetch incidents"
    assert params["incidentType"]["type"] == 13
    assert params["incidentType"]["display"] == "Incident type"

    limit = params["max_fetch"]
    assert (limit["type"], limit["display"]) == (0, "Fetch Limit")
    assert limit["defaultvalue"] == str(pack.answer("fetch_limit_default"))
    assert 1 <= int(limit["defaultvalue"]) <= 200

    first = params["first_fetch"]
    assert first["type"] == 0
    assert "<number> <time unit>" in first["display"]
    assert first["defaultvalue"] == pack.answer("first_fetch_default")

    interval = params["incidentFetchInterval"]
    assert (interval["type"], interval["defaultvalue"]) == (19, "1")


def test_yaml_look_back_only_with_lookback(pack: Pack) -> None:
    params = pack.params()
    if pack.answer("use_lookback", False):
        look_back = params["look_back"]
        assert look_back["type"] == 0
        assert look_back["advanced"] is True
        assert look_back["defaultvalue"] == str(pack.answer("look_back_default"))
    else:
        assert "look_back" not in params


def test_yaml_query_only_with_query_filter(pack: Pack) -> None:
    params = pack.params()
    assert ("query" in params) is bool(pack.answer("query_filter"))
    if "query" in params:
        assert params["query"]["type"] == 0
        assert params["query"]["required"] is False


def test_yaml_parameters_sit_in_their_sections(pack: Pack) -> None:
    params = pack.params()
    assert len(params) == len(pack.yml()["configuration"]), "duplicate parameter"
    assert set(params) <= set(SECTIONS)
    for name, param in params.items():
        assert param["section"] == SECTIONS[name], name
        # demisto-sdk IN135: a display starts with a capital letter, no underscore
        assert param["display"][:1].isupper() and "_" not in param["display"], name
    order = [SECTIONS[name] for name in params]
    assert order == sorted(order, key=["Connect", "Collect"].index)


def test_yaml_connect_parameters(pack: Pack) -> None:
    params = pack.params()
    assert params["url"]["type"] == 0
    assert params["url"]["defaultvalue"] == pack.answer("base_url")
    assert params["url"]["required"] is True
    for name in ("insecure", "proxy"):
        assert params[name]["type"] == 8
        assert params[name]["advanced"] is True
        assert params[name]["defaultvalue"] == "false"
        assert params[name]["required"] is False


@pytest.mark.parametrize(
    "auth_type, display, hidden_username",
    [
        ("api_key_header", "API Key", True),
        ("bearer_token", "API Token", True),
        ("basic", "Username", False),
        ("none", None, False),
        ("api_key_query", "API Key", True),
        ("oauth2_client_credentials", "Client ID", False),
    ],
)
def test_yaml_credentials_follow_auth_type(
    packs: dict[str, Pack], auth_type: str, display: str | None, hidden_username: bool
) -> None:
    every = [packs[name] for name in sorted(INCIDENT_SETS)]
    matching = [p for p in every if p.answer("auth_type") == auth_type]
    assert matching, f"no answer set uses auth_type {auth_type}"
    for pack in matching:
        params = pack.params()
        if display is None:
            assert "credentials" not in params
            continue
        credentials = params["credentials"]
        assert credentials["type"] == 9
        assert credentials["required"] is True
        assert credentials["display"] == display
        assert credentials.get("hiddenusername", False) is hidden_username
        passwords = {"basic": "Password", "oauth2_client_credentials": "Client Secret"}
        assert credentials["displaypassword"] == passwords.get(auth_type, display)


def test_yaml_script_section(pack: Pack) -> None:
    script = pack.yml()["script"]
    assert script["script"] == "-"
    assert (script["type"], script["subtype"]) == ("python", "python3")
    assert script["dockerimage"] == pack.answer("docker_image")
    assert re.fullmatch(r"demisto/python3:\d+(\.\d+)+", script["dockerimage"])
    assert script["isfetch"] is True
    assert script["runonce"] is False


def test_yaml_get_events_command(pack: Pack) -> None:
    (command,) = pack.yml()["script"]["commands"]
    assert command["name"] == f"{pack.answer('command_prefix')}-get-events"
    assert command["description"].endswith(".")
    arguments = {argument["name"]: argument for argument in command["arguments"]}
    assert set(arguments) == {"limit", "start_time"}
    assert arguments["limit"]["defaultValue"] == "10"
    assert all(argument["description"] for argument in arguments.values())

    prefix = f"{pack.stem}.Event."
    fields = {
        pack.answer("id_field"): "String",
        pack.answer("time_field"): {
            "iso8601": "Date",
            "epoch_seconds": "Number",
            "epoch_millis": "Number",
        }.get(pack.answer("time_format"), "String"),
        pack.answer("name_field"): "String",
    }
    if pack.answer("severity_field"):
        fields[pack.answer("severity_field")] = "Unknown"
    outputs = {out["contextPath"]: out["type"] for out in command["outputs"]}
    assert outputs == {prefix + field: kind for field, kind in fields.items()}
    assert all(out["description"].endswith(".") for out in command["outputs"])


# ---------------------------------------------------------------- pack files


def test_pack_metadata(pack: Pack) -> None:
    text = (pack.root / "pack_metadata.json").read_text(encoding="utf-8")
    metadata = json.loads(text)
    assert list(metadata) == [
        "name",
        "description",
        "support",
        "currentVersion",
        "author",
        "url",
        "email",
        "categories",
        "tags",
        "useCases",
        "keywords",
        "marketplaces",
    ]
    assert metadata["name"] == pack.answer("integration_name")
    assert metadata["description"] == pack.answer("integration_description")
    assert metadata["author"] == pack.answer("author")
    assert metadata["support"] == "community"
    assert metadata["currentVersion"] == "1.0.0"
    assert metadata["categories"] == [pack.answer("category")]
    assert metadata["tags"] == ["Alerts"]
    assert metadata["marketplaces"] == ["xsoar", "marketplacev2"]
    assert "firstCreated" not in metadata
    # Written the way demisto-sdk format writes it (4 spaces, UTF-8, no final
    # newline) so that format leaves it unchanged.
    assert text == json.dumps(metadata, indent=4, ensure_ascii=False)


def test_image_is_a_120x50_png_under_10_kb(pack: Pack) -> None:
    data = (pack.integration / f"{pack.stem}_image.png").read_bytes()
    assert len(data) <= 10 * 1024
    assert data.startswith(PNG_SIGNATURE)
    chunks, offset = {}, len(PNG_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = (
            data[offset + 4 : offset + 8],
            data[offset + 8 : offset + 8 + length],
        )
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height) == (120, 50)
    assert (depth, color_type) == (8, 6)
    pixels = zlib.decompress(chunks[b"IDAT"])
    assert len(pixels) == height * (1 + width * 4)
    alphas = {
        pixels[row * (1 + width * 4) + 1 + col * 4 + 3]
        for row in range(height)
        for col in range(width)
    }
    assert 0 in alphas and 255 in alphas, "an icon on a transparent background"


def test_integration_readme_documents_every_parameter(pack: Pack) -> None:
    readme = (pack.integration / "README.md").read_text(encoding="utf-8")
    documented = {row[0] for row in table_rows(readme) if len(row) == 3}
    for name, param in pack.params().items():
        assert param["display"] in documented, name
        if param.get("displaypassword") and not param.get("hiddenusername"):
            assert param["displaypassword"] in documented, name
    assert "version xx" not in readme


def test_integration_readme_documents_every_command(pack: Pack) -> None:
    readme = (pack.integration / "README.md").read_text(encoding="utf-8")
    rows = table_rows(readme)
    for command in pack.yml()["script"]["commands"]:
        assert f"\n### {command['name']}\n" in readme
        assert f"`{command['name']}`" in readme
        for argument in command["arguments"]:
            required = "Required" if argument.get("required") else "Optional"
            assert [argument["name"], required] in [
                [row[0], row[2]] for row in rows if len(row) == 3
            ], argument["name"]
        for output in command["outputs"]:
            assert [
                output["contextPath"],
                output["type"],
                output["description"],
            ] in rows


def test_readmes_show_answers_literally(pack: Pack) -> None:
    """Markdown metacharacters in answers are escaped: the rendered text is the answer."""
    readme = (pack.integration / "README.md").read_text(encoding="utf-8")
    first_line, heading = readme.splitlines()[0], re.search(
        r"^## Configure .*$", readme, re.M
    )
    assert markdown_text(first_line).strip() == pack.answer("integration_description")
    assert heading is not None
    assert markdown_text(heading.group(0)).strip() == (
        f"Configure {pack.answer('integration_name')} on Cortex XSOAR"
    )
    pack_readme = (pack.root / "README.md").read_text(encoding="utf-8")
    assert markdown_text(pack_readme.splitlines()[0]).strip() == pack.answer(
        "integration_description"
    )
    assert "version xx" not in pack_readme
    assert f"{pack.answer('command_prefix')}-get-events" in markdown_text(pack_readme)


def test_description_file(pack: Pack) -> None:
    text = (pack.integration / f"{pack.stem}_description.md").read_text(
        encoding="utf-8"
    )
    visible = markdown_text(text)
    assert pack.answer("integration_name") in visible
    assert f"{pack.answer('command_prefix')}-get-events" in visible
    assert ("Look-back" in visible) is bool(pack.answer("use_lookback", False))
    # demisto-sdk format strips the final newline; keeping none keeps format a no-op.
    assert not text.endswith("\n")


def test_command_examples(pack: Pack) -> None:
    lines = (pack.integration / "command_examples.txt").read_text().splitlines()
    command = f"!{pack.answer('command_prefix')}-get-events"
    assert lines, "no command example"
    for line in lines:
        assert re.fullmatch(
            re.escape(command) + r" limit=\d+( start_time=\"[^\"]+\")?", line
        ), line


def test_secrets_and_pack_ignore(pack: Pack) -> None:
    secrets = (pack.root / ".secrets-ignore").read_text().splitlines()
    assert pack.answer("base_url") in secrets
    pack_ignore = (pack.root / ".pack-ignore").read_text().splitlines()
    assert pack_ignore[0] == "[known_words]"
    assert pack.stem in pack_ignore


# ---------------------------------------------------------------- hostile answers

HOSTILE = {
    "integration_name": 'It\'s: "#1" {{x}} |*_` \\ ü',
    "integration_description": 'Says: "hi" # not a comment, {% raw %} & | *x* \\n é.',
    "author": 'O\'Neil: "#2" - [x](y)',
}


def test_hostile_answers_keep_every_file_valid(tmp_path: Path) -> None:
    """Quotes, colons, #, braces, backslashes and Markdown marks land verbatim."""
    root = render_pack(HOSTILE, tmp_path / "pack")
    pack = Pack(root, yaml.safe_load((root / ".copier-answers.yml").read_text("utf-8")))
    assert pack.answers["integration_name"] == HOSTILE["integration_name"]
    doc = pack.yml()
    assert doc["display"] == HOSTILE["integration_name"]
    assert doc["description"] == HOSTILE["integration_description"]
    metadata = json.loads((root / "pack_metadata.json").read_text("utf-8"))
    assert metadata["name"] == HOSTILE["integration_name"]
    assert metadata["author"] == HOSTILE["author"]
    readme = (pack.integration / "README.md").read_text("utf-8")
    assert markdown_text(readme.splitlines()[0]).strip() == (
        HOSTILE["integration_description"]
    )
    assert "<em>" not in MARKDOWN.render(readme.splitlines()[0])
