"""Copy the browser libraries installed by `npm ci` into the (git-ignored) static/vendor folder.

Run as `python -m armsbridge.web.vendor` after `npm ci`; `make setup` does both. Nothing
third-party is committed: the list below names which built files of each package are served.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"

# npm package -> files (relative to the package folder) served under /static/vendor/<package>/.
FILES: dict[str, tuple[str, ...]] = {
    "htmx.org": ("dist/htmx.min.js", "LICENSE"),
    "cytoscape": ("dist/cytoscape.min.js", "LICENSE"),
    "leaflet": ("dist/leaflet.js", "dist/leaflet.css", "dist/images", "LICENSE"),
    "chart.js": ("dist/chart.umd.min.js", "LICENSE.md"),
}


def find_node_modules(start: Path | None = None) -> Path | None:
    """Return the nearest node_modules folder above `start` (default: this file), or None."""
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        candidate = folder / "node_modules"
        if candidate.is_dir():
            return candidate
    return None


def copy_vendor(node_modules: Path, target: Path = VENDOR) -> list[Path]:
    """Copy the served files of every package into `target`; return the copied paths."""
    copied: list[Path] = []
    missing: list[str] = []
    for package, files in FILES.items():
        for rel in files:
            src = node_modules / package / rel
            dest = target / package / Path(rel).name
            if not src.exists():
                missing.append(f"{package}/{rel}")
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dest, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dest)
            copied.append(dest)
    if missing:
        raise SystemExit(
            "missing in node_modules (run `npm ci` at the repository root): " + ", ".join(missing)
        )
    return copied


def main() -> None:
    """Entry point: find node_modules, copy the files, say what was done."""
    modules = find_node_modules()
    if modules is None:
        sys.exit("no node_modules folder found: run `npm ci` at the repository root first")
    copied = copy_vendor(modules)
    print(f"copied {len(copied)} vendor files into {VENDOR}")


if __name__ == "__main__":
    main()
