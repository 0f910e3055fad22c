"""Contracts, projects with budget lines, and a fiscal year copied from the previous one: the admin's reference data.

Reads are open to the bureau, the vendor and the auditor; every write is the admin's, checked field by field
in operations/reference (Chinese errors naming the field; bad input changes nothing) and audited.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from slatrack.api import limits, openapi
from slatrack.operations.reference import contracts as contract_ops
from slatrack.operations.reference import projects as project_ops
from slatrack.operations.reference.copying import copy_year
from slatrack.operations.reference.fields import CALENDARS, SOURCES
from slatrack.policy import READERS, allow

blp = Blueprint("reference", __name__, description="合同、预算项目与年度")

CODE = {"description": "编号：字母、数字、横线、点或下划线，最多 32 个字符"}


class TermSchema(Schema):
    response_minutes = limits.integer(1, 527040, required=True, metadata={"description": "响应时限（服务分钟）"})
    resolution_minutes = limits.integer(1, 527040, required=True, metadata={"description": "解决时限（服务分钟）"})


class TermsSchema(Schema):
    P1 = fields.Nested(TermSchema, required=True)
    P2 = fields.Nested(TermSchema, required=True)
    P3 = fields.Nested(TermSchema, required=True)
    P4 = fields.Nested(TermSchema, required=True)


class ContractInSchema(Schema):
    code = limits.text(32, min_length=1, required=True, metadata=CODE)
    name = limits.text(128, min_length=1, required=True)
    vendor = limits.text(128, min_length=1, required=True, metadata={"description": "乙方（服务单位）名称，用于报告"})
    start = limits.day(required=True, metadata={"description": "开始日期（含）"})
    end = limits.day(required=True, metadata={"description": "结束日期（含）"})
    amount = fields.Float(allow_none=True, metadata={"description": "合同金额（元）"})
    project = limits.text(32, allow_none=True, metadata={"description": "支付该合同的预算项目编号"})
    calendar = fields.String(
        required=True, validate=validate.OneOf(list(CALENDARS), error="服务日历应为 7x24 或 workdays")
    )
    terms = fields.Nested(TermsSchema, required=True, metadata={"description": "各优先级的响应与解决时限"})
    note = limits.text(2000)


class ContractPatchSchema(ContractInSchema):
    code = limits.text(32, min_length=1, metadata=CODE)


class ContractSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    vendor = fields.String(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    amount = fields.Float(required=True, allow_none=True)
    project = fields.String(required=True, allow_none=True)
    calendar = fields.String(required=True)
    terms = fields.Nested(TermsSchema, required=True)
    note = fields.String(required=True)


def _plain(max_length: int, **kwargs: Any) -> fields.String:
    """Text inside a list item: its length stated; control characters are refused by the input guard and the
    operation (a pattern here would make every generated list item a regular-expression draw)."""
    return fields.String(validate=validate.Length(max=max_length, error=f"长度不能超过 {max_length} 个字"), **kwargs)


class BudgetLineInSchema(Schema):
    code = _plain(32, required=True, metadata=CODE)
    name = _plain(128, required=True)
    amount = fields.Float(required=True, metadata={"description": "金额（元）"})
    source = fields.String(
        load_default="current",
        validate=validate.OneOf(list(SOURCES), error="资金来源应为 current、carryover 或 other"),
        metadata={"description": "current 本年财政拨款，carryover 上年结转，other 其他资金"},
    )
    contract = _plain(32, allow_none=True, metadata={"description": "该行支付的合同编号"})
    condition = _plain(2000, metadata={"description": "支付条件"})


class ProjectBudgetLineSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    amount = fields.Float(required=True)
    source = fields.String(required=True)
    contract = fields.String(required=True, allow_none=True)
    condition = fields.String(required=True)


class ProjectInSchema(Schema):
    code = limits.text(32, min_length=1, required=True, metadata=CODE)
    fiscal_year = limits.year(required=True)
    name = limits.text(128, min_length=1, required=True)
    department = limits.text(128, min_length=1, required=True, metadata={"description": "主管部门"})
    implementer = limits.text(128, min_length=1, required=True, metadata={"description": "实施单位"})
    budget_lines = fields.List(fields.Nested(BudgetLineInSchema), required=True, validate=validate.Length(max=20))
    overall_goal = limits.text(5000, metadata={"description": "年度总体目标"})


class ProjectPatchSchema(ProjectInSchema):
    code = limits.text(32, min_length=1, metadata=CODE)
    fiscal_year = limits.year()
    budget_lines = fields.List(fields.Nested(BudgetLineInSchema), validate=validate.Length(max=20))


class ProjectSchema(Schema):
    code = fields.String(required=True)
    fiscal_year = fields.Integer(required=True)
    name = fields.String(required=True)
    department = fields.String(required=True)
    implementer = fields.String(required=True)
    overall_goal = fields.String(required=True)
    budget_lines = fields.List(fields.Nested(ProjectBudgetLineSchema), required=True)
    total_amount = fields.Float(required=True)
    fiscal_allocation = fields.Float(required=True)
    indicators = fields.Integer(required=True, metadata={"description": "指标行数"})


class ProjectQuery(Schema):
    year = limits.year(load_default=None, metadata={"description": "只列出该年度的项目"})


class CopySchema(Schema):
    projects = fields.List(_plain(32), load_default=None, metadata={"description": "只复制这些项目"})


class ReferenceDeletedSchema(Schema):
    deleted = fields.String(required=True)


@blp.route("/contracts", methods=["GET"])
@allow(*READERS)
@blp.doc(responses=openapi.ok(ContractSchema(many=True)))
def list_contracts() -> Any:
    """合同列表（含各优先级服务时限）"""
    return [contract_ops.contract_json(c) for c in contract_ops.list_contracts()]


@blp.route("/contracts", methods=["POST"])
@allow("admin")
@blp.arguments(ContractInSchema)
@blp.doc(responses=openapi.ok(ContractSchema, 201, "已创建"))
def create_contract(body: dict[str, Any]) -> Any:
    """新建合同（期限不得与其他合同重叠）"""
    return contract_ops.contract_json(contract_ops.create_contract(body)), 201


@blp.route("/contracts/<string:code>", methods=["GET"])
@allow(*READERS)
@blp.doc(responses=openapi.ok(ContractSchema))
def get_contract(code: str) -> Any:
    """合同详情"""
    return contract_ops.contract_json(contract_ops.get_contract(code))


@blp.route("/contracts/<string:code>", methods=["PATCH"])
@allow("admin")
@blp.arguments(ContractPatchSchema(partial=True))
@blp.doc(responses=openapi.ok(ContractSchema))
def patch_contract(body: dict[str, Any], code: str) -> Any:
    """修改合同（编号不能修改）"""
    return contract_ops.contract_json(contract_ops.update_contract(contract_ops.get_contract(code), body))


@blp.route("/contracts/<string:code>", methods=["DELETE"])
@allow("admin")
@blp.doc(responses=openapi.ok(ReferenceDeletedSchema))
def delete_contract(code: str) -> Any:
    """删除合同（已有工单或预算行的合同不能删除）"""
    contract_ops.delete_contract(contract_ops.get_contract(code))
    return {"deleted": code}


@blp.route("/projects", methods=["GET"])
@allow(*READERS)
@blp.arguments(ProjectQuery, location="query")
@blp.doc(responses=openapi.ok(ProjectSchema(many=True)))
def list_projects(query: dict[str, Any]) -> Any:
    """预算项目列表（含预算行）"""
    return [project_ops.project_json(p) for p in project_ops.list_projects(query["year"])]


@blp.route("/projects", methods=["POST"])
@allow("admin")
@blp.arguments(ProjectInSchema)
@blp.doc(responses=openapi.ok(ProjectSchema, 201, "已创建"))
def create_project(body: dict[str, Any]) -> Any:
    """新建预算项目及其预算行"""
    return project_ops.project_json(project_ops.create_project(body)), 201


@blp.route("/projects/<string:code>", methods=["GET"])
@allow(*READERS)
@blp.doc(responses=openapi.ok(ProjectSchema))
def get_project(code: str) -> Any:
    """预算项目详情"""
    return project_ops.project_json(project_ops.get_project(code))


@blp.route("/projects/<string:code>", methods=["PATCH"])
@allow("admin")
@blp.arguments(ProjectPatchSchema(partial=True))
@blp.doc(responses=openapi.ok(ProjectSchema))
def patch_project(body: dict[str, Any], code: str) -> Any:
    """修改预算项目（budget_lines 为完整列表：按编号匹配，已有支付的行不能删除）"""
    return project_ops.project_json(project_ops.update_project(project_ops.get_project(code), body))


@blp.route("/projects/<string:code>", methods=["DELETE"])
@allow("admin")
@blp.doc(responses=openapi.ok(ReferenceDeletedSchema))
def delete_project(code: str) -> Any:
    """删除预算项目（已有支付、指标记录或合同的项目不能删除）"""
    project_ops.delete_project(project_ops.get_project(code))
    return {"deleted": code}


@blp.route("/fiscal-years/<int:year>/copy-from/<int:previous>", methods=["POST"])
@allow("admin")
@blp.arguments(CopySchema)
@blp.doc(responses=openapi.ok(ProjectSchema(many=True), 201, "已复制"))
def copy_fiscal_year(body: dict[str, Any], year: int, previous: int) -> Any:
    """把上一年度的项目、预算行和指标复制到新年度（新编号，供修改金额和指标值；来源年度不变）"""
    return [project_ops.project_json(p) for p in copy_year(year, previous, body["projects"])], 201
