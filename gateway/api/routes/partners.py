"""``/ops/partners``: onboarding and the lifecycle over HTTP, as ``gateway partners`` does it.

``POST /ops/partners`` creates a partner from a template (profile file, registration and API key,
all or nothing) and answers its onboarding sheet and key; a request that does not fit is
answered 422 with every problem at once. ``POST /ops/partners/{id}/promote`` changes a status
(409 when the certification does not allow it yet). Everything is audited with the operator.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.concurrency import run_in_threadpool

from gateway.api.schemas import (
    KeyIssued,
    KeyRevoked,
    NewPartnerAnswer,
    NewPartnerRequest,
    PromoteAnswer,
    PromoteRequest,
    TemplateView,
)
from gateway.lifecycle import TransitionRefused, promote
from gateway.onboarding.new import OnboardingRefused, create, prepare
from gateway.onboarding.sheet import onboarding_sheet, sftp_endpoint
from gateway.onboarding.templates import list_templates
from gateway.onboarding.views import (
    ChecklistItemView,
    PartnerDetail,
    PartnerSummary,
    list_partners,
    partner_detail,
)
from gateway.partner_store import PREFIX_LENGTH
from gateway.partners import default_partners_dir
from gateway.web.auth import permits
from gateway.web.errors import ApiError, error_responses
from gateway.web.state import GatewayState, StateDep

router = APIRouter(
    prefix="/partners",
    tags=["ops: partners"],
    responses=error_responses(
        422, described={400: "The body is not JSON", 404: "No such partner", 409: "Refused"}
    ),
)
PartnerId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


def _refused(status: int, code: str, message: str, **context: object) -> HTTPException:
    """``ApiError`` with more than a code and a message (the error handler keeps the rest)."""
    return HTTPException(status, {"code": code, "message": message, **context})


def _partners_dir(state: GatewayState) -> FilePath:
    return state.runtime.settings.partners_dir or default_partners_dir()


@router.get("", response_model=list[PartnerSummary])
async def get_partners(state: StateDep) -> list[PartnerSummary]:
    return await run_in_threadpool(list_partners, state.runtime.db, _partners_dir(state))


@router.get("/templates", response_model=list[TemplateView])
async def get_templates(state: StateDep) -> list[TemplateView]:
    """The onboarding templates and the placeholders each asks for."""
    return [
        TemplateView(
            name=t.name,
            description=t.description,
            placeholders=[p for p in t.placeholders if p != "PARTNER_ID"],
        )
        for t in list_templates(_partners_dir(state))
    ]


@router.get("/{partner_id}", response_model=PartnerDetail)
async def get_partner(partner_id: PartnerId, state: StateDep) -> PartnerDetail:
    """Status, profile, keys (prefixes only), the certification checklist and the history."""
    return await _detail(state, partner_id)


async def _detail(state: GatewayState, partner_id: str) -> PartnerDetail:
    runtime = state.runtime
    found = await run_in_threadpool(
        partner_detail, runtime.db, runtime.keys, _partners_dir(state), partner_id
    )
    if found is None:
        raise ApiError(404, "partner.not_found", f"no partner {partner_id!r}")
    return found


@router.post("", response_model=NewPartnerAnswer, status_code=201)
async def new_partner(
    body: NewPartnerRequest,
    state: StateDep,
    operator: Annotated[str, Depends(permits("partner.create"))],
) -> NewPartnerAnswer:
    """A partner from a template; 422 ``partner.invalid`` lists every problem (``problems``:
    message, the placeholders it came from with their values, the profile field)."""
    runtime = state.runtime
    root = _partners_dir(state)
    try:
        prepared = await run_in_threadpool(
            partial(
                prepare,
                body.id,
                body.template,
                body.values,
                partners_dir=root,
                our_ids=runtime.process_config.our_ids,
                db=runtime.db,
                as2_id=runtime.settings.as2_id,
                as2_key_secret=runtime.settings.as2_key_secret.get_secret_value(),
            )
        )
        created = await run_in_threadpool(
            partial(create, runtime.db, runtime.keys, prepared, actor=operator)
        )
    except OnboardingRefused as exc:
        problems = [
            {"message": p.message, "placeholders": p.placeholders, "field": p.field}
            for p in exc.problems
        ]
        message = f"{len(problems)} problem(s), nothing created: {exc.problems[0]}"
        raise _refused(422, "partner.invalid", message, problems=problems) from None
    prefix = created.api_key[:10] if created.api_key else None
    settings = runtime.settings
    sheet = onboarding_sheet(
        created.profile,
        base_url=settings.base_url(),
        our_ids=runtime.process_config.our_ids,
        key_prefix=prefix,
        sftp=sftp_endpoint(settings.resolved_data_dir(), settings.sftp_address()),
        partners_dir=root,
        as2_id=runtime.settings.as2_id,
    )
    detail = await _detail(state, created.profile.id)
    return NewPartnerAnswer(partner=detail, api_key=created.api_key, sheet=sheet)


@router.post("/{partner_id}/promote", response_model=PromoteAnswer)
async def promote_partner(
    partner_id: PartnerId,
    body: PromoteRequest,
    state: StateDep,
    operator: Annotated[str, Depends(permits("partner.promote"))],
) -> PromoteAnswer:
    """Change the status (audited with ``reason``). Going ``live`` waits for the certification
    checklist: 409 ``partner.not_certified`` names what is missing, unless ``override`` with a
    reason. 404 for an unknown partner, 409 ``partner.transition`` for any other refusal."""
    runtime = state.runtime
    await _detail(state, partner_id)  # 404 first
    try:
        done = await run_in_threadpool(
            partial(
                promote,
                runtime.db,
                partner_id,
                body.to,
                actor=operator,
                reason=body.reason,
                override=body.override,
                partners_dir=_partners_dir(state),
            )
        )
    except TransitionRefused as exc:
        if exc.checklist is None:
            raise _refused(409, "partner.transition", str(exc)) from None
        items = [ChecklistItemView.of(i).model_dump() for i in exc.checklist.items]
        raise _refused(409, "partner.not_certified", str(exc), checklist=items) from None
    return PromoteAnswer(
        partner_id=partner_id,
        before=done.before,
        after=done.after,
        overridden=done.overridden,
        checklist=[ChecklistItemView.of(i) for i in done.checklist.items] if done.checklist else [],
    )


@router.post("/{partner_id}/keys", response_model=KeyIssued, status_code=201)
async def issue_key(
    partner_id: PartnerId,
    state: StateDep,
    operator: Annotated[str, Depends(permits("partner.key.issue"))],
) -> KeyIssued:
    """One more API key (the others keep working: rotation), shown once; audited."""
    await _detail(state, partner_id)
    key = await run_in_threadpool(partial(state.runtime.keys.issue, partner_id, actor=operator))
    return KeyIssued(partner_id=partner_id, api_key=key, prefix=key[:PREFIX_LENGTH])


@router.post("/{partner_id}/keys/{prefix}/revoke", response_model=KeyRevoked)
async def revoke_key(
    partner_id: PartnerId,
    prefix: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{4,12}$")],
    state: StateDep,
    operator: Annotated[str, Depends(permits("partner.key.revoke"))],
) -> KeyRevoked:
    """Revoke the key with this prefix (audited); 404 when none matches, 409 when several do."""
    await _detail(state, partner_id)
    found = await run_in_threadpool(
        partial(state.runtime.keys.revoke, partner_id, prefix, actor=operator)
    )
    if found == 0:
        raise ApiError(404, "partner.key_not_found", f"{partner_id} has no key {prefix!r}")
    if found > 1:
        raise ApiError(409, "partner.key_ambiguous", f"{found} keys start with {prefix!r}")
    return KeyRevoked(partner_id=partner_id, prefix=prefix)
