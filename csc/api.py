"""The JSON API at /api/v1/: every app's router on one NinjaAPI, with the errors of API.md."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from club import errors
from club.api import router as club_router
from club.api_support import error_body, install
from dispensing.api import router as dispensing_router
from governance.api import router as governance_router
from harvests.api import router as harvests_router
from members.api import router as members_router

api = NinjaAPI(
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


@csrf_exempt  # an unknown path answers 404 whoever asks; there is nothing to protect
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    return JsonResponse(error_body(errors.NOT_FOUND, errors.MESSAGES[errors.NOT_FOUND]), status=404)
