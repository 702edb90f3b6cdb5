"""Run every side-by-side benchmark: ``python -m benchmarks.run`` (what ``make bench`` does).

- :mod:`benchmarks.render_vs_sharp`: the renderer against sharp on the same inputs;
- :mod:`benchmarks.batch_throughput`: local process pool against Celery with 1 and 2 workers.
"""

from __future__ import annotations

import subprocess
import sys


def main() -> int:
    code = 0
    for module in ("benchmarks.render_vs_sharp", "benchmarks.batch_throughput"):
        print(f"\n== {module}", flush=True)
        code |= subprocess.run([sys.executable, "-m", module], check=False).returncode
    return code


if __name__ == "__main__":
    sys.exit(main())
