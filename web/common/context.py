"""What every page's layout needs: which areas the user may enter and the menu of the area on screen."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from enterprises.roles import STAFF_READERS, Role, has_role

from . import menu

BACKER_PATHS = ("/my/pledges/", "/campaigns/", "/contests/")  # the backers' pages and the public ones they pledge from


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(("/api/", "/admin/")):
        return {}
    area = (menu.BACKER if request.path.startswith(BACKER_PATHS)
            else menu.PORTAL if request.path.startswith("/my/") else menu.BANK if request.path.startswith("/bank/")
            else menu.JUDGE if request.path.startswith("/judge/")
            else menu.EVALUATOR if request.path.startswith("/evaluator/")
            else menu.INVESTOR if request.path.startswith("/investor/") else menu.CONSOLE)
    staff = has_role(user, *STAFF_READERS)
    member = has_role(user, Role.ENTERPRISE_MEMBER)
    banker = has_role(user, Role.BANK_OFFICER)
    judge = has_role(user, Role.JUDGE)
    backer = has_role(user, Role.BACKER)
    evaluator = has_role(user, Role.EVALUATOR)
    investor = has_role(user, Role.INVESTOR)
    entitled = {menu.CONSOLE: staff, menu.PORTAL: member, menu.BANK: banker, menu.JUDGE: judge,
                menu.BACKER: backer, menu.EVALUATOR: evaluator, menu.INVESTOR: investor}[area]
    return {
        "area": area,
        "is_staff_reader": staff,
        "is_member": member,
        "is_bank_officer": banker,
        "is_judge": judge,
        "is_backer": backer,
        "is_evaluator": evaluator,
        "is_investor": investor,
        "menu": menu.visible(user, area) if entitled else [],
    }
