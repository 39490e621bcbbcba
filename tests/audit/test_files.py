"""Files and folders the node writes are the node user's only: 0600 files, 0700 folders."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from armsbridge.app import create_app
from armsbridge.audit import service
from armsbridge.audit.checkpoints import checkpoint_path
from armsbridge.db import keys
from armsbridge.db.registry import load_all_models
from armsbridge.db.session import make_sessionmaker, session_scope
from armsbridge.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_node_started_on_an_open_var_dir_closes_it(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    (var / "secret.key").write_text("k" * 48 + "\n")
    (var / "secret.key").chmod(0o644)
    store = var / "armsbridge.db"
    store.write_bytes(b"")
    store.chmod(0o644)
    (var / "attachments").mkdir()
    (var / "attachments").chmod(0o755)
    old_key = var / "keys" / keys.AUDIT_KEY
    old_key.parent.mkdir(mode=0o755)
    old_key.write_text("ab" * 32 + "\n")
    old_key.chmod(0o644)
    store.unlink()  # a fresh store is created by the app; its mode comes from the umask
    app = create_app(Settings(var_dir=var, database_url=f"sqlite:///{store}"))
    load_all_models().metadata.create_all(app.state.engine)
    with session_scope(make_sessionmaker(app.state.engine)) as session:
        service.log_event(session, actor="ana", action="login")
    assert _mode(var) == 0o700 and _mode(var / "attachments") == 0o700
    assert _mode(var / "secret.key") == 0o600 and _mode(old_key) == 0o600
    assert _mode(old_key.parent) == 0o700
    for name in ("armsbridge.db", "armsbridge.db-wal", "armsbridge.db-shm"):
        if (var / name).exists():
            assert _mode(var / name) == 0o600, name
    assert _mode(checkpoint_path(app.state.settings)) == 0o600
    assert _mode(checkpoint_path(app.state.settings).parent) == 0o700
    for name in (keys.SIGNING_KEY,):
        assert _mode(keys.keys_dir(app.state.settings) / name) == 0o600
    # Anything the node writes afterwards (attachments, quarantine files, exports) is private.
    written = var / "attachments" / "ab" / "file"
    written.parent.mkdir()
    written.write_bytes(b"x")
    assert _mode(written) == 0o600 and _mode(written.parent) == 0o700
    app.state.engine.dispose()


def test_key_files_are_created_private_and_kept(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", keys_dir=tmp_path / "elsewhere")
    os.umask(0o022)  # even a permissive umask does not open a key file
    try:
        first = keys.audit_key(settings)
    finally:
        keys.secure_process()
    path = tmp_path / "elsewhere" / keys.AUDIT_KEY
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    keys._cache.clear()
    assert keys.audit_key(settings) == first  # read back, not made again
