"""CommonServerPython helpers: arguments, entries, errors, markdown and the star import."""

from __future__ import annotations

from datetime import UTC, datetime

import CommonServerPython as csp
import demistomock as demisto
import pytest
from CommonServerPython import (
    CommandResults,
    IncidentSeverity,
    arg_to_datetime,
    arg_to_number,
    argToBoolean,
    argToList,
    return_error,
    return_results,
    tableToMarkdown,
    timestamp_to_datestring,
)
from freezegun import freeze_time

# ---------------------------------------------------------------- star import


def test_star_import_exports_the_public_api() -> None:
    namespace: dict[str, object] = {}
    exec("from CommonServerPython import *", namespace)
    for name in (
        "demisto",
        "BaseClient",
        "DemistoException",
        "CommandResults",
        "return_results",
        "return_error",
        "tableToMarkdown",
        "arg_to_number",
        "arg_to_datetime",
        "argToBoolean",
        "IncidentSeverity",
        "update_last_run_object",
        "json",
        "datetime",
        "timedelta",
        "timezone",
        "Any",
        "Dict",
        "List",
        "Optional",
        "Tuple",
        "Union",
    ):
        assert name in namespace, name
    assert namespace["demisto"] is demisto
    assert not [
        name for name in namespace if name.startswith("_") and name != "__builtins__"
    ]


def test_user_module_star_import_is_empty() -> None:
    namespace: dict[str, object] = {}
    exec("from CommonServerUserPython import *", namespace)
    assert set(namespace) == {"__builtins__"}


def test_incident_severity_values() -> None:
    assert (
        IncidentSeverity.UNKNOWN,
        IncidentSeverity.INFO,
        IncidentSeverity.LOW,
        IncidentSeverity.MEDIUM,
        IncidentSeverity.HIGH,
        IncidentSeverity.CRITICAL,
    ) == (0, 0.5, 1, 2, 3, 4)


# ---------------------------------------------------------------- argument helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [("5", 5), (7, 7), ("1.7", 1), ("1e3", 1000), ("-2", -2), (None, None), ("", None)],
)
def test_arg_to_number_accepts_numbers(value: object, expected: int | None) -> None:
    assert arg_to_number(value) == expected


@pytest.mark.parametrize(
    ("value", "name", "required", "message"),
    [
        ("abc", None, False, '"abc" is not a valid number'),
        ("abc", "max_fetch", False, 'Invalid number: "max_fetch"="abc"'),
        (None, "max_fetch", True, 'Missing "max_fetch"'),
        ("", None, True, "Missing required argument"),
        ([1], None, False, '"[1]" is not a valid number'),
    ],
)
def test_arg_to_number_errors(
    value: object, name: str | None, required: bool, message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        arg_to_number(value, arg_name=name, required=required)
    assert str(caught.value) == message


@freeze_time("2024-03-10T12:00:00Z")
def test_arg_to_datetime_relative_absolute_and_epochs() -> None:
    assert arg_to_datetime("3 days") == datetime(2024, 3, 7, 12, 0)
    assert arg_to_datetime("2024-01-01T00:00:00Z") == datetime(2024, 1, 1, tzinfo=UTC)
    assert arg_to_datetime("1700000000") == datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=UTC
    )
    assert arg_to_datetime(1700000000000) == datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=UTC
    )
    assert arg_to_datetime(None) is None


def test_arg_to_datetime_errors() -> None:
    with pytest.raises(ValueError, match='^Invalid date: "first_fetch"="soon-ish"$'):
        arg_to_datetime("soon-ish", arg_name="first_fetch")
    with pytest.raises(ValueError, match='^"" is not a valid date$'):
        arg_to_datetime("", required=True)
    with pytest.raises(ValueError, match='^Missing "first_fetch"$'):
        arg_to_datetime(None, arg_name="first_fetch", required=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("Yes", True),
        (True, True),
        ("FALSE", False),
        ("no", False),
        (False, False),
    ],
)
def test_arg_to_boolean(value: object, expected: bool) -> None:
    assert argToBoolean(value) is expected


@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_arg_to_boolean_refuses_other_values(value: object) -> None:
    with pytest.raises(ValueError):
        argToBoolean(value)


def test_arg_to_list() -> None:
    assert argToList("a, b,c") == ["a", "b", "c"]
    assert argToList('["x", "y"]') == ["x", "y"]
    assert argToList(["1", "2"], transform=int) == [1, 2]
    assert argToList("") == []
    assert argToList(None) == []


def test_assign_params_drops_empty_values() -> None:
    assert csp.assign_params(a=1, b=None, c="", d=[], e=0, f=False, g="x") == {
        "a": 1,
        "e": 0,
        "f": False,
        "g": "x",
    }


def test_timestamp_to_datestring_in_utc() -> None:
    assert timestamp_to_datestring(1700000000000) == "2023-11-14T22:13:20.000Z"
    assert (
        timestamp_to_datestring(1700000000000, "%Y-%m-%d %H:%M", is_utc=True)
        == "2023-11-14 22:13"
    )


# ---------------------------------------------------------------- markdown


def test_table_to_markdown_from_list_of_dicts() -> None:
    table = tableToMarkdown(
        "Events", [{"id": 1, "name": "a|b"}, {"id": 2, "tags": ["x", "y"]}]
    )
    assert table == (
        "### Events\n" "|id|name|tags|\n" "|---|---|---|\n" "|1|a\\|b||\n" "|2||x, y|\n"
    )


def test_table_to_markdown_headers_transform_and_remove_null() -> None:
    table = tableToMarkdown(
        "T",
        {"b": 2, "a": None, "c": "line1\nline2"},
        headers=["c", "a", "b"],
        headerTransform=str.upper,
        removeNull=True,
    )
    assert table == "### T\n|C|B|\n|---|---|\n|line1<br>line2|2|\n"


def test_table_to_markdown_keeps_key_order_when_not_sorting() -> None:
    table = tableToMarkdown("T", [{"z": 1, "a": 2}], sort_headers=False)
    assert table.splitlines()[1] == "|z|a|"


def test_table_to_markdown_empty() -> None:
    assert tableToMarkdown("Nothing", []) == "### Nothing\n**No entries.**\n"


# ---------------------------------------------------------------- entries


def test_command_results_to_context_with_key_field() -> None:
    outputs = [{"id": "1", "name": "a"}]
    entry = CommandResults(
        outputs_prefix="Acme.Event",
        outputs_key_field="id",
        outputs=outputs,
        readable_output="### Events",
    ).to_context()
    assert entry["Type"] == 1
    assert entry["EntryContext"] == {"Acme.Event(val.id && val.id == obj.id)": outputs}
    assert entry["Contents"] == outputs
    assert entry["HumanReadable"] == "### Events"
    assert entry["ContentsFormat"] == "json"


def test_command_results_raw_response_and_no_key() -> None:
    entry = CommandResults(
        outputs_prefix="Acme.Count", outputs=3, raw_response={"count": 3}
    ).to_context()
    assert entry["EntryContext"] == {"Acme.Count": 3}
    assert entry["Contents"] == {"count": 3}


def test_return_results_sends_each_entry() -> None:
    return_results("ok")
    return_results(CommandResults(readable_output="hi"))
    return_results([{"Type": 1, "Contents": "raw"}, None])
    return_results(None)
    results = demisto.server_state().results
    assert results[0] == "ok"
    assert results[1]["HumanReadable"] == "hi"
    assert results[2] == {"Type": 1, "Contents": "raw"}
    assert len(results) == 3


@pytest.mark.parametrize(
    "command",
    [
        "fetch-incidents",
        "fetch-credentials",
        "long-running-execution",
        "fetch-indicators",
    ],
)
def test_return_error_raises_for_server_run_commands(command: str) -> None:
    demisto.reset(command=command)
    with pytest.raises(Exception, match="^Failed to fetch$") as caught:
        return_error("Failed to fetch")
    assert type(caught.value) is Exception
    assert demisto.server_state().results == []
    assert ("error", "Failed to fetch") in demisto.server_state().logs


@pytest.mark.parametrize(
    "command", ["test-module", "acme-get-events", "fetch-events", "fetch-assets"]
)
def test_return_error_sends_error_entry_and_exits_otherwise(command: str) -> None:
    """
    Given any command but the four the server handles (collectors' fetches included)
    When return_error is called
    Then an error entry is sent and the run ends with sys.exit(0), as on the server
    """
    demisto.reset(command=command)
    with pytest.raises(SystemExit) as caught:
        return_error("Bad key")
    assert caught.value.code == 0
    assert demisto.server_state().results == [
        {
            "Type": 4,
            "ContentsFormat": "text",
            "Contents": "Bad key",
            "EntryContext": None,
        }
    ]


def test_return_error_cuts_a_long_error_entry_in_the_middle() -> None:
    """
    Given a fetch-events error message of 80,000 characters
    When return_error sends it
    Then the entry holds at most 50,000 characters: the start and the end of it
    """
    demisto.reset(command="fetch-events")
    message = "A" * 40_000 + "B" * 40_000
    with pytest.raises(SystemExit):
        return_error(message)
    (entry,) = demisto.server_state().results
    text = entry["Contents"]
    assert len(text) <= 50_000
    assert text.startswith("A" * 24_000) and text.endswith("B" * 24_000)


@pytest.mark.parametrize("command", ["fetch-incidents", "fetch-events"])
def test_return_error_masks_parameter_secrets(command: str) -> None:
    """
    Given an instance with a credential password and a secret-named parameter
    When return_error reports a message quoting both (one URL-encoded)
    Then neither appears in what the server receives: each is <XX_REPLACED>
    """
    params = {
        "credentials": {"identifier": "me", "password": "s3cr3t/pw"},
        "client_secret": "cl13nt-s3cr3t",
        "url": "https://api.example.com",
    }
    demisto.reset(command=command, params=params)
    message = "GET https://api.example.com/x?key=s3cr3t%2Fpw failed (cl13nt-s3cr3t)"
    with pytest.raises((Exception, SystemExit)) as caught:
        return_error(message)
    sent = demisto.server_state().results
    text = sent[0]["Contents"] if sent else str(caught.value)
    assert text == (
        "GET https://api.example.com/x?key=<XX_REPLACED> failed (<XX_REPLACED>)"
    )
    assert all("s3cr3t" not in line for _, line in demisto.server_state().logs)
