"""Admin pages for data in and out: connect Shopify and WooCommerce (the webhook URL to paste,
the secret, the latest deliveries), import a CSV export, download the customer register and the
sales history, and send Lojal's events to other systems (outgoing webhooks).

An uploaded CSV file is stored and imported by a job (lojal.transfer.background): the page shows
the upload's progress, then polls the job's progress, then shows the report; without JavaScript
the form posts and the job's page refreshes itself until the report is there.

Owners change connections and outgoing webhooks; owners and marketers import and export; every
role may look. Forms post with the CSRF token; bad input re-renders the page (422) naming the
field, with the session rolled back so nothing is half-written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.datastructures import UploadFile

from lojal.errors import LojalError
from lojal.integrations import service as integrations
from lojal.kit.clock import utcnow
from lojal.shops import service as shops
from lojal.transfer import background
from lojal.transfer import export as exports
from lojal.transfer.formats import FORMATS
from lojal.transfer.imports import ImportOptions
from lojal.web.admin import pages
from lojal.web.admin.nav import register_nav
from lojal.web.admin.pages import FormDependency, Page, SessionDependency, forbidden
from lojal.web.admin.security import PageNotFound
from lojal.web.admin.views import render
from lojal.web.i18n import N_
from lojal.webhooks_out import service as webhooks
from lojal.webhooks_out.rules import EVENT_TYPES

router = APIRouter(include_in_schema=False)
register_nav(N_("Data"), "data", 50)

BASE = "/admin/shops/{slug}/data"
OWNER_ROLES = frozenset({"owner"})
"""May connect platforms and manage outgoing webhooks."""
TRANSFER_ROLES = frozenset({"owner", "marketer"})
"""May import and export."""
PLATFORM_NAMES = integrations.NAMES
EXPORT_KINDS = exports.KINDS
EXPORT_FORMATS = ("csv", "ndjson")
ENCODINGS = ("", "utf-8", "windows-1252")
DELIMITERS = ("", ",", ";")
DELIVERY_LIMIT = 20


STATUS_LABELS = {
    "received": N_("received"), "applied": N_("applied"), "ignored": N_("ignored"), "failed": N_("failed"),
    "recorded": N_("recorded"), "pending": N_("waiting"), "retrying": N_("retrying"), "delivered": N_("delivered"),
    "dead": N_("gave up"), "cancelled": N_("cancelled"),
}


open_page = partial(pages.open_page, base=BASE)
open_change = partial(pages.open_change, base=BASE)


def show(page: Page, name: str, section: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    base = {"role": page.role, "base": page.url(), "section": section, "errors": {}, "values": {},
            "is_owner": page.role in OWNER_ROLES, "can_transfer": page.role in TRANSFER_ROLES,
            "flash": page.request.session.pop("data_flash", None), "status_labels": STATUS_LABELS}
    return render(page.request, name, base | context, shop=page.shop, user=page.user, status_code=status_code)


def done(page: Page, location: str, message: str) -> RedirectResponse:
    page.request.session["data_flash"] = message
    return RedirectResponse(location, status_code=303)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


# ---- connections ---------------------------------------------------------------------------


def connections_context(page: Page) -> dict[str, Any]:
    root = str(page.request.base_url).rstrip("/")
    platforms = []
    for connection in integrations.connections(page.shop):
        platform = connection.platform
        rows = [row for row in integrations.deliveries(page.session, page.shop, platform=platform,
                                                       limit=DELIVERY_LIMIT * 2) if "alias_of" not in row]
        deliveries = [{"topic": row.get("topic") or "", "status": row.get("status") or "",
                       "reason": row.get("reason") or "", "received_at": _moment(row.get("received_at")),
                       "key": row.get("key") or ""} for row in rows[:DELIVERY_LIMIT]]
        platforms.append({"platform": platform, "name": PLATFORM_NAMES.get(platform, platform),
                          "url": f"{root}/webhooks/{platform}/{page.shop.slug}",
                          "topics": integrations.TOPICS.get(platform, ()), "secret_set": connection.secret_set,
                          "connected_at": _moment(connection.connected_at), "deliveries": deliveries})
    return {"platforms": platforms}


@router.get(BASE)
def connections_page(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    page = open_page(request, session, slug)
    return show(page, "admin/data/connections.html", "connections", connections_context(page))


def _platform(platform: str) -> str:
    if platform not in PLATFORM_NAMES:
        raise PageNotFound()
    return platform


@router.post(BASE + "/connections/{platform}/secret")
def set_secret(request: Request, slug: str, platform: str, session: SessionDependency,
               form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), OWNER_ROLES)
    platform = _platform(platform)
    secret = form.get("secret")
    secret = secret.strip() if isinstance(secret, str) else ""
    _ = page.translator.gettext
    if len(secret) < 8:
        session.rollback()
        errors = {f"secret-{platform}": _("Paste the whole secret: it has at least 8 characters.")}
        return show(page, "admin/data/connections.html", "connections",
                    connections_context(page) | {"errors": errors}, status_code=422)
    try:
        integrations.connect(session, page.shop, platform, secret, utcnow())
        session.commit()
    except LojalError as error:
        session.rollback()
        errors = {f"secret-{platform}": error.message}
        return show(page, "admin/data/connections.html", "connections",
                    connections_context(page) | {"errors": errors}, status_code=422)
    return done(page, page.url(), _("The %(platform)s secret is saved.", platform=PLATFORM_NAMES[platform]))


@router.post(BASE + "/connections/{platform}/remove")
def remove_secret(request: Request, slug: str, platform: str, session: SessionDependency,
                  form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), OWNER_ROLES)
    platform = _platform(platform)
    integrations.disconnect(session, page.shop, platform)
    session.commit()
    return done(page, page.url(), page.translator.gettext(
        "%(platform)s is disconnected: its webhooks are refused until a secret is set again.",
        platform=PLATFORM_NAMES[platform]))


# ---- import --------------------------------------------------------------------------------


def import_context(values: dict[str, Any]) -> dict[str, Any]:
    return {"values": {"what": "orders", "format": "shopify"} | values,
            "formats": {what: list(formats) for what, formats in FORMATS.items()},
            "encodings": ENCODINGS, "delimiters": DELIMITERS}


@router.get(BASE + "/import")
def import_page(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    page = open_page(request, session, slug)
    return show(page, "admin/data/import.html", "import", import_context({}))


def _choice(form: Any, name: str, allowed: tuple[str, ...], errors: dict[str, str], message: str) -> str:
    value = form.get(name)
    value = value if isinstance(value, str) else ""
    if value not in allowed:
        errors[name] = message
    return value


@router.post(BASE + "/import")
def upload(request: Request, slug: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), TRANSFER_ROLES)
    _ = page.translator.gettext
    wants_json = _wants_json(request)
    errors: dict[str, str] = {}
    choose = _("Choose one of the options.")
    what = _choice(form, "what", tuple(FORMATS), errors, choose)
    file_format = _choice(form, "format", tuple(FORMATS.get(what, {})) or ("shopify",), errors,
                          _("This format is not available for this kind of file."))
    encoding = _choice(form, "encoding", ENCODINGS, errors, choose)
    delimiter = _choice(form, "delimiter", DELIMITERS, errors, choose)
    decimal = _choice(form, "decimal_comma", ("", "yes", "no"), errors, choose)
    skip = form.get("skip_bad_rows") in ("on", "true", "1")
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        errors["file"] = _("Choose the CSV file to import.")
    values = {name: value for name, value in form.items() if isinstance(value, str) and name != "csrf_token"}
    if errors:
        return _refused(page, values, errors, wants_json)
    assert isinstance(upload_file, UploadFile)
    options = ImportOptions(skip_bad_rows=skip, encoding=encoding or None, delimiter=delimiter or None,
                            decimal_comma={"yes": True, "no": False}.get(decimal),
                            batch_size=request.app.state.settings.bulk_batch_size)
    try:
        job_id = background.queue_import(session, page.shop, what=what, format_name=file_format, options=options,
                                         data_dir=request.app.state.settings.data_dir, source=upload_file.file,
                                         filename=upload_file.filename or "", user_id=page.user.id)
        session.commit()
    except LojalError as error:
        session.rollback()
        field = error.field if error.field in ("format", "encoding", "delimiter") else "file"
        message = _("The file is empty.") if error.message == "the file is empty" else error.message
        return _refused(page, values, {field: message}, wants_json)
    job_url = page.url(f"/import/jobs/{job_id}")
    if wants_json:
        return JSONResponse({"job": job_id, "page": job_url, "progress": job_url + "/progress"}, status_code=202)
    return RedirectResponse(job_url, status_code=303)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _refused(page: Page, values: dict[str, Any], errors: dict[str, str], wants_json: bool) -> Response:
    if wants_json:
        return JSONResponse({"errors": errors}, status_code=422)
    return show(page, "admin/data/import.html", "import", import_context(values) | {"errors": errors},
                status_code=422)


def _import_job(page: Page, job_id: str) -> dict[str, Any]:
    found = background.status(page.session, page.shop.id, _id(job_id))
    if found is None:
        raise PageNotFound()
    return found


@router.get(BASE + "/import/jobs/{job_id}")
def import_job_page(request: Request, slug: str, job_id: str, session: SessionDependency) -> HTMLResponse:
    """The import's progress (the page refreshes itself without JavaScript), then its report."""
    page = open_page(request, session, slug)
    job = _import_job(page, job_id)
    if job["state"] == "done" and job["report"] is not None:
        return show(page, "admin/data/report.html", "import",
                    {"report": job["report"], "filename": job["filename"], "skip": job["skip_bad_rows"], "job": job})
    return show(page, "admin/data/import_job.html", "import", {"job": job})


@router.get(BASE + "/import/jobs/{job_id}/progress")
def import_job_progress(request: Request, slug: str, job_id: str, session: SessionDependency) -> JSONResponse:
    """The import's progress as JSON, for the page's progress bar."""
    page = open_page(request, session, slug)
    job = _import_job(page, job_id)
    session.rollback()
    return JSONResponse({name: job[name] for name in ("id", "state", "phase", "percent", "bytes", "size", "rows",
                                                      "total_rows", "failure", "filename")}
                        | {"page": page.url(f"/import/jobs/{job['id']}")},
                        headers={"Cache-Control": "no-store"})


# ---- export --------------------------------------------------------------------------------


@router.get(BASE + "/export")
def export_page(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    page = open_page(request, session, slug)
    return show(page, "admin/data/export.html", "export", {"kinds": EXPORT_KINDS, "formats": EXPORT_FORMATS})


@router.get(BASE + "/export/{kind}")
def download(request: Request, slug: str, kind: str, session: SessionDependency, format: str = "csv") -> Response:
    page = open_page(request, session, slug)
    if kind not in EXPORT_KINDS or format not in EXPORT_FORMATS:
        raise PageNotFound()
    if page.role not in TRANSFER_ROLES:
        return forbidden(page)
    exports.check(kind, format, streaming=True)
    factory = request.app.state.session_factory
    filename = f"{page.shop.slug}-{kind}.{format}"
    return StreamingResponse(_chunks(factory, page.shop.id, kind, format), media_type=exports.MEDIA_TYPES[format],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _chunks(factory: Any, shop_id: int, kind: str, file_format: str) -> Iterator[bytes]:
    """Its own session: the request's closes before the body is streamed."""
    with factory() as session:
        yield from exports.stream(session, shops.get_shop(session, shop_id), kind, file_format)


# ---- outgoing webhooks ---------------------------------------------------------------------


def webhooks_context(page: Page, values: dict[str, Any] | None = None) -> dict[str, Any]:
    subscriptions = webhooks.subscriptions(page.session, page.shop)
    urls = {subscription.id: subscription.url for subscription in subscriptions}
    return {"subscriptions": subscriptions, "urls": urls, "event_types": ("*",) + EVENT_TYPES,
            "deliveries": webhooks.list_deliveries(page.session, page.shop, limit=50),
            "values": values or {"event_types": []}}


@router.get(BASE + "/webhooks")
def webhooks_page(request: Request, slug: str, session: SessionDependency) -> HTMLResponse:
    page = open_page(request, session, slug)
    return show(page, "admin/data/webhooks.html", "webhooks", webhooks_context(page))


@router.post(BASE + "/webhooks")
def add_webhook(request: Request, slug: str, session: SessionDependency, form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), OWNER_ROLES)
    _ = page.translator.gettext
    url = form.get("url")
    url = url.strip() if isinstance(url, str) else ""
    chosen = [value for value in form.getlist("event_types") if isinstance(value, str)]
    description = form.get("description")
    description = description.strip()[:200] if isinstance(description, str) and description.strip() else None
    values = {"url": url, "event_types": chosen, "description": description or ""}
    errors: dict[str, str] = {}
    if not url:
        errors["url"] = _("Enter the URL that receives the events.")
    if not chosen:
        errors["event_types"] = _("Choose at least one event.")
    created = None
    if not errors:
        try:
            created = webhooks.subscribe(session, page.shop, url, chosen, utcnow(),
                                         settings=request.app.state.settings.webhooks, description=description)
            session.commit()
        except LojalError as error:
            session.rollback()
            if error.field == "event_types":
                errors["event_types"] = _("Choose events from the list.")
            else:
                errors["url"] = _("This URL cannot receive webhooks: %(reason)s", reason=error.message)
    if errors or created is None:
        return show(page, "admin/data/webhooks.html", "webhooks",
                    webhooks_context(page, values) | {"errors": errors}, status_code=422)
    return show(page, "admin/data/webhooks.html", "webhooks",
                webhooks_context(page) | {"created": created.subscription, "secret": created.secret})


def _id(value: str) -> int:
    if not value.isdigit():
        raise PageNotFound()
    return int(value)


@router.post(BASE + "/webhooks/{subscription_id}/delete")
def delete_webhook(request: Request, slug: str, subscription_id: str, session: SessionDependency,
                   form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), OWNER_ROLES)
    try:
        webhooks.unsubscribe(session, page.shop, _id(subscription_id))
        session.commit()
    except LojalError as error:
        session.rollback()
        raise PageNotFound() from error
    return done(page, page.url("/webhooks"), page.translator.gettext("The webhook is removed."))


@router.post(BASE + "/webhooks/deliveries/{delivery_id}/redeliver")
def redeliver(request: Request, slug: str, delivery_id: str, session: SessionDependency,
              form: FormDependency) -> Response:
    page = open_change(request, session, slug, form.get("csrf_token"), OWNER_ROLES)
    try:
        webhooks.redeliver(session, page.shop, _id(delivery_id), utcnow(),
                           max_attempts=request.app.state.settings.webhooks.max_attempts)
        session.commit()
    except LojalError as error:
        session.rollback()
        raise PageNotFound() from error
    return done(page, page.url("/webhooks"), page.translator.gettext("The delivery is queued to be sent again."))


__all__ = ["router"]
