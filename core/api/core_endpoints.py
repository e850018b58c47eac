"""The core's own endpoints: who am I, and the company's projects."""

from flask import Blueprint, g
from sqlalchemy import select

from core.api import get_or_404, load_json, paginate, require_permission
from core.extensions import db
from core.models import Project
from core.permissions import current_permissions
from core.services.companies import ProjectSchema, create_project, update_project

bp = Blueprint("core", __name__)


@bp.get("/me")
def me():
    user, company = g.erp_user, g.erp_company
    return {
        "email": user.email,
        "name": user.name,
        "company": {"code": company.code, "name": company.name},
        "permissions": sorted(current_permissions()),
    }


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


def register_openapi(spec):
    spec.components.schema("Project", schema=ProjectSchema)
    ref = {"$ref": "#/components/schemas/Project"}
    one = {"content": {"application/json": {"schema": ref}}}
    page = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}
    spec.path(
        path="/me",
        operations={
            "get": {
                "summary": "The token's user and company",
                "responses": {"200": {"description": "OK"}},
            }
        },
    )
    spec.path(
        path="/projects",
        operations={
            "get": {"summary": "List projects", "responses": {"200": page}},
            "post": {
                "summary": "Create a project",
                "requestBody": one,
                "responses": {"201": one, "422": {"$ref": "#/components/responses/Invalid"}},
            },
        },
    )
    spec.path(
        path="/projects/{project_id}",
        operations={
            "get": {"summary": "Read a project", "responses": {"200": one}},
            "patch": {
                "summary": "Change a project",
                "requestBody": one,
                "responses": {"200": one, "422": {"$ref": "#/components/responses/Invalid"}},
            },
            "delete": {
                "summary": "Delete a project",
                "responses": {"204": {"description": "gone"}},
            },
        },
    )
