"""The onboarding sheet: what a supplier needs from us to connect and to certify, in plain text.

Built from the partner's profile alone (plus the gateway's address and ids), so ``partners new``,
``partners show --sheet`` and ``POST /ops/partners`` print the same sheet. The API key is never
on it (it goes to the supplier by another channel); its prefix is, so both sides can tell which
key is meant.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from gateway.onboarding.as2_identity import summarize
from gateway.partner_sections import EVENT_TYPES, AS2Settings, SftpSettings
from gateway.partners import PartnerProfile
from gateway.x12.identities import EnvelopeId

DOCUMENTS = {
    "855": "purchase order acknowledgement",
    "856": "advance ship notice",
    "810": "invoice",
    "997": "functional acknowledgement",
    "999": "implementation acknowledgement",
    "po_acknowledgment": "purchase order acknowledgement (JSON event)",
    "ship_notice": "advance ship notice (JSON event)",
    "invoice": "invoice (JSON event)",
    "functional_ack": "functional acknowledgement (JSON event)",
}
ISA12 = {"004010": "00401", "005010": "00501", "003060": "00306", "004030": "00403"}


def is_json_partner(profile: PartnerProfile) -> bool:
    """Certified on JSON events rather than X12 sets."""
    items = profile.certification.documents
    return bool(items) and all(item.document in EVENT_TYPES for item in items)


@dataclass(frozen=True, slots=True)
class SftpEndpoint:
    """Our hosted SFTP server as partners reach it (``sftp_endpoint``)."""

    host: str
    port: int
    fingerprint: str | None
    """Our host key's ``SHA256:...`` fingerprint; None before the server first made its key."""


HOST_PUBLIC_KEY = "sftp_host_ed25519_key.pub"
"""Written beside the host key by ``transports.sftp.hostkey`` (the core reads only this)."""


def sftp_endpoint(data_dir: Path, address: tuple[str, int]) -> SftpEndpoint | None:
    """Our SFTP server at ``address`` (``Settings.sftp_address``) with our host key's
    fingerprint, read from its public key file; None when the server is off (port 0)."""
    host, port = address
    if port == 0:
        return None
    try:
        blob = base64.b64decode((data_dir / HOST_PUBLIC_KEY).read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return SftpEndpoint(host, port, None)
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return SftpEndpoint(host, port, f"SHA256:{digest}")


def onboarding_sheet(
    profile: PartnerProfile,
    *,
    base_url: str,
    our_ids: tuple[EnvelopeId, ...],
    key_prefix: str | None = None,
    sftp: SftpEndpoint | None = None,
    partners_dir: Path | None = None,
    as2_id: str = "GATEWAYBUYER",
) -> str:
    """``partners_dir``: where our AS2 certificates are read from (left out: not shown);
    ``as2_id``: the gateway's AS2 name (``GATEWAY_AS2_ID``)."""
    json_partner = is_json_partner(profile)
    lines = [
        f"Onboarding sheet: {profile.name} ({profile.id})",
        "=" * 60,
        *_connection(profile, base_url.rstrip("/"), key_prefix, json_partner, sftp),
        "",
    ]
    if profile.transports.as2 is not None:
        as2 = profile.transports.as2
        lines += [*_as2(as2, base_url.rstrip("/"), as2_id, partners_dir), ""]
    lines += [
        *(_json_rules(profile, our_ids) if json_partner else _x12_rules(profile, our_ids)),
        "",
        *_certification(profile),
    ]
    if profile.contacts:
        lines += ["", "Your contacts on file:"]
        lines += [f"  {c.name}" + (f" <{c.email}>" if c.email else "") for c in profile.contacts]
    return "\n".join(lines) + "\n"


def _connection(
    profile: PartnerProfile,
    base: str,
    key_prefix: str | None,
    json_partner: bool,
    sftp: SftpEndpoint | None = None,
) -> list[str]:
    t = profile.transports
    lines = ["How to connect:"]
    if t.http.enabled:
        send = "/v1/documents" if json_partner else "/v1/x12"
        body = "JSON events" if json_partner else "X12 interchanges"
        key = (
            f"your API key ({key_prefix}..., sent to you separately)"
            if key_prefix
            else "your API key"
        )
        lines += [
            f"  POST {base}{send}   {body}, header 'Authorization: Bearer <API key>'",
            f"  GET  {base}/v1/receipts/<receipt_id>   the outcome and our acknowledgements",
            f"  API key: {key}",
            f"  API documentation: {base}/docs",
            "  Optional header X-Message-Id: your id for the message (a re-send is a duplicate)",
        ]
    if t.as2 is not None:
        lines.append(
            f"  AS2: POST {base}/as2"
            + ("" if t.as2.enabled else " (opens once we have your certificate)")
            + ", details below"
        )
    if t.sftp is not None:
        s = t.sftp
        if s.mode == "hosted":
            lines += _hosted_sftp(s.username, sftp, s.temp_suffixes)
        else:
            lines += _remote_sftp(s)
    if t.sftp is not None and not t.sftp.enabled:
        lines.append("  (our SFTP service opens later: we will tell you the date)")
    return lines


def _remote_sftp(s: SftpSettings) -> list[str]:
    """Polling their server: what we do there and what we need from them."""
    done = (
        f"a name without {'/'.join(s.temp_suffixes)} (upload as x.edi.part, then rename)"
        if s.completion == "rename"
        else f"its size unchanged for {s.stable_seconds:g} s"
    )
    after = "move it to " + (s.archive or f"{s.inbox.rstrip('/')}/archive")
    return [
        f"  SFTP on your server {s.host}:{s.port}, our account {s.username}: we pick "
        f"files matching {s.pattern} up from {s.inbox} every {s.poll_interval_s} s and put ours "
        f"in {s.outbox} (written as <name>.part, then renamed)",
        f"    A file is complete once it has {done}; once stored we "
        + ("delete it" if s.after_commit == "delete" else after),
        "    We need from you: host and port, our user name, your host key fingerprint "
        "(ssh-keygen -l -E sha256 -f <host key>.pub; we refuse any other key), and either our "
        "public key installed for that user or a password sent to us out of band",
        f"    Host key on file: {s.host_key or '(none yet: send it to us)'}",
    ]


def _as2(settings: AS2Settings, base: str, as2_id: str, partners_dir: Path | None) -> list[str]:
    """AS2 both ways: the names, the URLs, what we sign and encrypt with, the MDNs, and our
    certificate (subject, SHA-256 fingerprint, validity, PEM) for them to install."""
    encrypt = settings.encrypt or "not encrypted"
    sign = settings.sign or "unsigned"
    lines = [
        "AS2 (RFC 4130):",
        f"  Our AS2 id (your AS2-To):            {settings.our_as2_id or as2_id}",
        f"  Your AS2 id (your AS2-From):         {settings.as2_id}",
        f"  Our AS2 URL:                         {base}/as2",
        f"  Your AS2 URL on file:                {settings.url or '(none: tell us)'}",
        "  What you send us: signed (SHA-256/384/512"
        + ("/SHA-1" if settings.allow_sha1 else "")
        + ") and encrypted (AES-128/192/256 CBC or GCM"
        + (", 3DES" if settings.allow_3des else "")
        + "), compressed or not",
        "  MDNs we return: synchronous or asynchronous (your Receipt-Delivery-Option),",
        "    signed when you ask (Disposition-Notification-Options), MIC sha-256",
        f"  What we send you: signed {sign}, encrypted {encrypt}, key transport "
        f"{settings.key_transport}" + (", compressed" if settings.compress else ""),
        f"  MDN we ask of you: {settings.mdn}"
        + (f", signed, to {settings.async_mdn_url}" if settings.mdn == "async" else "")
        + (" (signed)" if settings.mdn == "sync" and settings.mdn_signed else ""),
    ]
    if not settings.enabled:
        lines.append("  Send us your AS2 certificate (PEM): we open AS2 for you once it is on file")
    for n, pair in enumerate(settings.our_keys):
        if partners_dir is None:
            continue
        try:
            ours = summarize(partners_dir / pair.certificate)
        except (OSError, ValueError) as exc:
            lines.append(f"  Our certificate {pair.certificate}: cannot be read ({exc})")
            continue
        title = "Our certificate" + (f" ({n + 1})" if len(settings.our_keys) > 1 else "")
        lines += [
            f"  {title} (verify our signatures and MDNs, encrypt to us):",
            f"    Subject:             {ours.subject}",
            f"    SHA-256 fingerprint: {ours.sha256}",
            f"    Valid:               {ours.not_before:%Y-%m-%d %H:%M} UTC to "
            f"{ours.not_after:%Y-%m-%d %H:%M} UTC",
            *("    " + line for line in ours.pem.strip().splitlines()),
        ]
    return lines


def _hosted_sftp(user: str, sftp: SftpEndpoint | None, temp: tuple[str, ...]) -> list[str]:
    where = f"sftp -P {sftp.port} {user}@{sftp.host}" if sftp else f"account {user}"
    key = sftp.fingerprint if sftp and sftp.fingerprint else "(given with your account)"
    return [
        f"  SFTP on our server: {where}",
        f"       our host key: {key} (check it before the first login)",
        f"       put files in inbound/ (upload as NAME{temp[0] if temp else '.part'} and rename "
        "to NAME, or put NAME directly: it is taken once closed)",
        "       our acknowledgements appear in outbound/ (get them; a file read to its end or "
        "removed counts as received); what we stored is in archive/",
    ]


def _x12_rules(profile: PartnerProfile, our_ids: tuple[EnvelopeId, ...]) -> list[str]:
    x12 = profile.x12
    senders = ", ".join(f"{s.qualifier}/{s.id}" for s in x12.sender_ids)
    ours = (x12.our(),) if x12.our() is not None else our_ids
    versions = sorted({i.version for i in profile.certification.documents if i.version})
    d = x12.ack.delimiters
    ack = {"auto": "997 (004010) or 999 (005010)", "none": "none"}.get(x12.ack.kind, x12.ack.kind)
    ta1 = {
        "on_request": "when you ask (ISA14=1) or when the envelope is faulty",
        "always": "for every interchange",
        "on_error": "when the envelope is faulty",
    }[x12.ack.ta1]
    lines = [
        "What we expect in your X12:",
        f"  Your sender id (ISA05/ISA06, GS02):   {senders}",
        f"  Our id (ISA07/ISA08, GS03):           {' or '.join(str(o) for o in ours)}",
    ]
    if versions:
        isa = ", ".join(ISA12.get(v, "?") for v in versions)
        lines.append(f"  Versions (GS08 / ISA12):             {', '.join(versions)} / {isa}")
    lines += [
        "  Delimiters: any, read from your ISA (element, ISA16 component, segment terminator)",
        "  Test files: ISA15=T while we test; production files ISA15=P",
        f"  Documents we accept:                 {', '.join(profile.accepted_sets)}",
        f"  Our acknowledgements: {ack} per group, TA1 {ta1}",
    ]
    if d is not None:
        lines.append(
            f"  Our delimiters: element {d.element} component {d.component} "
            f"segment {d.segment} repetition {d.repetition}"
        )
    return lines


def _json_rules(profile: PartnerProfile, our_ids: tuple[EnvelopeId, ...]) -> list[str]:
    ours = (profile.x12.our(),) if profile.x12.our() is not None else our_ids
    return [
        "What we expect in your JSON documents:",
        '  Schema: GET /docs (the canonical supply events, one or {"documents": [...]})',
        f"  source.sender_id: {', '.join(s.id for s in profile.x12.sender_ids)} (or empty)",
        f"  source.receiver_id: {' or '.join(o.id for o in ours if o is not None)} (or empty)",
        "  Test documents: source.test true while we test",
    ]


def _certification(profile: PartnerProfile) -> list[str]:
    items = profile.certification.documents
    if not items:
        return ["To certify: nothing to send; we tell you when you are live."]
    lines = [
        "To certify, send one of each as a test and get it accepted (997/999 AK5 A or E, or the",
        "receipt's transaction status A); nothing reaches our ERP until we put you live:",
    ]
    lines += [f"  [ ] {item.label:<20} {DOCUMENTS.get(item.document, '')}" for item in items]
    return lines
