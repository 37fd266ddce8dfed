"""XSIAM event collectors (``integration_kind: events``): the files of a collector pack.

Each collector answer set is rendered once; the tests read the integration YAML, the
modeling rule, pack_metadata.json, the READMEs and the code the way XSIAM and
demisto-sdk would, and compare them with the answers the pack was rendered from.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from answer_sets import COLLECTOR_SETS, cached_pack, integration_dir
from markdown_it import MarkdownIt

MARKDOWN = MarkdownIt("commonmark").enable("table")
INCIDENT_ONLY_PARAMS = {"isFetch", "incidentType", "incidentFetchInterval", "max_fetch"}


class Collector:
    """A rendered collector pack and the answers it was rendered from."""

    def __init__(self, root: Path, given: dict[str, Any]) -> None:
        self.root = root
        recorded = yaml.safe_load((root / ".copier-answers.yml").read_text("utf-8"))
        self.answers = {**recorded, **given}

    @property
    def integration(self) -> Path:
        return integration_dir(self.root)

    @property
    def stem(self) -> str:
        return self.answers["integration_id"]

    @property
    def dataset(self) -> str:
        return f"{self.answers['vendor']}_{self.answers['product']}_raw"

    def yml(self) -> dict[str, Any]:
        return yaml.safe_load(
            (self.integration / f"{self.stem}.yml").read_text("utf-8")
        )

    def params(self) -> dict[str, dict[str, Any]]:
        return {param["name"]: param for param in self.yml()["configuration"]}

    def rule_dir(self) -> Path:
        return self.root / "ModelingRules" / f"{self.stem}ModelingRules"


class Collectors(dict):
    """Each collector answer set's shared rendered pack, read on first use."""

    def __missing__(self, name: str) -> Collector:
        self[name] = Collector(cached_pack(COLLECTOR_SETS[name]), COLLECTOR_SETS[name])
        return self[name]


@pytest.fixture(scope="module")
def collectors() -> dict[str, Collector]:
    """Every collector answer set, rendered once for every test file and worker."""
    return Collectors()


@pytest.fixture(params=sorted(COLLECTOR_SETS))
def pack(request: pytest.FixtureRequest, collectors: dict[str, Collector]) -> Collector:
    return collectors[request.param]


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of every Markdown table, as lists of cell texts."""
    rows = []
    for table in re.findall(r"<tbody>(.*?)</tbody>", MARKDOWN.render(markdown), re.S):
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
            rows.append(
                [
                    html.unescape(re.sub(r"<[^>]+>", "", cell))
                    for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
                ]
            )
    return rows


def test_collector_sets_cover_every_query_style() -> None:
    """
    Given the collector answer sets
    When their query styles are listed
    Then every style is there at least once
    """
    styles = {
        answers.get("query_style", "time_range") for answers in COLLECTOR_SETS.values()
    }
    assert styles == {"time_range", "id_greater_than", "cursor"}


def test_yaml_is_a_collectors(pack: Collector) -> None:
    """
    Given a collector pack
    When its integration YAML is read
    Then it fetches events for XSIAM only, from 8.4.0, in sections Connect and Collect
    """
    doc = pack.yml()
    script = doc["script"]
    assert script["isfetchevents"] is True
    assert "isfetch" not in script
    assert doc["marketplaces"] == ["marketplacev2"]
    assert tuple(int(part) for part in doc["fromversion"].split(".")) >= (8, 4, 0)
    assert doc["sectionorder"] == ["Connect", "Collect"]
    assert doc["display"].endswith("Event Collector")
    assert doc["commonfields"]["id"].endswith("EventCollector")
    assert pack.dataset in doc["detaileddescription"]


def test_yaml_has_the_collector_parameters_only(pack: Collector) -> None:
    """
    Given a collector pack
    When its instance parameters are read
    Then the events maximum and interval are there, in Collect, and no incident-only
        parameter or look-back is
    """
    params = pack.params()
    assert not INCIDENT_ONLY_PARAMS & set(params)
    assert "look_back" not in params
    maximum = params["max_events_per_fetch"]
    assert maximum["display"] == "Maximum number of events per fetch"
    assert str(maximum["defaultvalue"]) == str(pack.answers["fetch_limit_default"])
    assert "50000" in maximum["additionalinfo"]
    interval = params["eventFetchInterval"]
    assert (interval["type"], interval["defaultvalue"]) == (19, "1")
    for name in ("max_events_per_fetch", "first_fetch", "eventFetchInterval"):
        assert params[name]["section"] == "Collect"
    for name in ("url", "insecure", "proxy"):
        assert params[name]["section"] == "Connect"


def test_get_events_takes_should_push_events(pack: Collector) -> None:
    """
    Given a collector pack
    When its get-events command is read
    Then it takes a required should_push_events (true/false, default false) and a limit
        up to 50000, and outputs _time
    """
    (command,) = pack.yml()["script"]["commands"]
    arguments = {argument["name"]: argument for argument in command["arguments"]}
    push = arguments["should_push_events"]
    assert push["required"] is True
    assert push["predefined"] == ["true", "false"]
    assert push["defaultValue"] == "false"
    assert "50000" in arguments["limit"]["description"]
    outputs = {output["contextPath"] for output in command["outputs"]}
    assert f"{pack.stem}.Event._time" in outputs


def test_pack_metadata_lists_marketplacev2_only(pack: Collector) -> None:
    """
    Given a collector pack
    When pack_metadata.json is read
    Then it is for XSIAM (marketplacev2) only, carries no incident tag such as Alerts,
        and is written as demisto-sdk format writes it
    """
    text = (pack.root / "pack_metadata.json").read_text(encoding="utf-8")
    metadata = json.loads(text)
    assert metadata["marketplaces"] == ["marketplacev2"]
    assert metadata["tags"] == []
    assert text == json.dumps(metadata, indent=4, ensure_ascii=False)


def test_modeling_rule_files(pack: Collector) -> None:
    """
    Given a collector pack
    When its modeling rule folder is read
    Then it holds the yml, xif and schema named after the integration, the yml with an
        ID and name as demisto-sdk expects them
    """
    folder = pack.rule_dir()
    name = f"{pack.stem}ModelingRules"
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [f"{name}.yml", f"{name}.xif", f"{name}_schema.json"]
    )
    rule = yaml.safe_load((folder / f"{name}.yml").read_text("utf-8"))
    assert rule["id"] == f"{pack.stem}ModelingRule"
    assert rule["name"].endswith("Modeling Rule")
    assert rule["fromversion"] == pack.yml()["fromversion"]
    assert (rule["rules"], rule["schema"]) == ("", "")


def test_modeling_rule_maps_the_answered_fields(pack: Collector) -> None:
    """
    Given a collector pack
    When its .xif is read
    Then it models the vendor_product_raw dataset, mapping the ID, the name and (when
        answered) the severity field to XDM, nested fields through their JSON path
    """
    xif = (pack.rule_dir() / f"{pack.stem}ModelingRules.xif").read_text("utf-8")
    assert xif.startswith(f"[MODEL: dataset={pack.dataset}]\n")
    assert xif.rstrip().endswith(";")

    def reads(path: str) -> str:
        top, _, rest = path.partition(".")
        if rest:
            return f'json_extract_scalar({top}, "$.{rest}")'
        return f"to_string({top})"

    assert f"xdm.event.id = {reads(pack.answers['id_field'])}" in xif
    assert f"xdm.event.description = {reads(pack.answers['name_field'])}" in xif
    severity = pack.answers["severity_field"]
    assert ("xdm.alert.severity" in xif) == bool(severity)
    if severity:
        assert f"xdm.alert.severity = {reads(severity)}" in xif


def test_schema_types_the_fields_from_the_answers(pack: Collector) -> None:
    """
    Given a collector pack
    When its modeling rule schema is read
    Then the dataset's columns the rule reads are typed: epoch times int, nested
        fields and the rest string, none an array; the file ends as format writes it
    """
    path = pack.rule_dir() / f"{pack.stem}ModelingRules_schema.json"
    text = path.read_text("utf-8")
    (dataset, columns), *others = json.loads(text).items()
    assert not others and dataset == pack.dataset
    answers = pack.answers
    paths = [answers["id_field"], answers["time_field"], answers["name_field"]]
    paths += [answers["severity_field"]] if answers["severity_field"] else []
    assert set(columns) == {path.split(".")[0] for path in paths}
    epoch = answers["time_format"] in ("epoch_seconds", "epoch_millis")
    for column, spec in columns.items():
        time_column = column == answers["time_field"]
        assert spec == {
            "type": "int" if epoch and time_column else "string",
            "is_array": False,
        }
    assert not text.endswith("\n")


def test_readme_documents_every_parameter_and_argument(pack: Collector) -> None:
    """
    Given a collector pack
    When its integration README is read
    Then it documents every instance parameter and get-events argument, the dataset
        and _time, and no incident
    """
    readme = (pack.integration / "README.md").read_text(encoding="utf-8")
    documented = {row[0] for row in table_rows(readme) if len(row) == 3}
    for param in pack.params().values():
        assert param["display"] in documented
    (command,) = pack.yml()["script"]["commands"]
    for argument in command["arguments"]:
        assert argument["name"] in documented
    assert pack.dataset.replace("_", "\\_") in readme and "`_time`" in readme
    for text in (readme, (pack.root / "README.md").read_text(encoding="utf-8")):
        assert "incident" not in text.lower()


def test_code_is_a_collectors(pack: Collector) -> None:
    """
    Given a collector pack
    When its Python files are read
    Then the integration sends events with the answered vendor and product before it
        saves lastRun, and neither file speaks of incidents
    """
    code = (pack.integration / f"{pack.stem}.py").read_text("utf-8")
    tests = (pack.integration / f"{pack.stem}_test.py").read_text("utf-8")
    assert f'VENDOR = "{pack.answers["vendor"]}"' in code
    assert f'PRODUCT = "{pack.answers["product"]}"' in code
    branch = code[code.index('elif command == "fetch-events":') :]
    sent = branch.index("send_events_to_xsiam(events, vendor=VENDOR, product=PRODUCT)")
    assert sent < branch.index("demisto.setLastRun(next_run)")
    assert "incident" not in code.lower()
    assert "incident" not in tests.lower()
