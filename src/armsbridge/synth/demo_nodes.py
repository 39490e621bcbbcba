"""The two-node demo: each node its own var dir and store, holding only its own half of the world.

`var/demo/world` holds the synthetic world (both exports and the truth files, generated once);
`var/demo/xk` and `var/demo/mk` are the Kosovo and North Macedonian nodes. Each imports only its
own jurisdiction's files, has the demo users of its own service, an exchange identity (`node
init`), the other node as a peer (by public key and fingerprint, as an administrator adds it)
and its hit/no-hit set built. A node whose `demo.json` matches the world is reused as it is.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from armsbridge.db import keys
from armsbridge.db import service as db_service
from armsbridge.db.engine import engine_from_settings
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.exchange import identity
from armsbridge.exchange import service as exchange
from armsbridge.exchange.hitset import refresh_hitset
from armsbridge.exchange.models import Peer
from armsbridge.matching.service import MATCH_TYPES, run_match
from armsbridge.settings import Settings
from armsbridge.synth.service import GENERATOR_VERSION, generate_world, import_world

NODE_NAMES = {"XK": "Kosovo Police (demo)", "MK": "North Macedonia MoI (demo)"}
DEMO_PORTS = {"XK": 8001, "MK": 8002}
MARKER = "demo.json"
ACTOR = "demo"


@dataclass(frozen=True)
class DemoNode:
    """One demo node: its jurisdiction, settings (own var dir and store) and URL."""

    jurisdiction: str
    settings: Settings
    port: int

    @property
    def url(self) -> str:
        """Return the node's address on loopback."""
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Return the environment variables that make a process (CLI, server) this node."""
        return {
            "ARMSBRIDGE_VAR_DIR": str(self.settings.var_dir),
            "ARMSBRIDGE_JURISDICTION": self.jurisdiction,
            "ARMSBRIDGE_DATABASE_URL": self.settings.effective_database_url(),
            "ARMSBRIDGE_KEYS_DIR": str(keys.keys_dir(self.settings)),
            "ARMSBRIDGE_NODE_NAME": NODE_NAMES[self.jurisdiction],
        }


def demo_node(root: Path, jurisdiction: str, port: int) -> DemoNode:
    """Return the demo node of `jurisdiction` under `root` (e.g. var/demo/xk), served on `port`."""
    var = Path(root) / jurisdiction.lower()
    settings = Settings(
        var_dir=var,
        jurisdiction=jurisdiction,
        node_name=NODE_NAMES[jurisdiction],
        database_url=f"sqlite:///{(var / 'armsbridge.db').as_posix()}",
        keys_dir=var / "keys",
    )
    return DemoNode(jurisdiction, settings, port)


def ensure_world(root: Path, *, seed: int, persons: int, fresh: bool) -> Path:
    """Generate the demo world into root/world unless the same one is there; return its folder."""
    world = Path(root) / "world"
    manifest = world / "manifest.json"
    if not fresh and manifest.is_file():
        known = json.loads(manifest.read_text(encoding="utf-8"))
        if known.get("seed") == seed and known.get("persons") == persons:
            return world
    if world.exists():
        shutil.rmtree(world)
    generate_world(world, seed=seed, persons=persons)
    return world


def _marker(seed: int, persons: int) -> dict[str, Any]:
    return {"seed": seed, "persons": persons, "generator_version": GENERATOR_VERSION}


def is_built(node: DemoNode, *, seed: int, persons: int) -> bool:
    """True when the node's store exists and was built from this world."""
    path = Path(node.settings.var_dir) / MARKER
    if not path.is_file() or not (Path(node.settings.var_dir) / "armsbridge.db").is_file():
        return False
    built = json.loads(path.read_text(encoding="utf-8"))
    return {k: built.get(k) for k in ("seed", "persons", "generator_version")} == _marker(
        seed, persons
    )


def build_node(
    node: DemoNode,
    world: Path,
    *,
    seed: int,
    persons: int,
    on_file: Callable[[dict[str, Any], Any], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> None:
    """Build the node from scratch: new store, its own jurisdiction's files, identity, matches.

    The matcher runs over the store once it is loaded, so the review queue has suggestions on
    the first start; `say` hears of each run (or its failure) and the seconds it took.
    """
    var = Path(node.settings.var_dir)
    if var.exists():
        shutil.rmtree(var)
    var.mkdir(parents=True)
    keys.use_node(node.settings)
    try:
        engine = engine_from_settings(node.settings)
        try:
            db_service.upgrade(engine)
        finally:
            engine.dispose()
        import_world(node.settings, world, on_file=on_file, jurisdiction=node.jurisdiction)
        with _store(node) as factory, session_scope(factory) as session:
            exchange.init_node(
                session,
                settings=node.settings,
                jurisdiction=node.jurisdiction,
                name=NODE_NAMES[node.jurisdiction],
                url=node.url,
                actor=ACTOR,
            )
        match_store(node, say=say)
    finally:
        keys.use_node(None)
    built = {**_marker(seed, persons), "built_at": datetime.now(UTC).isoformat()}
    (var / MARKER).write_text(json.dumps(built, indent=2) + "\n", encoding="utf-8")


def match_store(node: DemoNode, *, say: Callable[[str], None] | None = None) -> list[str]:
    """Run the matcher over every matchable type of the node's store, one transaction each.

    A type whose run fails is reported and left without suggestions: the demo still starts,
    and `armsbridge match --type TYPE` on the node runs it again. Returns the types matched.
    """
    tell = say or (lambda _m: None)
    done = []
    with _store(node) as factory:
        for entity_type in MATCH_TYPES:
            started = time.perf_counter()
            try:
                with session_scope(factory) as session:
                    run = run_match(session, entity_type=entity_type, settings=node.settings)
                    counts = (run.records, run.suggested, run.accepted)
            except Exception as exc:  # noqa: BLE001 - one type's failure must not stop the demo
                tell(
                    f"matching {entity_type} records failed ({type(exc).__name__}: {exc}); "
                    f"no {entity_type} suggestions - run `armsbridge match --type "
                    f"{entity_type}` on this node to try again"
                )
                continue
            done.append(entity_type)
            tell(
                f"matched {counts[0]:,} {entity_type} records: {counts[1]:,} suggestions, "
                f"{counts[2]:,} accepted ({time.perf_counter() - started:.1f} s)"
            )
    return done


class _store:
    """Context manager: a session factory on the node's store, disposed afterwards."""

    def __init__(self, node: DemoNode) -> None:
        self.engine = engine_from_settings(node.settings)

    def __enter__(self) -> Any:
        return make_sessionmaker(self.engine)

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()


def set_url(node: DemoNode) -> None:
    """Point the node's identity at the URL it is served on now (its peers send there)."""
    with _store(node) as factory, session_scope(factory) as session:
        row = exchange.require_node(session)
        row.url = node.url


def fingerprint(node: DemoNode) -> str:
    """Return the node's exchange key fingerprint (what its administrator reads out)."""
    return identity.current_key(node.settings).fingerprint


def peer(node: DemoNode, other: DemoNode) -> str:
    """Add `other` as a peer of `node` by key and fingerprint (again if its key changed).

    Returns "added", "re-added" (the other node was rebuilt: new key) or "known".
    """
    key = identity.current_key(other.settings)
    keys.use_node(node.settings)
    try:
        with _store(node) as factory, session_scope(factory) as session:
            row = session.scalar(
                select(Peer).where(
                    Peer.jurisdiction == other.jurisdiction, Peer.removed_at.is_(None)
                )
            )
            outcome = "added"
            if row is not None:
                if row.public_key == key.public_b64:
                    row.url = other.url
                    return "known"
                exchange.remove_peer(session, name=row.name, now=datetime.now(UTC), actor=ACTOR)
                outcome = "re-added"
            exchange.add_peer(
                session,
                name=other.jurisdiction,
                jurisdiction=other.jurisdiction,
                url=other.url,
                public_key=key.public_b64,
                fingerprint=key.fingerprint,
                actor=ACTOR,
            )
            return outcome
    finally:
        keys.use_node(None)


def refresh(node: DemoNode) -> int:
    """Bring the node's hit/no-hit set up to date; return how many keys it holds now."""
    from sqlalchemy import func

    from armsbridge.exchange.hit_models import HitKey

    keys.use_node(node.settings)
    try:
        with _store(node) as factory, session_scope(factory) as session:
            refresh_hitset(session, jurisdiction=node.jurisdiction, settings=node.settings)
            return int(session.scalar(select(func.count()).select_from(HitKey)) or 0)
    finally:
        keys.use_node(None)


ACCOUNTS = "demo-accounts.json"  # the demo's own credentials (0600), never a real node's


def demo_accounts(node: DemoNode, *, password: str | None) -> list[Any]:
    """Return the node's demo accounts: created (or reset) once per build, then read back.

    A rebuilt store or another ARMSBRIDGE_DEMO_PASSWORD resets them; a reused store prints the
    credentials written at its build (var dir, mode 0600), so a second run hashes nothing.
    """
    from armsbridge.web.demo import DemoAccount, ensure_demo_users

    path = Path(node.settings.var_dir) / ACCOUNTS
    if path.is_file():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("password") == (password or None):
            return [DemoAccount(**a) for a in saved["accounts"]]
    accounts = ensure_demo_users(
        node.settings, password=password, jurisdictions=(node.jurisdiction,)
    )
    body = {"password": password or None, "accounts": [asdict(a) for a in accounts]}
    path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return accounts
