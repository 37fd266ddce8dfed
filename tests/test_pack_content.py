"""An incident pack's content beside its integration: the incident type its incidents get,
the incoming classifier and mapper the integration names as defaults, incident fields for
the event fields worth a column, and the layout that shows them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from answer_sets import COLLECTOR_SETS, INCIDENT_SETS, cached_pack

CONTENT_FOLDERS = ("IncidentTypes", "IncidentFields", "Classifiers", "Layouts")


def answers_of(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / ".copier-answers.yml").read_text("utf-8"))


def read_json(path: Path) -> dict[str, Any]:
    """A content file, checked to be written as demisto-sdk format writes content items:
    indented by 4, UTF-8 kept, & < > as \\u escapes, no final newline."""
    text = path.read_text("utf-8")
    data = json.loads(text)
    formatted = json.dumps(data, indent=4, ensure_ascii=False)
    for char in "&<>":
        formatted = formatted.replace(char, f"\\u{ord(char):04x}")
    assert text == formatted, path.name
    return data


@pytest.fixture(params=sorted(INCIDENT_SETS))
def pack(request: pytest.FixtureRequest) -> Path:
    return cached_pack(INCIDENT_SETS[request.param])


def test_incidents_land_typed_and_mapped(pack: Path) -> None:
    """
    Given an incident pack
    When its integration YAML and content files are read
    Then the YAML's defaults name the pack's incident type, classifier and incoming
        mapper; the classifier gives that type; the type shows the pack's layout
    """
    answers = answers_of(pack)
    stem = answers["integration_id"]
    name = answers["integration_name"]
    doc = yaml.safe_load((pack / "Integrations" / stem / f"{stem}.yml").read_text())
    params = {param["name"]: param for param in doc["configuration"]}
    incident_type = read_json(pack / "IncidentTypes" / f"incidenttype-{stem}.json")
    classifier = read_json(pack / "Classifiers" / f"classifier-{stem}.json")
    mapper = read_json(pack / "Classifiers" / f"classifier-mapper-incoming-{stem}.json")
    layout = read_json(pack / "Layouts" / f"layoutscontainer-{stem}.json")

    assert incident_type["id"] == incident_type["name"] == name
    assert params["incidentType"]["defaultvalue"] == name
    assert doc["defaultclassifier"] == classifier["id"] == classifier["name"]
    assert doc["defaultmapperin"] == mapper["id"] == mapper["name"]
    assert classifier["type"] == "classification"
    assert classifier["defaultIncidentType"] == name
    assert mapper["type"] == "mapping-incoming"
    assert list(mapper["mapping"]) == [name]
    assert incident_type["layout"] == layout["id"] == layout["name"]
    assert layout["group"] == "incident"


def test_mapper_maps_every_answered_event_field(pack: Path) -> None:
    """
    Given an incident pack
    When its incoming mapper is read
    Then name, the source ID (dbotMirrorId) and each pack field come from the answered
        event fields, and occurred from the time field when the API writes ISO 8601
    """
    answers = answers_of(pack)
    stem = answers["integration_id"]
    mapper = read_json(pack / "Classifiers" / f"classifier-mapper-incoming-{stem}.json")
    (mapping,) = mapper["mapping"].values()
    simple = {key: value["simple"] for key, value in mapping["internalMapping"].items()}

    expected = {
        "name": answers["name_field"],
        "dbotMirrorId": answers["id_field"],
        f"{answers['integration_name']} ID": answers["id_field"],
    }
    if answers["time_format"] == "iso8601":
        expected["occurred"] = answers["time_field"]
    if answers.get("severity_field"):
        expected[f"{answers['integration_name']} Severity"] = answers["severity_field"]
    assert simple == expected


def test_incident_fields_belong_to_the_type_and_show_in_the_layout(pack: Path) -> None:
    """
    Given an incident pack
    When its incident fields and layout are read
    Then there is one field for the event ID and one for the vendor's severity when it
        is answered, each associated with the pack's type, mapped, and on the layout
        beside name, occurred, severity and the source ID
    """
    answers = answers_of(pack)
    stem = answers["integration_id"]
    name = answers["integration_name"]
    fields = [read_json(path) for path in sorted((pack / "IncidentFields").iterdir())]
    layout = read_json(pack / "Layouts" / f"layoutscontainer-{stem}.json")
    shown = [
        item["fieldId"]
        for tab in layout["detailsV2"]["tabs"]
        for section in tab["sections"]
        for item in section.get("items", [])
    ]

    wanted = [f"{name} ID"] + (
        [f"{name} Severity"] if answers.get("severity_field") else []
    )
    assert sorted(field["name"] for field in fields) == sorted(wanted)
    for field in fields:
        assert field["associatedTypes"] == [name]
        assert field["id"] == f"incident_{field['cliName']}"
        assert field["cliName"].isalnum() and field["cliName"].islower()
    assert shown == ["name", "occurred", "severity", "dbotmirrorid"] + [
        field["cliName"] for field in sorted(fields, key=lambda f: f["name"])
    ]


@pytest.mark.parametrize("name", sorted(COLLECTOR_SETS)[:3])
def test_collectors_carry_no_incident_content(name: str) -> None:
    """
    Given a collector pack (its events go to a dataset, not to incidents)
    When its folders are listed
    Then it has no incident type, field, classifier, mapper or layout
    """
    pack = cached_pack(COLLECTOR_SETS[name])
    assert not [folder for folder in CONTENT_FOLDERS if (pack / folder).exists()]
