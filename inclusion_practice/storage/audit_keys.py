"""The audit trail's secrets and where they live: outside the database.

Every audit row carries an HMAC-SHA256 under a key the database never sees, so an administrator
of the database alone can neither forge a row nor recompute the chain after editing one. The
key comes from, in order:

1. ``$INCLUSION_PRACTICE_AUDIT_KEY``: one or more hex keys, comma-separated, the first current;
2. ``$INCLUSION_PRACTICE_AUDIT_KEY_FILE`` or ``[audit] key_file``: a keyring file;
3. ``<audit dir>/audit.key``, made by ``init`` (or ``demo``) with owner-only permissions.

A keyring keeps every key it has had (``audit rotate-key`` adds one and makes it current), and
each row names the id of its key, so rows written before a rotation still verify. A key's id is
a fingerprint of the key itself, so the same key has the same id wherever it is loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from inclusion_practice.config import AuditSettings
from inclusion_practice.errors import AuditKeyError

KEY_ENV = "INCLUSION_PRACTICE_AUDIT_KEY"
KEY_FILE_ENV = "INCLUSION_PRACTICE_AUDIT_KEY_FILE"
DIR_ENV = "INCLUSION_PRACTICE_AUDIT_DIR"
KEYRING_FORMAT = "inclusion-practice audit keyring 1"
KEY_BYTES = 32


def key_id(secret: bytes) -> str:
    """A short public name for a key (a fingerprint: it reveals nothing usable about the key)."""
    return hashlib.sha256(b"inclusion-practice audit key id\0" + secret).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The MAC keys by id; ``current`` signs new rows and links."""

    current: str
    keys: Mapping[str, bytes]
    source: str = "keyring"

    def mac(self, kid: str, domain: bytes, payload: bytes) -> str | None:
        """HMAC-SHA256 of ``payload`` under key ``kid`` (None: this keyring lacks that key).

        ``domain`` separates row MACs from link MACs so one can never stand for the other."""
        secret = self.keys.get(kid)
        if secret is None:
            return None
        return hmac.new(secret, domain + b"\0" + payload, hashlib.sha256).hexdigest()

    @classmethod
    def of(cls, secrets_newest_first: list[bytes], source: str) -> Keyring:
        keys = {key_id(s): s for s in secrets_newest_first}
        return cls(key_id(secrets_newest_first[0]), keys, source)


def parse_env_keys(value: str, source: str = f"${KEY_ENV}") -> Keyring:
    """``hexkey[,older hexkey…]``: the first is current, the rest verify older rows."""
    found: list[bytes] = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            secret = bytes.fromhex(part)
        except ValueError:
            raise AuditKeyError(f"{source}: keys must be hex (e.g. `openssl rand -hex 32`)") from None
        if len(secret) < 16:
            raise AuditKeyError(f"{source}: a key must be at least 16 bytes (32 hex digits)")
        found.append(secret)
    if not found:
        raise AuditKeyError(f"{source} is set but holds no key")
    return Keyring.of(found, source)


def _check_private(path: Path) -> None:
    if os.name != "posix":
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(
            f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}): "
            f"run `chmod 600 {path}`"
        )


def load_keyring(path: Path) -> Keyring:
    """Read a keyring file, refusing one that other users could read."""
    try:
        _check_private(path)
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuditKeyError(f"audit key file {path} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditKeyError(f"{path}: not a readable audit keyring ({type(exc).__name__})") from None
    if not isinstance(raw, dict) or raw.get("format") != KEYRING_FORMAT:
        raise AuditKeyError(f"{path}: not an Inclusion Practice audit keyring")
    try:
        entries = [bytes.fromhex(str(k["key"])) for k in raw["keys"]]
        current = str(raw["current"])
    except (KeyError, TypeError, ValueError):
        raise AuditKeyError(f"{path}: the keyring is damaged") from None
    keys = {key_id(s): s for s in entries}
    if current not in keys:
        raise AuditKeyError(f"{path}: the current key {current} is not in the keyring")
    return Keyring(current, keys, str(path))


def write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write a secret readable by its owner only (0600, folder 0700); never over an existing
    file unless ``replace`` (then atomically, so a crash leaves the old file or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path.with_name(path.name + ".new") if replace else path
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if replace:
        os.replace(target, path)


def _keyring_bytes(entries: list[tuple[bytes, str]], current: str) -> bytes:
    doc = {
        "format": KEYRING_FORMAT,
        "current": current,
        "keys": [{"id": key_id(s), "key": s.hex(), "created": created} for s, created in entries],
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def create_keyring(path: Path, now: dt.datetime) -> Keyring:
    """A new keyring with one fresh random key (refused if the file exists)."""
    if path.exists():
        raise AuditKeyError(f"{path} already exists")
    secret = secrets.token_bytes(KEY_BYTES)
    write_private(path, _keyring_bytes([(secret, now.isoformat())], key_id(secret)))
    return Keyring.of([secret], str(path))


def rotate_keyring(path: Path, now: dt.datetime) -> tuple[str, str]:
    """Add a fresh key and make it current, keeping the old ones; returns (old id, new id)."""
    old = load_keyring(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    entries = [(bytes.fromhex(str(k["key"])), str(k.get("created", ""))) for k in raw["keys"]]
    secret = secrets.token_bytes(KEY_BYTES)
    entries.append((secret, now.isoformat()))
    write_private(path, _keyring_bytes(entries, key_id(secret)), replace=True)
    return old.current, key_id(secret)


@dataclass(frozen=True)
class AuditPaths:
    """Where one database's audit key, signing keys and checkpoints are."""

    dir: Path
    key_file: Path
    signing_key_file: Path
    public_key_file: Path
    checkpoint_dir: Path
    every_rows: int = 1000
    every_minutes: int = 60

    @classmethod
    def resolve(cls, url: str, settings: AuditSettings | None = None,
                env: Mapping[str, str] | None = None) -> AuditPaths:
        """``$INCLUSION_PRACTICE_AUDIT_DIR``, else ``[audit] dir``, else beside a SQLite file
        (``practice.db`` → ``practice.audit/``), else ``./audit``; each file can be moved on
        its own by its setting (the key file also by ``$INCLUSION_PRACTICE_AUDIT_KEY_FILE``)."""
        env = os.environ if env is None else env
        s = settings or AuditSettings()
        if env.get(DIR_ENV):
            base = Path(env[DIR_ENV])
        elif s.dir:
            base = Path(s.dir)
        else:
            base = default_dir(url)
        key_file = env.get(KEY_FILE_ENV) or s.key_file
        return cls(
            dir=base,
            key_file=Path(key_file) if key_file else base / "audit.key",
            signing_key_file=Path(s.signing_key_file) if s.signing_key_file else base / "signing.key",
            public_key_file=Path(s.public_key_file) if s.public_key_file else base / "signing.pub",
            checkpoint_dir=Path(s.checkpoint_dir) if s.checkpoint_dir else base / "checkpoints",
            every_rows=s.checkpoint_every_rows,
            every_minutes=s.checkpoint_every_minutes,
        )


def default_dir(url: str) -> Path:
    try:
        u = make_url(url)
    except Exception:
        return Path("audit")
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        db = Path(str(u.database))
        return db.with_name(db.stem + ".audit")
    return Path("audit")


@dataclass
class AuditSetup:
    """One database's audit key material, loaded on first use (reads need no key)."""

    paths: AuditPaths
    keyring_override: Keyring | None = None
    env_key: str | None = None
    """``$INCLUSION_PRACTICE_AUDIT_KEY`` as it was when the database was opened."""
    _keyring: Keyring | None = field(default=None, repr=False)
    last_checkpoint: tuple[int, dt.datetime] | None = field(default=None, repr=False)
    """(sealed rows, when) of the newest checkpoint this process knows of (automatic ones)."""
    checkpoints_scanned: bool = field(default=False, repr=False)

    @classmethod
    def for_database(cls, url: str, settings: AuditSettings | None = None,
                     env: Mapping[str, str] | None = None,
                     keyring: Keyring | None = None) -> AuditSetup:
        env = os.environ if env is None else env
        return cls(AuditPaths.resolve(url, settings, env), keyring, env.get(KEY_ENV) or None)

    def keyring(self) -> Keyring:
        """The MAC keys; :class:`AuditKeyError` says how to provide them when they are missing."""
        if self._keyring is None:
            if self.keyring_override is not None:
                self._keyring = self.keyring_override
            elif self.env_key:
                self._keyring = parse_env_keys(self.env_key)
            elif self.paths.key_file.exists():
                self._keyring = load_keyring(self.paths.key_file)
            else:
                raise AuditKeyError(
                    f"no audit key: {self.paths.key_file} does not exist. Run "
                    "`inclusion-practice init` (it creates one), or set "
                    f"${KEY_FILE_ENV} (or [audit] key_file) to the practice's key file, "
                    f"or ${KEY_ENV} to the key"
                )
        return self._keyring

    def has_keyring(self) -> bool:
        try:
            self.keyring()
        except AuditKeyError:
            return False
        return True

    def reload(self) -> None:
        """Forget the loaded keys (after a rotation)."""
        self._keyring = None
