from __future__ import annotations

from typing import Any

import pytest

from club.roles import Role
from tests.factories import make_user, set_rules


@pytest.fixture
def clerk(club: Any) -> Any:
    """Counter staff with MFA, in a club on the German preset."""
    set_rules("DE")
    return make_user(roles=(Role.COUNTER,), mfa=True)
