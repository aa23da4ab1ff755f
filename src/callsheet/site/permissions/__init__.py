"""Permissions: the roles of people and scripts, and what each may see and do.

- `rules.py`: the rules a role holds, as data (entity, field, project and conditional rules);
- `defaults.py`: the roles a new site has (Admin, Manager, Artist, Vendor, Client; API Admin,
  API Read Only);
- `book.py`: where rules are stored, and the per-site cache of each actor's permissions;
- `access.py`: `ActorPermissions`, the answers (`may`, `field_visible`, ...) and the checks every
  read and write makes;
- `scope.py`: the rows an actor may see, as SQL the store adds to every read;
- `exchange.py`: export, import, copy and set roles (admins only; never through the API).

`Site.permissions_for(actor)` is the entry point.
"""

from callsheet.site.permissions.access import SECRET_FIELDS, ActorPermissions
from callsheet.site.permissions.book import RuleBook
from callsheet.site.permissions.exchange import (
    check_role_rules,
    copy_role,
    export_rules,
    import_rules,
    roles,
    set_role_rules,
)
from callsheet.site.permissions.rules import EntityRules, FieldRules, RoleRules, RuleCondition

__all__ = [
    "SECRET_FIELDS",
    "ActorPermissions",
    "EntityRules",
    "FieldRules",
    "RoleRules",
    "RuleBook",
    "RuleCondition",
    "check_role_rules",
    "copy_role",
    "export_rules",
    "import_rules",
    "roles",
    "set_role_rules",
]
