"""Partners: the list, a new partner from a template (the same ``prepare``/``create`` as
``gateway partners new`` and ``POST /ops/partners``), the printable onboarding sheet, the
certification checklist, promote/suspend with a reason, API keys and AS2 certificates."""

from __future__ import annotations

import logging
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from gateway.console.web import (
    Staff,
    UserDep,
    can,
    console_state,
    form_of,
    partners_dir,
    redirect,
    render,
    runtime_of,
)
from gateway.errors import ConfigurationError
from gateway.lifecycle import TransitionRefused, promote
from gateway.onboarding.new import OnboardingRefused, create, prepare
from gateway.onboarding.sheet import onboarding_sheet
from gateway.onboarding.templates import PLACEHOLDERS, find_template, list_templates
from gateway.onboarding.views import list_partners, partner_detail
from gateway.partner_store import PREFIX_LENGTH
from gateway.partners import STATUSES, read_profile
from gateway.pipeline.purchase_orders import send_unsent, unsent_purchase_orders
from gateway.web.state import gateway_state

log = logging.getLogger("gateway.console")
router = APIRouter(prefix="/console/partners", include_in_schema=False)
PartnerId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
"""A partner id as profiles spell it: anything else is a 422, never a file name."""


@router.get("", response_class=HTMLResponse)
async def partners(request: Request, user: UserDep) -> Response:
    found = await run_in_threadpool(list_partners, runtime_of(request).db, partners_dir(request))
    return render(request, "partners.html", user, active="partners", partners=found)


@router.get("/new", response_class=HTMLResponse)
async def new_partner(
    request: Request, user: Annotated[Staff, Depends(can("partner.create"))]
) -> Response:
    """Step 1: pick a template and an id; step 2 (``?template=``): the placeholders it asks for."""
    q = request.query_params
    return _wizard(request, user, q.get("template", ""), q.get("id", ""), {}, [])


def _wizard(
    request: Request,
    user: Staff,
    template_name: str,
    partner_id: PartnerId,
    values: dict[str, str],
    problems: list[object],
    status: int = 200,
) -> Response:
    root = partners_dir(request)
    template = find_template(root, template_name) if template_name else None
    fields = []
    if template is not None:
        for name in template.placeholders:
            if name == "PARTNER_ID":
                continue
            known = PLACEHOLDERS.get(name)
            fields.append(
                {
                    "name": name,
                    "help": known.question if known else name,
                    "example": known.example if known else "",
                    "value": values.get(
                        name,
                        known.default
                        if known and known.default and "$" not in known.default
                        else "",
                    ),
                }
            )
    return render(
        request,
        "partner_new.html",
        user,
        status=status,
        active="partners",
        templates=list_templates(root),
        chosen=template,
        partner_id=partner_id,
        fields=fields,
        problems=problems,
    )


@router.post("/new")
async def create_partner(
    request: Request, user: Annotated[Staff, Depends(can("partner.create"))]
) -> Response:
    form = await form_of(request, user)
    template_name = str(form.get("template") or "")
    partner_id = str(form.get("id") or "").strip()[:63]
    values = {
        k[2:]: str(v).strip() for k, v in form.items() if k.startswith("p_") and str(v).strip()
    }
    runtime = runtime_of(request)
    root = partners_dir(request)
    try:
        prepared = await run_in_threadpool(
            partial(
                prepare,
                partner_id,
                template_name,
                values,
                partners_dir=root,
                our_ids=runtime.process_config.our_ids,
                db=runtime.db,
            )
        )
        created = await run_in_threadpool(
            partial(create, runtime.db, runtime.keys, prepared, actor=user.actor)
        )
    except OnboardingRefused as exc:
        return _wizard(request, user, template_name, partner_id, values, list(exc.problems), 422)
    sheet = onboarding_sheet(
        created.profile,
        base_url=runtime.settings.base_url(),
        our_ids=runtime.process_config.our_ids,
        key_prefix=created.api_key[:PREFIX_LENGTH] if created.api_key else None,
    )
    return render(
        request,
        "partner_created.html",
        user,
        status=201,
        active="partners",
        partner_id=created.profile.id,
        api_key=created.api_key,
        sheet=sheet,
    )


@router.get("/{partner_id}", response_class=HTMLResponse)
async def partner_page(request: Request, partner_id: PartnerId, user: UserDep) -> Response:
    runtime = runtime_of(request)
    root = partners_dir(request)
    found = await run_in_threadpool(partner_detail, runtime.db, runtime.keys, root, partner_id)
    if found is None:
        return render(request, "not_found.html", user, status=404, what=f"partner {partner_id}")
    certificates = [
        c
        for c in await run_in_threadpool(console_state(request).certificates, root)
        if c.partner_id == partner_id
    ]
    passed = sum(1 for item in found.checklist if item.passed)
    unsent = await run_in_threadpool(unsent_purchase_orders, runtime.db, partner_id)
    return render(
        request,
        "partner.html",
        user,
        active="partners",
        p=found,
        passed=passed,
        statuses=[s for s in STATUSES if s != found.status],
        certificates=certificates,
        unsent=unsent,
    )


@router.post("/{partner_id}/send-purchase-orders")
async def send_purchase_orders(
    request: Request,
    partner_id: PartnerId,
    user: Annotated[Staff, Depends(can("purchase_order.publish"))],
) -> Response:
    """Send the POs whose current revision never went out (``gateway po send``)."""
    await form_of(request, user)  # the CSRF check
    runtime = runtime_of(request)
    back = f"/console/partners/{partner_id}"
    try:
        results = await run_in_threadpool(
            send_unsent, runtime.db, runtime.process_config, partner_id
        )
    except ConfigurationError as exc:  # no readable profile, or an invalid outbound map
        return render(request, "refused.html", user, status=409, message=str(exc), back=back)
    push = [ref.id for _, ref in results if ref is not None]
    if push:
        try:
            await run_in_threadpool(gateway_state(request).enqueue_outbound, push)
        except Exception:  # queued in the outbox: the sweep sends them
            log.exception("enqueueing %s failed; the sweep will pick them up", push)
    sent = sum(1 for done, _ in results if done.sent)
    held = [f"{done.po_number}: {done.note}" for done, _ in results if done.held]
    if held:
        return render(
            request,
            "refused.html",
            user,
            status=409,
            message=f"{sent} sent; still held: " + "; ".join(held),
            back=back,
        )
    return redirect(back, "pos_sent", sent)


@router.get("/{partner_id}/sheet", response_class=HTMLResponse)
async def sheet_page(request: Request, partner_id: PartnerId, user: UserDep) -> Response:
    runtime = runtime_of(request)
    try:
        profile = await run_in_threadpool(read_profile, partner_id, partners_dir(request))
    except Exception:  # no such profile, or it does not read: the 404 page says so
        return render(request, "not_found.html", user, status=404, what=f"partner {partner_id}")
    keys = runtime.keys.keys(partner_id)
    sheet = onboarding_sheet(
        profile,
        base_url=runtime.settings.base_url(),
        our_ids=runtime.process_config.our_ids,
        key_prefix=keys[-1].prefix if keys else None,
    )
    return render(
        request, "sheet.html", user, active="partners", partner_id=partner_id, sheet=sheet
    )


@router.post("/{partner_id}/promote")
async def promote_partner(
    request: Request, partner_id: PartnerId, user: Annotated[Staff, Depends(can("partner.promote"))]
) -> Response:
    form = await form_of(request, user)
    to = str(form.get("to") or "")
    reason = str(form.get("reason") or "").strip()[:500] or None
    try:
        await run_in_threadpool(
            partial(
                promote,
                runtime_of(request).db,
                partner_id,
                to,
                actor=user.actor,
                reason=reason,
                override=form.get("override") == "on",
                partners_dir=partners_dir(request),
            )
        )
    except TransitionRefused as exc:
        return render(
            request,
            "refused.html",
            user,
            status=409,
            message=str(exc),
            back=f"/console/partners/{partner_id}",
        )
    return redirect(f"/console/partners/{partner_id}", "promoted")


@router.post("/{partner_id}/keys")
async def issue_key(
    request: Request,
    partner_id: PartnerId,
    user: Annotated[Staff, Depends(can("partner.key.issue"))],
) -> Response:
    await form_of(request, user)
    runtime = runtime_of(request)
    found = await run_in_threadpool(
        partner_detail, runtime.db, runtime.keys, partners_dir(request), partner_id
    )
    if found is None:
        return render(request, "not_found.html", user, status=404, what=f"partner {partner_id}")
    key = await run_in_threadpool(partial(runtime.keys.issue, partner_id, actor=user.actor))
    return render(
        request,
        "key_issued.html",
        user,
        status=201,
        active="partners",
        partner_id=partner_id,
        api_key=key,
    )


@router.post("/{partner_id}/keys/{prefix}/revoke")
async def revoke_key(
    request: Request,
    partner_id: PartnerId,
    prefix: str,
    user: Annotated[Staff, Depends(can("partner.key.revoke"))],
) -> Response:
    await form_of(request, user)
    runtime = runtime_of(request)
    found = await run_in_threadpool(
        partial(runtime.keys.revoke, partner_id, prefix[:12], actor=user.actor)
    )
    if found != 1:
        message = "No such key." if found == 0 else f"{found} keys start with {prefix}."
        return render(request, "refused.html", user, status=409 if found else 404, message=message)
    return redirect(f"/console/partners/{partner_id}", "key_revoked")
