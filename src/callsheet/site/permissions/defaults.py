"""The roles a new site has, with ShotGrid's default rules (reference/data-model.md §6).

People: Admin (everything), Manager (like Admin, but not people's roles, scripts or the Admin
menu), Artist (assigned projects only; creates Notes, Versions, TimeLogs, Tickets, publishes;
edits the status of Tasks assigned to them and what they created), Vendor (assigned projects
only; sees only Tasks assigned to them or their Groups, the Shots and Assets of those Tasks, Notes
addressed to them or written by them, Versions they created) and Client (read only). Scripts:
API Admin (everything) and API Read Only. The data is the same form `callsheet permissions
export` writes, so this file doubles as an example of it.
"""

from __future__ import annotations

from typing import Any

from callsheet.site.permissions.rules import RoleRules

CREATED_BY_ME = {"when": [["created_by", "is", "$me"]]}
ASSIGNED_TO_ME = [
    {
        "filter_operator": "any",
        "filters": [
            ["task_assignees", "is", "$me"],
            ["task_assignees.Group.users", "is", "$me"],
        ],
    }
]
HAS_TASK_ASSIGNED_TO_ME = [
    {
        "filter_operator": "any",
        "filters": [
            ["tasks.Task.task_assignees", "is", "$me"],
            ["tasks.Task.task_assignees.Group.users", "is", "$me"],
        ],
    }
]
ADDRESSED_TO_ME_OR_MINE = [
    {
        "filter_operator": "any",
        "filters": [
            ["created_by", "is", "$me"],
            ["addressings_to", "is", "$me"],
            ["addressings_cc", "is", "$me"],
            ["addressings_to.Group.users", "is", "$me"],
            ["addressings_cc.Group.users", "is", "$me"],
        ],
    }
]
ATTACHED_FOR_ME = [
    {
        "filter_operator": "any",
        "filters": [
            ["created_by", "is", "$me"],
            ["attachment_links.Note.created_by", "is", "$me"],
            ["attachment_links.Note.addressings_to", "is", "$me"],
            ["attachment_links.Note.addressings_cc", "is", "$me"],
        ],
    }
]
# Action Menu Items limited to permission groups show only to those groups (data-model.md §5.1).
FOR_MY_ROLE = {
    "when": [
        {
            "filter_operator": "any",
            "filters": [
                ["permissions_groups", "is", None],
                ["permissions_groups", "is", "$my_role"],
            ],
        }
    ]
}
OWN_RECORD = {
    "when": [["id", "is", "$my_id"]],
    "fields": [
        "firstname",
        "lastname",
        "name",
        "email",
        "image",
        "password_proxy",
        "language",
        "ui_theme",
        "home_page",
        "custom_home_page",
    ],
}
READ_ONLY = {"see": True, "create": False, "update": False, "retire": False}
NOTHING = {"see": False, "create": False, "update": False, "retire": False}
OWN_WORK = {"create": True, "update": CREATED_BY_ME, "retire": CREATED_BY_ME}

ADMIN: dict[str, Any] = {
    "code": "admin",
    "for": "people",
    "admin": True,
    "may_sudo": True,
    "entities": {"*": True},
}

MANAGER: dict[str, Any] = {
    "code": "manager",
    "for": "people",
    "entities": {
        "*": True,
        "ApiUser": READ_ONLY,
        "HumanUser": {"create": False, "retire": False},
        "ActionMenuItem": {"see": FOR_MY_ROLE, "create": False, "update": False, "retire": False},
        "EventLogEntry": {"create": False},
    },
    "fields": {
        "HumanUser.permission_rule_set": {"see": True, "edit": False},
        "HumanUser.login": {"see": True, "edit": False},
        "HumanUser.password_proxy": {"see": True, "edit": False},
        "HumanUser.sg_status_list": {"see": True, "edit": False},
    },
}

ARTIST: dict[str, Any] = {
    "code": "artist",
    "for": "people",
    "see_assigned_projects_only": True,
    "entities": {
        "*": READ_ONLY,
        "ApiUser": NOTHING,
        "ActionMenuItem": {"see": FOR_MY_ROLE},
        "HumanUser": {"update": OWN_RECORD},
        "Task": {"update": {"when": ASSIGNED_TO_ME, "fields": ["sg_status_list"]}},
        "Note": OWN_WORK,
        "Reply": {
            "create": True,
            "update": {"when": [["user", "is", "$me"]]},
            "retire": {"when": [["user", "is", "$me"]]},
        },
        "Attachment": OWN_WORK,
        "Version": OWN_WORK,
        "TimeLog": OWN_WORK,
        "Ticket": OWN_WORK,
        "PublishedFile": {"create": True, "update": CREATED_BY_ME},
        "PublishedFileDependency": {"create": True},
    },
}

VENDOR: dict[str, Any] = {
    "code": "vendor",
    "for": "people",
    "see_assigned_projects_only": True,
    "may_see_event_log": False,
    "entities": {
        "*": NOTHING,
        **{
            name: READ_ONLY
            for name in (
                "Project",
                "Group",
                "Step",
                "Status",
                "Tag",
                "Department",
                "PermissionRuleSet",
                "PublishedFileType",
                "LocalStorage",
            )
        },
        "HumanUser": {**READ_ONLY, "update": OWN_RECORD},
        "ActionMenuItem": {**NOTHING, "see": FOR_MY_ROLE},
        "Task": {
            **NOTHING,
            "see": {"when": ASSIGNED_TO_ME},
            "update": {"when": ASSIGNED_TO_ME, "fields": ["sg_status_list"]},
        },
        "Shot": {**NOTHING, "see": {"when": HAS_TASK_ASSIGNED_TO_ME}},
        "Asset": {**NOTHING, "see": {"when": HAS_TASK_ASSIGNED_TO_ME}},
        "Note": {"see": {"when": ADDRESSED_TO_ME_OR_MINE}, **OWN_WORK},
        # Replies and connection rows show with the entities they belong to (see scope.py).
        "Reply": {"see": True, "create": True, "update": {"when": [["user", "is", "$me"]]}},
        "Version": {"see": CREATED_BY_ME, **OWN_WORK},
        "Attachment": {"see": {"when": ATTACHED_FOR_ME}, **OWN_WORK},
        "TimeLog": {"see": {"when": [["user", "is", "$me"]]}, **OWN_WORK},
        "PublishedFile": {"see": CREATED_BY_ME, "create": True, "update": CREATED_BY_ME},
    },
}

CLIENT: dict[str, Any] = {
    "code": "client",
    "for": "people",
    "see_assigned_projects_only": True,
    "may_see_event_log": False,
    "entities": {
        "*": READ_ONLY,
        "ApiUser": NOTHING,
        "TimeLog": NOTHING,
        "ActionMenuItem": {**NOTHING, "see": FOR_MY_ROLE},
    },
}

API_ADMIN: dict[str, Any] = {
    "code": "api_admin",
    "for": "scripts",
    "admin": True,
    "may_sudo": True,
    "entities": {"*": True},
}

API_READ_ONLY: dict[str, Any] = {
    "code": "api_read_only",
    "for": "scripts",
    "entities": {"*": READ_ONLY, "ActionMenuItem": {**READ_ONLY, "see": FOR_MY_ROLE}},
}

DEFAULT_ROLES: dict[str, dict[str, Any]] = {
    "Admin": ADMIN,
    "Manager": MANAGER,
    "Artist": ARTIST,
    "Vendor": VENDOR,
    "Client": CLIENT,
    "API Admin": API_ADMIN,
    "API Read Only": API_READ_ONLY,
}
DEFAULT_BY_CODE = {data["code"]: (name, data) for name, data in DEFAULT_ROLES.items()}
# A person without a role is an Artist, a script without one an API Admin (ShotGrid's defaults
# for new accounts).
DEFAULT_ROLE_CODE = {"HumanUser": "artist", "ApiUser": "api_admin"}


def default_rules(code: str | None, name: str | None = None) -> RoleRules | None:
    """The built-in rules of a default role's code, named `name` (None for other codes)."""
    if code not in DEFAULT_BY_CODE:
        return None
    default_name, data = DEFAULT_BY_CODE[code]
    return RoleRules.from_data(name or default_name, data)


def no_access(name: str, code: str, actor_type: str) -> RoleRules:
    """A role with no stored rules and no defaults: it may do nothing."""
    return RoleRules(
        name=name,
        code=code,
        actor_type=actor_type,
        may_see_event_log=False,
        entities=RoleRules.from_data(name, {"entities": {"*": False}}).entities,
    )
