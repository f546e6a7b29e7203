"""Issue 15, point 6: names refuse bidi controls; spreadsheet cells never run as formulas, also
after leading spaces or in full-width; the gunicorn access log holds no query string."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from club.errors import ServiceError
from club.exports import safe_cell
from club.models import User
from members.models import Application
from members.services import application_submit
from tests.factories import application_data, make_user
from tests.servers import get, gunicorn


@pytest.mark.parametrize(
    "text",
    ["=1+1", "  =1+1", "\u3000=1+1", "\uff1d1+1", " \uff0bA1", "\uff20SUM(A1)", "\t=x", "-2+3"],
)
def test_a_cell_that_would_run_as_a_formula_is_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Anna", "O'Neil", "1,5 g", "a = b", "", None])
def test_an_ordinary_cell_is_left_alone(text: str | None) -> None:
    assert safe_cell(text) == ("" if text is None else text)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\u202enimdA", "Ann\u2066a", "Bob\u200f", "X\u061cY"])
def test_a_name_with_bidi_controls_is_refused_everywhere(club, name: str) -> None:
    with pytest.raises(ServiceError) as applied:
        application_submit(**application_data(last_name=name))
    assert "last_name" in applied.value.fields
    assert "direction of text" in applied.value.fields["last_name"][0]
    with pytest.raises(ServiceError) as created:
        make_user(first_name=name)
    assert "first_name" in created.value.fields
    assert not Application.objects.exists()
    assert not User.objects.filter(first_name=name).exists()


@pytest.mark.django_db
def test_the_apply_page_says_why_a_name_is_refused(client, club) -> None:
    data = application_data(first_name="\u202eevE")
    data["date_of_birth"] = data["date_of_birth"].isoformat()
    data["resident_since"] = data["resident_since"].isoformat()
    response = client.post("/apply/", data)
    assert response.status_code in (200, 400)
    assert "direction of text" in response.content.decode()
    assert not Application.objects.exists()


def test_the_gunicorn_access_log_holds_no_query_string(tmp_path: Path) -> None:
    """The production gunicorn config, really served: a search for a member's name leaves the
    path in the log and nothing of the query."""
    log = tmp_path / "access.log"
    with gunicorn(tmp_path, env={}, access_log=log) as base:
        for path in ("/healthz?q=Mustermann", "/counter/find/?q=Erika+Mustermann&card=abc"):
            get(base + path)  # a redirect to sign in or a 4xx is fine: the log line counts
        time.sleep(0.5)
    text = log.read_text()
    assert "/counter/find/" in text and "/healthz" in text
    assert "Mustermann" not in text and "q=" not in text and "card=" not in text
