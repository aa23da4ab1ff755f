"""`image_source_entity` and the roll-up of a Version's thumbnail to its Shot/Asset and Task.

ShotGrid shows a Version's thumbnail on the record the Version is for (`entity`) and on its Task
(`sg_task`): the "latest Version" thumbnails of Shots, Assets and Tasks (support article "How can
I enable Smart Thumbnails", the default query: the latest Version of the current entity; and
Task's "Latest Associated Version or Note"). `image_source_entity` names the record whose upload
a thumbnail shows: on a live site it is filled exactly where `image` is (sg-groundtruth probe
007: Attachment 75/100 and 75/100), Versions point at themselves, and a Shot's points at the
Version it shows (sg-groundtruth entity_types/Version: a Version-to-Version link on 31/33 rows).

Callsheet keeps both in the transaction of the upload: the latest Version upload wins, as the
default "latest Version" query would show it. The rolled-up `image` changes are logged like
share_thumbnail()'s (reference/event-log-and-daemons.md §5.3); `image_source_entity` itself gets
no event row (ShotGrid documents none, and a daemon learns the change from the `image` row).
"""

from __future__ import annotations

from callsheet.site.write_context import WriteContext
from callsheet.store import attachments
from callsheet.store.kinds import LinkRef

SOURCE_FIELD = "image_source_entity"
ROLLED_UP_COLUMN = "image"  # the filmstrip stays the Version's own
# The links of a Version whose records show its thumbnail.
ROLL_UP_LINKS = {"Version": ("entity", "sg_task")}


def set_image_source(ctx: WriteContext, owner: LinkRef, source: LinkRef | None) -> None:
    """`owner.image_source_entity` becomes `source` (None: the thumbnail was cleared)."""
    if not attachments.has_column(ctx.store, owner.type, f"{SOURCE_FIELD}__id"):
        return
    values = {
        f"{SOURCE_FIELD}__type": None if source is None else source.type,
        f"{SOURCE_FIELD}__id": None if source is None else source.id,
    }
    attachments.set_columns(ctx.conn, ctx.store, owner.type, owner.id, values)


def roll_up_targets(ctx: WriteContext, owner: LinkRef, column: str) -> list[LinkRef]:
    """The live records that show `owner`'s new thumbnail in `column` too."""
    links = ROLL_UP_LINKS.get(owner.type, ()) if column == ROLLED_UP_COLUMN else ()
    targets: list[LinkRef] = []
    for name in links:
        if not attachments.has_column(ctx.store, owner.type, f"{name}__id"):
            continue
        target_type = attachments.column_value(
            ctx.conn, ctx.store, owner.type, owner.id, f"{name}__type"
        )
        target_id = attachments.column_value(
            ctx.conn, ctx.store, owner.type, owner.id, f"{name}__id"
        )
        if target_type is None or target_id is None or target_type not in ctx.store.schema:
            continue
        if not attachments.has_column(ctx.store, target_type, column):
            continue
        if attachments.is_live(ctx.conn, ctx.store, target_type, target_id):
            targets.append(LinkRef(target_type, target_id))
    return targets
