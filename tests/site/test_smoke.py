from callsheet.client import Shotgun


def test_create_then_find_returns_entity_dict_with_name(sg: Shotgun, project: dict) -> None:
    sequence = sg.create("Sequence", {"code": "SQ010", "project": project})
    shot = sg.create("Shot", {"code": "SH010", "project": project, "sg_sequence": sequence})
    found = sg.find_one("Shot", [["id", "is", shot["id"]]], ["code", "sg_sequence"])
    assert found == {
        "type": "Shot",
        "id": shot["id"],
        "code": "SH010",
        "sg_sequence": {"type": "Sequence", "id": sequence["id"], "name": "SQ010"},
    }
