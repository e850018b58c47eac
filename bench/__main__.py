"""Run every benchmark and print its figures: ``python -m bench [--database-url URL]``."""

import argparse

from bench import core_framework


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    core_framework.run(args.database_url, args.requests)


if __name__ == "__main__":
    main()
