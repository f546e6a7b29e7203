"""The JSON API at /api/v1/: every app's router on one NinjaAPI, with the errors of API.md."""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from club import errors
from club.api import router as club_router
from club.api_support import error_body, install
from compliance.api import router as compliance_router
from dispensing.api import router as dispensing_router
from finance.api import router as finance_router
from governance.api import router as governance_router
from harvests.api import router as harvests_router
from members.api import router as members_router

_ERRORS = {
    "400": "Malformed input (INVALID_INPUT, GRAMS_INVALID, …)",
    "401": "Not signed in (NOT_AUTHENTICATED)",
    "403": "The role does not allow it (FORBIDDEN, MFA_REQUIRED, CSRF_FAILED)",
    "404": "Not found, or another member's object (NOT_FOUND)",
    "409": "A conflict of state (ILLEGAL_STATUS_MOVE, IDEMPOTENCY_KEY_REUSED, …)",
    "422": "A rule refused it; the code says which (QUOTA_MONTH_EXCEEDED, …)",
    "429": "Too many requests (RATE_LIMITED)",
}


class CscApi(NinjaAPI):
    """The API, whose schema documents the error answers of API.md on every operation."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                "message": {"type": "string"},
                "fields": {"type": "object"},
            },
        }
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for item in schema["paths"].values():
            for op in item.values():
                responses = op.setdefault("responses", {})
                for status, text in _ERRORS.items():
                    if status in ("401", "403") and not op.get("security"):
                        continue
                    responses.setdefault(status, {"description": text, "content": error})
        return schema


api = CscApi(
    title="csc API",
    version="1",
    description="The JSON API of csc. See API.md for the conventions.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # the Swagger page would load its assets from a CDN
)
install(api)
api.add_router("", club_router)
api.add_router("", members_router)
api.add_router("", harvests_router)
api.add_router("", dispensing_router)
api.add_router("", governance_router)
api.add_router("", finance_router)
api.add_router("", compliance_router)


@csrf_exempt  # an unknown path answers 404 whoever asks; there is nothing to protect
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    return JsonResponse(error_body(errors.NOT_FOUND, errors.MESSAGES[errors.NOT_FOUND]), status=404)
