"""Running the demo nodes: one `armsbridge serve` process per node, stopped together on Ctrl+C;
and what the demo prints (addresses, accounts, fingerprints, what to try)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from armsbridge.synth.demo_examples import Example
from armsbridge.synth.demo_nodes import DemoNode

STOP_SECONDS = 15


def launch(node: DemoNode, *, quiet: bool = False) -> subprocess.Popen[bytes]:
    """Start `armsbridge serve` for the node (delivery worker inside); its log in var/serve.log."""
    env = {**os.environ, **node.env()}
    out = None
    if quiet:
        out = (Path(node.settings.var_dir) / "serve.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "armsbridge.cli", "serve", "--port", str(node.port)],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if quiet else None,
    )


def stop_all(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Ask every server to stop (SIGINT, as Ctrl+C does), wait, then kill the ones left."""
    for proc in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_nodes(nodes: Sequence[DemoNode], console: Console, *, quiet: bool = False) -> int:
    """Serve every node until Ctrl+C (or until one stops); stop them all; return an exit code."""
    processes = [launch(node, quiet=quiet) for node in nodes]
    code = 0
    try:
        while True:
            ended = [(n, p) for n, p in zip(nodes, processes, strict=True) if p.poll() is not None]
            if ended:
                node, proc = ended[0]
                console.print(
                    f"[red]node {node.jurisdiction} stopped (exit {proc.returncode}): "
                    "stopping the other too[/red]"
                )
                code = proc.returncode or 1
                break
            time.sleep(0.3)
    except KeyboardInterrupt:
        console.print("stopping the demo nodes ...")
    finally:
        stop_all(processes)
    console.print("demo nodes stopped")
    return code


def env_prefix(node: DemoNode, user: str | None = None) -> str:
    """Return the `VAR=value ...` prefix that runs a CLI command as this node (and account)."""
    env = node.env()
    names = ("ARMSBRIDGE_VAR_DIR", "ARMSBRIDGE_JURISDICTION", "ARMSBRIDGE_DATABASE_URL")
    pairs = [(name, env[name]) for name in names]
    if user:
        pairs.append(("ARMSBRIDGE_USER", user))  # the account the command acts as
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in pairs)


def print_peering(
    nodes: Sequence[DemoNode], fingerprints: dict[str, str], console: Console
) -> None:
    """Print each node's fingerprint, as its administrator reads it out to the other service."""
    console.print("[bold]exchange identities[/bold] (each node has the other as a peer):")
    for node in nodes:
        console.print(
            f"  {node.jurisdiction}  {node.url}  fingerprint {fingerprints[node.jurisdiction]}"
        )


def print_try(xk: DemoNode, mk: DemoNode, examples: Sequence[Example], console: Console) -> None:
    """Print how to do a hit/no-hit and the request round trip, with values to try."""
    say = lambda text="": console.print(text, highlight=False, soft_wrap=True)  # noqa: E731
    as_xk, as_mk = env_prefix(xk, "xk-analyst"), env_prefix(mk, "mk-analyst")
    say()
    say("[bold]Try hit/no-hit[/bold]: Kosovo asks North Macedonia (the values are the world's):")
    for example in examples:
        held = "held by both services" if example.both else "held by MK only"
        say(f"  # {example.kind} {held}: a hit")
        say(f"  {as_xk} .venv/bin/{_hit('MK', example)}")
    say("  # a serial nobody holds: no hit")
    say(f"  {as_xk} .venv/bin/{_hit('MK', Example('serial', 'ZZ999999', False))}")
    only_mk = next((e for e in examples if not e.both), None)
    if only_mk is not None:
        say(f"  # the other way round, MK asks XK for the {only_mk.kind} only MK holds: no hit")
        say(f"  {as_mk} .venv/bin/{_hit('XK', only_mk)}")
    say(f"  In the browser: sign in on {xk.url} as xk-analyst, Exchange → Ask the other")
    say("  service; choose the kind (serial, plate, person), type a value above and why,")
    say("  then Ask: the answer is a hit (with a reference) or no hit.")
    say()
    say("[bold]Then the request round trip[/bold] (the details follow only an approved request):")
    say(f"  1. {xk.url}: Exchange → the hit → Request details (say why, pick the urgency)")
    say(f"  2. {mk.url}: sign in as mk-analyst, Exchange → Requests → approve it")
    say(f"  3. {xk.url}: Exchange → Requests → the received record, marked as MK's")
    say("     (provider, message, handling code, grades)")


def _hit(peer: str, example: Example) -> str:
    why = f"demo: {example.kind} check"
    return (
        f"armsbridge hit --peer {peer} --type {example.kind} {shlex.quote(example.value)} "
        f"--why {shlex.quote(why)}"
    )
