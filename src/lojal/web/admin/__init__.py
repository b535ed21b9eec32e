"""The admin web pages, mounted on the app by create_app()."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from lojal.web.admin.nav import register_nav
from lojal.web.i18n import N_
from lojal.web.admin.security import CsrfRefused, LoginRequired, PageNotFound

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

__all__ = ["mount_admin", "register_nav"]


def mount_admin(app: FastAPI) -> None:
    from lojal.web.admin import analytics, data, loyalty
    from lojal.web.admin.pages import ChangeRefused, forbidden
    from lojal.web.admin.views import render, router

    settings = app.state.settings
    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_secret_key(), session_cookie="lojal_session",
                       max_age=12 * 3600, same_site="lax", https_only=settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    app.include_router(loyalty.router)
    app.include_router(analytics.router)
    app.include_router(data.router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/admin/login", status_code=303)

    @app.exception_handler(PageNotFound)
    async def page_not_found(request: Request, error: PageNotFound) -> HTMLResponse:
        return render(request, "admin/error.html", {"status": 404, "message": N_("This page does not exist.")},
                      status_code=404)

    @app.exception_handler(ChangeRefused)
    async def change_refused(request: Request, error: ChangeRefused) -> HTMLResponse:
        return forbidden(error.page, error.message)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, error: CsrfRefused) -> HTMLResponse:
        return render(request, "admin/error.html", {"status": 403, "message": N_(
                      "The form was out of date or not sent from Lojal. Go back, reload the page and try again.")},
                      status_code=403)
