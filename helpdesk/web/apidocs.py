"""The API documentation at /docs: Swagger UI from a pinned package, nothing from a CDN.

FastAPI's own /docs loads an unpinned Swagger UI from a CDN and starts it with an inline
script; /redoc does the same with ReDoc. Both are off. Here the Swagger UI files come
from the ``fastapi-offline`` wheel pinned in requirements/app.lock and a static start
script, so the page works under the app's strict Content-Security-Policy. In production
(``DIODO_ENV=production``) there is no /docs and no /openapi.json.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

from helpdesk.settings import Settings

DOCS_PATH = "/docs"
OPENAPI_PATH = "/openapi.json"
# The only files served from the package (it also holds ReDoc, which stays off).
ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}


def openapi_url(settings: Settings) -> str | None:
    """Where the OpenAPI schema is served; ``None`` (off) in production."""
    return None if settings.env == "production" else OPENAPI_PATH


def register_api_docs(app: FastAPI, settings: Settings) -> None:
    """Add /docs and its assets unless the schema is off (production)."""
    schema_url = openapi_url(settings)
    if schema_url is None:
        return
    assets = Path(str(files("fastapi_offline") / "static"))
    router = APIRouter(prefix=DOCS_PATH, include_in_schema=False)

    @router.get("", response_class=HTMLResponse)
    def swagger_ui(request: Request) -> HTMLResponse:
        templates = request.app.state.templates
        return templates.TemplateResponse(  # type: ignore[no-any-return]
            request,
            "apidocs.html",
            {"title": f"{request.app.title} API", "openapi_url": schema_url},
        )

    @router.get("/assets/{name}")
    def swagger_asset(name: str) -> FileResponse:
        media_type = ASSETS.get(name)
        if media_type is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        # Revalidated by ETag: the file changes only with the pinned package.
        return FileResponse(
            assets / name, media_type=media_type, headers={"Cache-Control": "no-cache"}
        )

    app.include_router(router)
