"""Import tests share `import_helpers` (writers of exports in any encoding, store counts)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
