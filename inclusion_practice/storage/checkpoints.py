"""Signed checkpoints of the audit chain's head, written outside the database.

A checkpoint records how long the sealed chain was (rows, last row id), its head link's MAC,
its first link's MAC (which names the chain) and the key id, at a moment, signed with Ed25519.
They are written on a schedule (``audit checkpoint`` from cron, and automatically as the chain
grows), at every ``db backup``, return and FHIR export. Anyone holding only the public key can
check them; a database administrator who removes the newest rows, empties the table or swaps
in another chain is caught by the first checkpoint that remembers more, or another head.

``db restore`` writes a *restore* record: the chain legitimately goes back to the backup's
head, and checkpoints beyond it from before the restore are reported as superseded, not as
tampering. ``cryptography`` is imported only here and only when a key is used.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inclusion_practice.errors import AuditKeyError
from inclusion_practice.storage.audit_keys import write_private

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

CHECKPOINT_FORMAT = "inclusion-practice audit checkpoint 1"


@dataclass(frozen=True)
class ChainHead:
    """The sealed chain as a checkpoint records it."""

    sealed: int
    """Links in the chain (sealed rows); the head link's ``seq``."""
    last_id: int
    """The highest audit row id in the chain."""
    head_mac: str
    genesis_mac: str
    """The first link's MAC: which chain this is."""
    key_id: str | None


@dataclass(frozen=True)
class Checkpoint:
    number: int
    kind: str
    """``checkpoint`` or ``restore``."""
    reason: str
    at: dt.datetime
    head: ChainHead
    signer: str
    path: Path

    def describe(self) -> str:
        what = "restore record" if self.kind == "restore" else "checkpoint"
        return f"the {what} of {self.at:%Y-%m-%d %H:%M:%S} ({self.reason}; {self.path.name})"


def _ed25519() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519


def fingerprint(public: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def create_signing_key(private_path: Path, public_path: Path) -> str:
    """A new Ed25519 key pair: the private key owner-only (0600), the public key readable.
    Refused when the private key file exists. Returns the public key's fingerprint."""
    from cryptography.hazmat.primitives import serialization

    if private_path.exists():
        raise AuditKeyError(f"{private_path} already exists")
    key = _ed25519().Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_private(private_path, pem)
    _write_public(public_path, key.public_key())
    return fingerprint(key.public_key())


def _write_public(path: Path, public: Ed25519PublicKey) -> None:
    from cryptography.hazmat.primitives import serialization

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(public.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo))


def rotate_signing_key(private_path: Path, public_path: Path) -> tuple[str, str]:
    """Replace the signing key; the old public key is kept beside the new one
    (``signing.pub.<fingerprint>``) so older checkpoints still verify. Returns (old, new)."""
    from cryptography.hazmat.primitives import serialization

    old = load_private_key(private_path)
    old_fp = fingerprint(old.public_key())
    _write_public(public_path.with_name(f"{public_path.name}.{old_fp}"), old.public_key())
    key = _ed25519().Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_private(private_path, pem, replace=True)
    _write_public(public_path, key.public_key())
    return old_fp, fingerprint(key.public_key())


def load_private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise AuditKeyError(f"signing key {path} not found") from None
    except (OSError, ValueError, TypeError) as exc:
        raise AuditKeyError(f"{path}: not a readable Ed25519 private key ({type(exc).__name__})") from None
    if not isinstance(key, _ed25519().Ed25519PrivateKey):
        raise AuditKeyError(f"{path}: not an Ed25519 key")
    private: Ed25519PrivateKey = key
    return private


def load_public_key(path: Path) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise AuditKeyError(f"public key {path} not found") from None
    except (OSError, ValueError, TypeError) as exc:
        raise AuditKeyError(f"{path}: not a readable Ed25519 public key ({type(exc).__name__})") from None
    if not isinstance(key, _ed25519().Ed25519PublicKey):
        raise AuditKeyError(f"{path}: not an Ed25519 key")
    public: Ed25519PublicKey = key
    return public


def public_keys_beside(public_path: Path) -> list[Path]:
    """The public key and the retired ones kept beside it by :func:`rotate_signing_key`."""
    if not public_path.parent.is_dir():
        return []
    found = [public_path] if public_path.exists() else []
    found += sorted(public_path.parent.glob(public_path.name + ".*"))
    return found


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _next_number(folder: Path) -> int:
    numbers = [int(p.name.split("-", 1)[0]) for p in folder.glob("*.json")
               if p.name.split("-", 1)[0].isdigit()]
    return max(numbers, default=0) + 1


def write_checkpoint(folder: Path, private_path: Path, head: ChainHead, *, kind: str,
                     reason: str, at: dt.datetime) -> Path:
    """Sign ``head`` and write it as a new file in ``folder`` (never over another)."""
    key = load_private_key(private_path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for _ in range(100):
        number = _next_number(folder)
        payload = {
            "format": CHECKPOINT_FORMAT, "number": number, "kind": kind, "reason": reason,
            "at": at.isoformat(), "sealed": head.sealed, "last_id": head.last_id,
            "head_mac": head.head_mac, "genesis_mac": head.genesis_mac, "key_id": head.key_id,
            "signer": fingerprint(key.public_key()),
        }
        signature = base64.b64encode(key.sign(_canonical(payload))).decode("ascii")
        body = json.dumps({"payload": payload, "signature": signature}, indent=2) + "\n"
        path = folder / f"{number:08d}-{kind}-{head.sealed}.json"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:  # another terminal took this number a moment ago
            continue
        try:
            os.write(fd, body.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        return path
    raise AuditKeyError(f"could not write a checkpoint in {folder}")


def read_checkpoints(folder: Path, public_paths: list[Path]) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint in ``folder`` whose signature verifies, oldest first, and a problem
    line for each file that does not (forged, altered or unreadable)."""
    if not folder.is_dir():
        return [], []
    publics = {fingerprint(k): k for k in (load_public_key(p) for p in public_paths)}
    good: list[Checkpoint] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            payload = doc["payload"]
            signature = base64.b64decode(doc["signature"], validate=True)
            if payload.get("format") != CHECKPOINT_FORMAT:
                raise ValueError("format")
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
            problems.append(f"checkpoint {path.name} cannot be read: damaged or not a checkpoint")
            continue
        public = publics.get(str(payload.get("signer")))
        if public is None:
            problems.append(
                f"checkpoint {path.name} is signed by key {payload.get('signer')}, which is not "
                "among the public keys given: forged, or pass the old public key too"
            )
            continue
        try:
            public.verify(signature, _canonical(payload))
        except Exception:  # cryptography's InvalidSignature
            problems.append(f"checkpoint {path.name}: the signature does not verify "
                            "(forged or altered)")
            continue
        good.append(Checkpoint(
            number=int(payload["number"]), kind=str(payload["kind"]),
            reason=str(payload["reason"]), at=dt.datetime.fromisoformat(payload["at"]),
            head=ChainHead(int(payload["sealed"]), int(payload["last_id"]),
                           str(payload["head_mac"]), str(payload["genesis_mac"]),
                           payload.get("key_id")),
            signer=str(payload["signer"]), path=path,
        ))
    good.sort(key=lambda c: (c.number, c.at))
    return good, problems


def latest(folder: Path) -> tuple[int, dt.datetime] | None:
    """(sealed rows, when) of the newest checkpoint file, read without checking signatures
    (only to decide when the next automatic one is due)."""
    if not folder.is_dir():
        return None
    best: tuple[int, int, dt.datetime] | None = None
    for path in folder.glob("*.json"):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))["payload"]
            item = (int(payload["number"]), int(payload["sealed"]),
                    dt.datetime.fromisoformat(payload["at"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if best is None or item[0] > best[0]:
            best = item
    return None if best is None else (best[1], best[2])
