"""The counter's name search is served by an index on PostgreSQL (issue 13): a substring of a
first or last name, in any case, is looked up in the trigram indexes, not by reading every
member."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from members.selectors import member_search
from tests.factories import make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def plan(query: str) -> str:
    sql, params = member_search(query=query).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Few rows in a test database: rule out reading the whole table (a sequential scan, or
        # walking the number index in order), so the plan shows whether an index can serve the
        # search itself.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_name_search_uses_the_trigram_indexes(club) -> None:
    make_member(first_name="Ada", last_name="Lovelace")
    make_member(first_name="Ben", last_name="Berg")
    found = plan("velac")
    assert "member_first_name_trgm" in found and "member_last_name_trgm" in found, found
    assert [m.last_name for m in member_search(query="VELAC")] == ["Lovelace"]
    two_words = plan("ada love")
    assert "trgm" in two_words, two_words
