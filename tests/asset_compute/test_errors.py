"""errors: the Reason values, the error classes' fields, and the one HTTP status table."""

from __future__ import annotations

import pytest

from imgworker.asset_compute.errors import (
    ClientError,
    GenericError,
    Reason,
    RenditionFormatUnsupportedError,
    RenditionTooLarge,
    SourceCorruptError,
    SourceFormatUnsupportedError,
    SourceUnsupportedError,
    error_from_http_status,
    error_from_reason,
    error_to_dict,
    event_message,
    event_reason,
    reason_for_status,
)


def test_reasons_are_the_commons_enum() -> None:
    assert [r.value for r in Reason] == [
        "GenericError",
        "SourceFormatUnsupported",
        "RenditionFormatUnsupported",
        "SourceUnsupported",
        "SourceCorrupt",
        "RenditionTooLarge",
    ]


@pytest.mark.parametrize(
    ("cls", "reason"),
    [
        (SourceCorruptError, "SourceCorrupt"),
        (SourceUnsupportedError, "SourceUnsupported"),
        (SourceFormatUnsupportedError, "SourceFormatUnsupported"),
        (RenditionFormatUnsupportedError, "RenditionFormatUnsupported"),
        (RenditionTooLarge, "RenditionTooLarge"),
    ],
)
def test_client_errors_carry_name_reason_and_date(cls: type[ClientError], reason: str) -> None:
    err = cls("boom")
    assert (err.name, err.reason, str(err)) == (cls.__name__, reason, "boom")
    assert isinstance(err, ClientError) and err.date > 1_600_000_000_000
    assert error_to_dict(err) == {"name": cls.__name__, "reason": reason, "message": "boom", "date": err.date}


def test_generic_error_has_location_and_no_reason() -> None:
    err = GenericError("nope", "myworker_upload")
    assert err.reason is None and event_reason(err) == "GenericError"
    assert error_to_dict(err)["location"] == "myworker_upload"


def test_custom_reasons_propagate_verbatim() -> None:
    class Custom(Exception):
        reason = "rendition_instructions_error"

    assert event_reason(Custom("x")) == "rendition_instructions_error"
    assert event_reason(ClientError("x", "RenditionInstructionsError", "rendition_instructions_error")) == (
        "rendition_instructions_error"
    )
    assert event_reason(ValueError("x")) == "GenericError"
    assert event_message(ValueError()) == "ValueError"
    assert error_to_dict(Custom("x")) == {"name": "Custom", "reason": "rendition_instructions_error", "message": "x"}


@pytest.mark.parametrize(
    ("status", "header", "upload", "expected"),
    [
        (404, None, False, SourceUnsupportedError),
        (410, None, False, SourceUnsupportedError),
        (413, None, False, SourceUnsupportedError),  # the renderer's source byte limit
        (413, None, True, RenditionTooLarge),  # the target refused the rendition
        (415, None, False, SourceFormatUnsupportedError),
        (422, None, False, SourceFormatUnsupportedError),
        (421, None, False, SourceCorruptError),
        (422, "SourceCorrupt", False, SourceCorruptError),  # the reason header wins
        (422, "RenditionFormatUnsupported", False, RenditionFormatUnsupportedError),
        (400, None, False, GenericError),
        (403, None, False, GenericError),
        (500, None, False, GenericError),
        (503, "NotAReason", False, GenericError),
        (418, None, False, GenericError),
    ],
)
def test_status_table(status: int, header: str | None, upload: bool, expected: type[Exception]) -> None:
    err = error_from_http_status(status, header, message="renderer said no", upload=upload, location="w_fetch")
    assert type(err) is expected
    assert str(err) == "renderer said no"
    assert reason_for_status(status, header, upload=upload).value == event_reason(err)


def test_error_from_reason_unknown_name_keeps_the_reason() -> None:
    err = error_from_reason("MyCustomReason", "m")
    assert isinstance(err, ClientError) and err.reason == "MyCustomReason"
    assert isinstance(error_from_reason("GenericError", "m", location="x"), GenericError)
    assert str(error_from_http_status(502)) == "HTTP status 502"
