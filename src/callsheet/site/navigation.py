"""The navigation hierarchy of `nav_expand`, `nav_search_string` and `nav_search_entity`.

tk-framework-shotgunutils' hierarchy models (the loader's and the panel's trees) walk it. A node
is what those models read (shotgun_model/shotgun_hierarchy_item.py, data_handler_nav.py):
`label`, `path`, `parent_path`, `has_children`, `ref` = {`kind`, `value`} with kind "entity" (a
record), "entity_type" (a container of one type), "list" (a group by a list field's value) or
"no_entity" (records with no value to group by), and, on the node expanded, `children`. Search
results carry `incremental_path` (the paths from the root down to the record), `label`,
`path_label` and `project_id`, as the models' `_resolve_entity_paths` reads them.

The hierarchy is a new ShotGrid site's default project navigation: Projects; in a Project, Assets
grouped by their type and Sequences with their Shots:

    /                                                 the projects
    /Project/65                                       Assets, Sequences
    /Project/65/Asset                                 one group per sg_asset_type value
    /Project/65/Asset/sg_asset_type/Character         the Assets of that type
    /Project/65/Sequence                              the Sequences
    /Project/65/Sequence/12                           its Shots

Every read goes through `Site.find` with the caller's actor: a record the actor cannot see is
not in the tree. Unknown paths are Faults naming the path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from callsheet.faults import ValueFault

if TYPE_CHECKING:
    from callsheet.site.actor import Actor
    from callsheet.site.site import Site

NO_TYPE = "No Type"
ASSET_TYPE_FIELD = "sg_asset_type"


def _node(
    label: str, path: str, parent: str | None, kind: str | None, value: Any, has_children: bool
) -> dict[str, Any]:
    return {
        "label": label,
        "path": path,
        "parent_path": parent,
        "ref": {"kind": kind, "value": value},
        "has_children": has_children,
    }


class Navigation:
    """One actor's view of the hierarchy."""

    def __init__(self, site: Site, actor: Actor, entity_fields: Any = None) -> None:
        self.site = site
        self.actor = actor
        self.entity_fields = entity_fields if isinstance(entity_fields, dict) else {}

    def _find(self, entity_type: str, filters: list[Any], fields: list[str]) -> list[dict]:
        extra = [f for f in self.entity_fields.get(entity_type, []) if isinstance(f, str)]
        return self.site.find(
            self.actor,
            entity_type,
            filters,
            [*fields, *extra],
            order=[{"field_name": "code"}]
            if "code" in self.site.schema.entity(entity_type).fields
            else None,
        )

    def _value(self, record: dict[str, Any], label_field: str) -> dict[str, Any]:
        value = {k: v for k, v in record.items() if k != label_field}
        value["name"] = record.get(label_field)
        return value

    # -- expanding -----------------------------------------------------------------------------
    def expand(self, path: Any) -> dict[str, Any]:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueFault(f"nav_expand() needs a path such as '/Project/65', got {path!r}.")
        # Split keeping a trailing empty part: `.../sg_asset_type/` is the group with no type.
        parts = path[1:].split("/") if path != "/" else []
        if not parts:
            children = [
                _node(p["name"], f"/Project/{p['id']}", "/", "entity", self._value(p, "name"), True)
                for p in self._find("Project", [["is_template", "is_not", True]], ["name"])
            ]
            return {
                **_node("Projects", "/", None, "list", None, bool(children)),
                "children": children,
            }
        if parts[0] != "Project" or len(parts) < 2 or not parts[1].isdigit():
            raise ValueFault(f"nav_expand() path {path!r} does not start with /Project/<id>.")
        project = self._project(int(parts[1]), path)
        base = f"/Project/{project['id']}"
        rest = parts[2:]
        if not rest:
            children = [
                _node("Assets", f"{base}/Asset", base, "entity_type", "Asset", True),
                _node("Sequences", f"{base}/Sequence", base, "entity_type", "Sequence", True),
            ]
            node = _node(project["name"], base, "/", "entity", self._value(project, "name"), True)
            return {**node, "children": children}
        if rest == ["Asset"]:
            return self._asset_groups(project, base)
        if len(rest) == 3 and rest[:2] == ["Asset", ASSET_TYPE_FIELD]:
            return self._assets_of_type(project, base, rest[2])
        if rest == ["Sequence"]:
            return self._sequences(project, base)
        if len(rest) == 2 and rest[0] == "Sequence" and rest[1].isdigit():
            return self._shots(project, base, int(rest[1]), path)
        raise ValueFault(f"nav_expand() path {path!r} is not in the navigation hierarchy.")

    def _project(self, project_id: int, path: str) -> dict[str, Any]:
        found = self._find("Project", [["id", "is", project_id]], ["name"])
        if not found:
            raise ValueFault(f"nav_expand() path {path!r}: no Project {project_id} to show.")
        return found[0]

    def _asset_groups(self, project: dict[str, Any], base: str) -> dict[str, Any]:
        assets = self._find("Asset", [["project", "is", _ref(project)]], [ASSET_TYPE_FIELD])
        types = sorted({a[ASSET_TYPE_FIELD] for a in assets if a.get(ASSET_TYPE_FIELD)})
        children = [
            _node(t, f"{base}/Asset/{ASSET_TYPE_FIELD}/{t}", f"{base}/Asset", "list", t, True)
            for t in types
        ]
        if any(not a.get(ASSET_TYPE_FIELD) for a in assets):
            children.append(
                _node(
                    NO_TYPE,
                    f"{base}/Asset/{ASSET_TYPE_FIELD}/",
                    f"{base}/Asset",
                    "no_entity",
                    None,
                    True,
                )
            )
        node = _node("Assets", f"{base}/Asset", base, "entity_type", "Asset", bool(children))
        return {**node, "children": children}

    def _assets_of_type(self, project: dict[str, Any], base: str, asset_type: str) -> dict:
        path = f"{base}/Asset/{ASSET_TYPE_FIELD}/{asset_type}"
        value = asset_type or None
        assets = self._find(
            "Asset", [["project", "is", _ref(project)], [ASSET_TYPE_FIELD, "is", value]], ["code"]
        )
        children = [
            _node(
                a["code"], f"{path}/Asset/{a['id']}", path, "entity", self._value(a, "code"), False
            )
            for a in assets
        ]
        kind = "list" if value else "no_entity"
        node = _node(asset_type or NO_TYPE, path, f"{base}/Asset", kind, value, bool(children))
        return {**node, "children": children}

    def _sequences(self, project: dict[str, Any], base: str) -> dict[str, Any]:
        sequences = self._find("Sequence", [["project", "is", _ref(project)]], ["code"])
        children = [
            _node(
                s["code"],
                f"{base}/Sequence/{s['id']}",
                f"{base}/Sequence",
                "entity",
                self._value(s, "code"),
                True,
            )
            for s in sequences
        ]
        node = _node(
            "Sequences", f"{base}/Sequence", base, "entity_type", "Sequence", bool(children)
        )
        return {**node, "children": children}

    def _shots(self, project: dict[str, Any], base: str, sequence_id: int, path: str) -> dict:
        sequences = self._find(
            "Sequence", [["id", "is", sequence_id], ["project", "is", _ref(project)]], ["code"]
        )
        if not sequences:
            raise ValueFault(f"nav_expand() path {path!r}: no Sequence {sequence_id} to show.")
        sequence = sequences[0]
        here = f"{base}/Sequence/{sequence_id}"
        shots = self._find("Shot", [["sg_sequence", "is", _ref(sequence)]], ["code"])
        children = [
            _node(
                s["code"], f"{here}/Shot/{s['id']}", here, "entity", self._value(s, "code"), False
            )
            for s in shots
        ]
        node = _node(
            sequence["code"],
            here,
            f"{base}/Sequence",
            "entity",
            self._value(sequence, "code"),
            bool(children),
        )
        return {**node, "children": children}

    # -- searching -----------------------------------------------------------------------------
    def search(
        self, root_path: Any, *, text: str | None = None, entity: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        if not isinstance(root_path, str) or not root_path.startswith("/"):
            raise ValueFault(f"nav_search() needs a root path such as '/', got {root_path!r}.")
        parts = [p for p in root_path.split("/") if p]
        project_filter: list[Any] = []
        if parts:
            if parts[0] != "Project" or len(parts) < 2 or not parts[1].isdigit():
                raise ValueFault(f"nav_search() root path {root_path!r} is not a Project's.")
            project_filter = [["project", "is", {"type": "Project", "id": int(parts[1])}]]
        results = []
        for entity_type in ("Asset", "Sequence", "Shot"):
            filters = list(project_filter)
            if entity is not None:
                if entity.get("type") != entity_type:
                    continue
                filters.append(["id", "is", entity.get("id")])
            elif text is not None:
                filters.append(["code", "contains", text])
            fields = [
                "code",
                "project",
                ASSET_TYPE_FIELD
                if entity_type == "Asset"
                else "sg_sequence"
                if entity_type == "Shot"
                else "code",
            ]
            for record in self._find(entity_type, filters, fields):
                results.append(self._result(entity_type, record))
        return results

    def _result(self, entity_type: str, record: dict[str, Any]) -> dict[str, Any]:
        project = record.get("project") or {}
        base = f"/Project/{project.get('id')}"
        chain = ["/", base]
        if entity_type == "Asset":
            group = record.get(ASSET_TYPE_FIELD) or ""
            chain += [f"{base}/Asset", f"{base}/Asset/{ASSET_TYPE_FIELD}/{group}"]
            chain.append(f"{chain[-1]}/Asset/{record['id']}")
            path_label = f"Assets > {group or NO_TYPE}"
        elif entity_type == "Sequence":
            chain += [f"{base}/Sequence", f"{base}/Sequence/{record['id']}"]
            path_label = "Sequences"
        else:
            sequence = record.get("sg_sequence") or {}
            chain += [f"{base}/Sequence", f"{base}/Sequence/{sequence.get('id')}"]
            chain.append(f"{chain[-1]}/Shot/{record['id']}")
            path_label = f"Sequences > {sequence.get('name')}"
        return {
            "label": record.get("code"),
            "incremental_path": chain,
            "path_label": path_label,
            "project_id": project.get("id"),
            "ref": {"type": entity_type, "id": record["id"]},
        }


def _ref(record: dict[str, Any]) -> dict[str, Any]:
    return {"type": record["type"], "id": record["id"]}


def nav_expand(
    site: Site, actor: Actor, path: Any, seed_entity_field: Any = None, entity_fields: Any = None
) -> dict[str, Any]:
    """The node at `path` with its children (see module docstring)."""
    return Navigation(site, actor, entity_fields).expand(path)


def nav_search(
    site: Site, actor: Actor, root_path: Any, search_criteria: Any, seed_entity_field: Any = None
) -> list[dict[str, Any]]:
    """`nav_search_string` ({"search_string"}) and `nav_search_entity` ({"entity"})."""
    if not isinstance(search_criteria, dict):
        raise ValueFault("nav_search() needs search_criteria with 'search_string' or 'entity'.")
    navigation = Navigation(site, actor)
    if isinstance(search_criteria.get("entity"), dict):
        return navigation.search(root_path, entity=search_criteria["entity"])
    text = search_criteria.get("search_string")
    if not isinstance(text, str) or not text:
        raise ValueFault("nav_search() search_string must be a non-empty string.")
    return navigation.search(root_path, text=text)
