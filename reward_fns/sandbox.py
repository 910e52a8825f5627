"""Run the symbolic step of grading in a child process that can be killed.

math-verify's own timeouts use ``signal.alarm``: they raise off the main thread, and veRL's reward loop
scores in executor threads inside Ray workers. A thread cannot be interrupted while sympy grinds through
``9^{9^{9^{9}}}``, but a process can. Each calling process keeps a small pool of long-lived children (so the
sympy import is paid once); a child that overruns its deadline is killed and replaced on next use.

Run as ``python -m reward_fns.sandbox`` it is the child: one JSON request per stdin line, one JSON verdict
per stdout line.
"""

import json
import logging
import os
import queue
import select
import subprocess
import sys
import threading

from reward_fns.grade import GradingPolicy
from reward_fns.symbolic import symbolic_equal

DEFAULT_TIMEOUT_SECONDS = float(os.environ.get("REWARD_FNS_TIMEOUT", "5"))
# A child's start (Python, sympy, math-verify, a first comparison) is not part of any answer's deadline: on a
# loaded node it can take longer than the deadline itself, which would grade the first right answer wrong.
STARTUP_TIMEOUT_SECONDS = 120.0
_READY = b"ready\n"
# Children per calling process. veRL already parallelises across its reward workers (one process each),
# so one child each is enough by default; raise it when a single process scores from many threads.
POOL_SIZE = int(os.environ.get("REWARD_FNS_SANDBOXES", "1"))
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Child:
    """One grading child process, restarted lazily after a timeout or crash."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        """A child that has imported everything and answered once; raises if it cannot get there."""
        env = dict(os.environ)
        # The child must import reward_fns even when the parent loaded it by file path (veRL's
        # custom_reward_function.path), so put this package's parent folder first on its path.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, env.get("PYTHONPATH")]))
        process = subprocess.Popen(
            [sys.executable, "-m", "reward_fns.sandbox"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        readable, _, _ = select.select([process.stdout], [], [], STARTUP_TIMEOUT_SECONDS)
        if not readable or process.stdout.readline() != _READY:
            process.kill()
            process.wait()
            raise RuntimeError(
                f"reward_fns.sandbox: a grading child ({sys.executable} -m reward_fns.sandbox) did not start "
                f"within {STARTUP_TIMEOUT_SECONDS:.0f} s; run that command to see its error"
            )
        return process

    def check(self, gold: str, pred: str, policy: GradingPolicy, timeout: float) -> bool | None:
        """The verdict, or None when the child did not answer within ``timeout`` seconds."""
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        request = json.dumps([gold, pred, policy.significant_figures]) + "\n"
        try:
            self._process.stdin.write(request.encode())
            self._process.stdin.flush()
            readable, _, _ = select.select([self._process.stdout], [], [], timeout)
            line = self._process.stdout.readline() if readable else b""
        except (BrokenPipeError, OSError):
            line = b""
        if not line:
            self.close()
            return None
        return bool(json.loads(line))

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


class SandboxPool:
    """Thread-safe: each call borrows an idle child (or waits for one)."""

    def __init__(self, size: int = POOL_SIZE, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._idle: queue.LifoQueue[_Child] = queue.LifoQueue()
        for _ in range(max(1, size)):
            self._idle.put(_Child())

    def symbolic_equal(self, gold: str, pred: str, policy: GradingPolicy) -> bool:
        """:func:`reward_fns.symbolic.symbolic_equal` under a deadline; False when it runs out."""
        child = self._idle.get()
        try:
            return bool(child.check(gold, pred, policy, self.timeout))
        finally:
            self._idle.put(child)


_POOL: SandboxPool | None = None
_POOL_LOCK = threading.Lock()


def shared_pool() -> SandboxPool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = SandboxPool()
        return _POOL


def _serve() -> None:
    logging.getLogger("math_verify").setLevel(logging.ERROR)  # it warns that we disabled its timeouts
    sys.setrecursionlimit(10_000)
    symbolic_equal("x^2 - 1", "(x - 1)(x + 1)", GradingPolicy())  # imports sympy's and math-verify's lazy parts
    sys.stdout.buffer.write(_READY)
    sys.stdout.flush()
    for line in sys.stdin:
        gold, pred, significant_figures = json.loads(line)
        try:
            verdict = symbolic_equal(gold, pred, GradingPolicy(significant_figures=significant_figures))
        except Exception:  # noqa: BLE001 - any failure to parse or compare is a wrong answer, never a crash
            verdict = False
        sys.stdout.write(json.dumps(verdict) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
