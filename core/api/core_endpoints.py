"""The core's own endpoints: who am I, the company's projects, and API tokens."""

from flask import Blueprint, g
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.api import get_or_404, load_json, paginate, require_permission
from core.api.openapi import PAGE_PARAMETERS, json_content, page_of, path_id, ref, responses
from core.auth.services import create_token
from core.extensions import db
from core.models import Project
from core.permissions import current_permissions
from core.services.companies import ProjectSchema, create_project, update_project

bp = Blueprint("core", __name__)


class MeSchema(Schema):
    email = fields.String()
    name = fields.String()
    company = fields.Dict(keys=fields.String(), values=fields.String())
    permissions = fields.List(fields.String())


class TokenSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    prefix = fields.String(dump_only=True)
    token = fields.String(dump_only=True, metadata={"description": "Shown once, never again"})


@bp.get("/me")
def me():
    user, company = g.erp_user, g.erp_company
    return MeSchema().dump(
        {
            "email": user.email,
            "name": user.name,
            "company": {"code": company.code, "name": company.name},
            "permissions": sorted(current_permissions()),
        }
    )


@bp.get("/projects")
@require_permission("core.projects.view")
def list_projects():
    return paginate(select(Project).order_by(Project.id), ProjectSchema())


@bp.post("/projects")
@require_permission("core.projects.edit")
def post_project():
    project = create_project(g.erp_company, load_json(ProjectSchema()))
    return ProjectSchema().dump(project), 201


@bp.get("/projects/<int:project_id>")
@require_permission("core.projects.view")
def get_project(project_id):
    return ProjectSchema().dump(get_or_404(Project, project_id))


@bp.patch("/projects/<int:project_id>")
@require_permission("core.projects.edit")
def patch_project(project_id):
    project = get_or_404(Project, project_id)
    update_project(project, load_json(ProjectSchema(), partial=True))
    return ProjectSchema().dump(project)


@bp.delete("/projects/<int:project_id>")
@require_permission("core.projects.edit")
def delete_project(project_id):
    db.session.delete(get_or_404(Project, project_id))
    db.session.commit()
    return "", 204


@bp.post("/tokens")
@require_permission("core.api.tokens")
def post_token():
    data = load_json(TokenSchema())
    token = create_token(g.erp_user, g.erp_company, data["name"])
    return TokenSchema().dump({"name": data["name"], "prefix": token[:12], "token": token}), 201


def register_openapi(spec):
    spec.components.schema("Me", schema=MeSchema)
    spec.components.schema("Project", schema=ProjectSchema)
    spec.components.schema("Token", schema=TokenSchema)
    project = json_content(ref("Project"))
    body = {"required": True, "content": {"application/json": {"schema": ref("Project")}}}
    spec.path(
        path="/me",
        operations={
            "get": {
                "summary": "The token's user and company, and the user's permissions there",
                "responses": responses(json_content(ref("Me"))),
            }
        },
    )
    spec.path(
        path="/projects",
        operations={
            "get": {
                "summary": "List the company's projects",
                "parameters": PAGE_PARAMETERS,
                "responses": responses(json_content(page_of("Project")), "403", "422"),
            },
            "post": {
                "summary": "Create a project",
                "requestBody": body,
                "responses": responses(project, "403", "422", ok_code="201"),
            },
        },
    )
    spec.path(
        path="/projects/{project_id}",
        parameters=path_id("project_id"),
        operations={
            "get": {
                "summary": "Read a project",
                "responses": responses(project, "403", "404"),
            },
            "patch": {
                "summary": "Change some fields of a project",
                "requestBody": body,
                "responses": responses(project, "403", "404", "422"),
            },
            "delete": {
                "summary": "Delete a project",
                "responses": responses({"description": "Deleted"}, "403", "404", ok_code="204"),
            },
        },
    )
    spec.path(
        path="/tokens",
        operations={
            "post": {
                "summary": "Create an API token for yourself in the token's company",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("Token")}},
                },
                "responses": responses(json_content(ref("Token")), "403", "422", ok_code="201"),
            }
        },
    )
