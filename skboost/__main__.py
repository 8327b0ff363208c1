"""Command line: ``python -m skboost demo``."""
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "demo":
        print("usage: python -m skboost demo [--rows N]")
        return 2
    from ._demo import run_demo
    rows = 200_000
    if "--rows" in argv:
        rows = int(argv[argv.index("--rows") + 1])
    run_demo(synthetic_rows=rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
