"""Core framework figures (issue: core framework), each against a raw baseline of the same run:

- start-up of the app with all installed plugins (target < 1.5 s), beside a bare Flask app;
- per-request cost of plugin gating + token auth + tenancy scoping: the API's project list
  against a plain Flask route doing the same query and serialisation (target < 1 ms added);
- a per-company hook call against calling the same functions directly (target < 3×).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import types

from bench import fresh_schema

STARTUP = "import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"


def _startup(body: str, env: dict, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", STARTUP.format(body=body)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def startup(env) -> None:
    app = _startup("from core.app import create_app; create_app()", env)
    bare = _startup("import flask; flask.Flask('bare')", env)
    print(
        f"start-up, all plugins:        {app * 1000:8.1f} ms  (bare Flask {bare * 1000:.1f} ms;"
        f" target < 1500 ms) {'OK' if app < 1.5 else 'MISSED'}"
    )


def _seed(app):
    from core.auth.services import create_token
    from core.extensions import db
    from core.services import companies as svc

    with app.app_context():
        fresh_schema(db)
        group = svc.get_or_create_group("Bench")
        company = svc.create_company(group, "BN", "Bench Co", "BN")
        other = svc.create_company(group, "OT", "Other Co", "OT")
        user = svc.create_user("bench@example.com", "bench-pass-1")
        svc.add_member(user, company, ["company_admin"])
        for c in (company, other):
            for i in range(100):
                svc.create_project(
                    c, {"name": f"P{i}", "type": "residential", "region_code": c.region_code}
                )
        return company.id, create_token(user, company, "bench")


# The token lookup of the baseline: the same question the API's token check asks.
TOKEN_CHECK = None


def requests(app, n: int) -> None:
    from flask import Flask, jsonify
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.orm import Session

    from core.models import Project
    from core.services.companies import ProjectSchema

    global TOKEN_CHECK
    from sqlalchemy import bindparam

    from core.models import ApiToken

    TOKEN_CHECK = select(ApiToken.id).where(
        ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None)
    )
    company_id, token = _seed(app)
    # The raw baseline: a bare Flask app on its own engine, no plugins, auth or scoping.
    bare = Flask("plain")
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    @bare.get("/bench/plain")
    def plain():
        # The same page as /api/v1/projects, with the filter written by hand.
        query = select(Project).where(Project.company_id == company_id).order_by(Project.id)
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.scalars(query.limit(50)).all()
            body = {
                "items": ProjectSchema().dump(rows, many=True),
                "page": 1,
                "per_page": 50,
                "total": total,
            }
        return jsonify(body)

    @bare.get("/bench/authenticated")
    def authenticated():
        # The same, after the same token check as the API's (one query on its own session).
        from flask import request

        from core.auth.services import token_digest

        with Session(engine) as session:
            if session.scalar(TOKEN_CHECK, {"digest": token_digest(request.headers["X-Token"])}):
                return plain()
        return "", 401

    client, bare_client = app.test_client(), bare.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    gated = client.get("/api/v1/projects", headers=headers)
    assert gated.status_code == 200 and gated.json["total"] == 100, gated.text
    assert bare_client.get("/bench/plain").json == gated.json
    assert bare_client.get("/bench/authenticated", headers={"X-Token": token}).json == gated.json

    def per_request(c, url, **kw):
        for _ in range(20):
            c.get(url, **kw)
        start = time.perf_counter()
        for _ in range(n):
            c.get(url, **kw)
        return (time.perf_counter() - start) / n

    base = min(per_request(bare_client, "/bench/plain") for _ in range(3))
    auth = min(
        per_request(bare_client, "/bench/authenticated", headers={"X-Token": token})
        for _ in range(3)
    )
    full = min(per_request(client, "/api/v1/projects", headers=headers) for _ in range(3))
    added = (full - auth) * 1000
    print(f"request, plain Flask route:   {base * 1000:8.3f} ms")
    print(f"  same, with a token check:   {auth * 1000:8.3f} ms")
    print(
        f"request, gated+scoped API:    {full * 1000:8.3f} ms  (gating and scoping "
        f"+{added:.3f} ms over the token-checked route, ratio {full / auth:.2f}; "
        f"target < 1 ms added) {'OK' if added < 1 else 'MISSED'}"
    )


def hooks(app) -> None:
    from core.hookspecs import hookimpl
    from core.models import Company
    from core.plugins import Manifest, state

    functions, modules = [], []
    for i in range(5):
        module = types.ModuleType(f"bench_{i}")
        module.manifest = Manifest(name=f"bench_{i}", version="1", label=f"Bench {i}")

        def react(project, _seen=[]):  # noqa: B006 - a cheap, realistic side effect
            _seen.append(project)
            del _seen[:]

        module.erp_project_created = hookimpl(react)
        functions.append(react)
        modules.append(module)
    from core.app import create_app

    bench_app = create_app(
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}, plugin_modules=modules
    )
    with bench_app.app_context():
        from core.extensions import db

        company = db.session.get(Company, 1)
        for module in modules:
            state.enable(company, module.manifest.name)
        project = object()
        n = 200_000
        hook = (
            timeit.timeit(
                lambda: state.hooks(company).erp_project_created(project=project), number=n
            )
            / n
        )
        direct = timeit.timeit(lambda: [f(project=project) for f in functions], number=n) / n
    ratio = hook / direct
    print(
        f"hook call, 5 plugins:         {hook * 1e6:8.2f} µs  (direct calls "
        f"{direct * 1e6:.2f} µs, ratio {ratio:.2f}; target < 3) "
        f"{'OK' if ratio < 3 else 'MISSED'}"
    )


def run(database_url: str | None, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ERP_INSTANCE_PATH": tmp}
        os.environ["ERP_INSTANCE_PATH"] = tmp
        url = database_url or f"sqlite:///{tmp}/bench.sqlite"
        print("== core framework ==")
        startup(env)
        from core.app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        requests(app, n)
        hooks(app)
