"""Run every benchmark and print its figures: ``python -m bench [--database-url URL]``."""

import argparse

from bench import (
    core_framework,
    core_services,
    cs_dunning,
    sales_board,
    sales_followups,
    sales_orders,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    core_framework.run(args.database_url, args.requests)
    core_services.run(args.database_url)
    sales_board.run(args.database_url)
    sales_followups.run(args.database_url)
    sales_orders.run(args.database_url)
    cs_dunning.run(args.database_url)


if __name__ == "__main__":
    main()
