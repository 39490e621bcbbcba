"""What the server log says of a fault: its types and where it happened, never its values.

An exception's message and a traceback's locals can carry what the request held (names, SQL
parameters). The log names the exception classes of the chain and the frames (file, line,
function); the reference in the log and on the user's page ties the two together.
"""

from __future__ import annotations

import traceback
from pathlib import Path

MAX_FRAMES = 12
MAX_CHAIN = 4


def _where(exc: BaseException) -> str:
    """The innermost frame, then the frames of our own code (libraries' frames left out)."""
    frames = list(reversed(traceback.extract_tb(exc.__traceback__)))
    ours = [f for f in frames[1:] if "site-packages" not in f.filename]
    return " <- ".join(
        f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} in {f.name}"
        for f in (frames[:1] + ours)[:MAX_FRAMES]
    )


def describe(exc: BaseException) -> str:
    """Return the exception types of the chain, innermost frame first, without any message."""
    parts = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < MAX_CHAIN:
        parts.append(f"{type(seen).__module__}.{type(seen).__qualname__} at {_where(seen)}")
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return "; caused by ".join(parts)
