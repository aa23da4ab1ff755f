"""The Site's operations beyond reads, writes and the schema (site/api.py lists which serves what).

Following, activity, work schedules, preferences, subscriptions, sessions, navigation and files:
each is a `Site` method (this mixin) taking the Actor first and the arguments of its
`shotgun_api3.Shotgun` method, answering what the server answers. The rules live in their own
modules (site/following.py, site/activity.py, ...), imported when called: they import Site.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from callsheet import __version__
from callsheet.faults import Fault, NotFoundFault, ValueFault
from callsheet.site.actor import Actor

if TYPE_CHECKING:
    from callsheet.site.site import Site

# Fields whose upload is a thumbnail (shotgun_api3 `upload`: these go to publish_thumbnail).
THUMBNAIL_UPLOAD_FIELDS = ("thumb_image", "filmstrip_thumb_image", "image", "filmstrip_image")
FILMSTRIP_UPLOAD_FIELDS = ("filmstrip_thumb_image", "filmstrip_image")
_DOWNLOAD_PATH = re.compile(r"/file_serve/attachment/([0-9]{1,18})(?:[?#].*)?$")


class NotAvailableFault(Fault):
    """A method ShotGrid has that Callsheet does not serve (yet)."""


class SiteOperations:
    """Mixed into `Site` (site/site.py)."""

    @property
    def _site(self) -> Site:
        return cast("Site", self)

    # -- the server ---------------------------------------------------------------------------
    def info(self, actor: Actor | None = None) -> dict[str, Any]:
        """`info`: the version gates of reference §6 (8.50 enables every client feature)."""
        from callsheet.site.site import MAX_PAGE_SIZE

        return {
            "version": [8, 50, 0],
            "full_version": [8, 50, 0, 0],
            "callsheet_version": __version__,
            "user_authentication_method": "default",
            "api_max_entities_per_page": MAX_PAGE_SIZE,
            "s3_direct_uploads_enabled": False,
            "s3_enabled_upload_types": {},
            "unified_login_flow_enabled": False,
            "authentication_app_session_launcher_enabled": False,
        }

    def get_session_token(self, actor: Actor) -> dict[str, str]:
        """A new session token for the caller, as the server answers it (`session_id`)."""
        from callsheet.site.auth import issue_session_token

        return {"session_id": issue_session_token(self._site, actor, self._site.auth_policy)}

    def authenticate_human_user(
        self, actor: Actor, user_login: Any, user_password: Any, auth_token: Any = None
    ) -> dict[str, Any] | None:
        """Check a person's login and password; their `{type, id, login}` if active, else None.

        As shotgun_api3 does: the find runs with the given credentials, so wrong ones fault.
        """
        from callsheet.site.auth import authenticate

        if not user_login or not isinstance(user_login, str):
            raise ValueFault("Please supply a username to authenticate.")
        if not user_password or not isinstance(user_password, str):
            raise ValueFault("Please supply a password for the user.")
        credentials = {"user_login": user_login, "user_password": user_password}
        if auth_token is not None:
            credentials["auth_token"] = auth_token
        person = authenticate(self._site, credentials, self._site.auth_policy)
        return self._site.find_one(
            person,
            "HumanUser",
            [["sg_status_list", "is", "act"], ["login", "is", user_login]],
            ["id", "login"],
        )

    # -- following and activity ---------------------------------------------------------------
    def follow(self, actor: Actor, user: Any, entity: Any) -> dict[str, Any]:
        from callsheet.site import following

        return following.follow(self._site, actor, user, entity)

    def unfollow(self, actor: Actor, user: Any, entity: Any) -> dict[str, Any]:
        from callsheet.site import following

        return following.unfollow(self._site, actor, user, entity)

    def followers(self, actor: Actor, entity: Any) -> list[dict[str, Any]]:
        from callsheet.site import following

        return following.followers(self._site, actor, entity)

    def following(
        self, actor: Actor, user: Any, project: Any = None, entity_type: Any = None
    ) -> list[dict[str, Any]]:
        from callsheet.site import following

        return following.following(self._site, actor, user, project, entity_type)

    def activity_stream_read(
        self,
        actor: Actor,
        entity_type: Any,
        entity_id: Any,
        entity_fields: Any = None,
        min_id: Any = None,
        max_id: Any = None,
        limit: Any = None,
    ) -> dict[str, Any]:
        from callsheet.site import activity

        return activity.activity_stream(
            self._site, actor, entity_type, entity_id, entity_fields, min_id, max_id, limit
        )

    def note_thread_read(
        self, actor: Actor, note_id: Any, entity_fields: Any = None
    ) -> list[dict[str, Any]]:
        from callsheet.site import activity

        return activity.note_thread(self._site, actor, note_id, entity_fields)

    # -- schedules, preferences, subscriptions ------------------------------------------------
    def work_schedule_read(
        self, actor: Actor, start_date: Any, end_date: Any, project: Any = None, user: Any = None
    ) -> dict[str, Any]:
        from callsheet.site import work_schedule

        return work_schedule.work_schedule_read(
            self._site, actor, start_date, end_date, project, user
        )

    def work_schedule_update(
        self,
        actor: Actor,
        date: Any,
        working: Any,
        description: Any = None,
        project: Any = None,
        user: Any = None,
        recalculate_field: Any = None,
    ) -> dict[str, Any]:
        from callsheet.site import work_schedule

        return work_schedule.work_schedule_update(
            self._site, actor, date, working, description, project, user, recalculate_field
        )

    def preferences_read(self, actor: Actor, prefs: Any = None) -> dict[str, Any]:
        from callsheet.site import preferences

        return preferences.preferences_read(self._site, actor, prefs)

    def update_project_last_accessed(
        self, actor: Actor, project: Any, user: Any = None
    ) -> dict[str, Any]:
        """Record that a person (the caller by default) opened a project now."""
        from callsheet.site import preferences

        if not isinstance(project, dict):
            raise ValueFault(f"project must be a Project entity dict, got {project!r}.")
        if user is not None and not isinstance(user, dict):
            raise ValueFault(f"user must be a HumanUser entity dict, got {user!r}.")
        user_id = user.get("id") if user else None
        return preferences.update_project_last_accessed(
            self._site, actor, project.get("id"), user_id
        )

    def user_subscriptions_read(self, actor: Actor) -> list[dict[str, Any]]:
        from callsheet.site import preferences

        return preferences.user_subscriptions_read(self._site, actor)

    def user_subscriptions_create(self, actor: Actor, users: Any) -> dict[str, str]:
        from callsheet.site import preferences

        return preferences.user_subscriptions_create(self._site, actor, users)

    def export_page(
        self, actor: Actor, page_id: Any = None, format: Any = None, layout_name: Any = None
    ) -> str:
        from callsheet.site import preferences

        return preferences.export_page(self._site, actor, page_id, format, layout_name)

    # -- navigation (Toolkit's tree; not built yet) -------------------------------------------
    def nav_expand(
        self, actor: Actor, path: Any, seed_entity_field: Any = None, entity_fields: Any = None
    ) -> Any:
        raise NotAvailableFault("nav_expand is not available on this Callsheet server.")

    def nav_search(
        self,
        actor: Actor,
        root_path: Any,
        search_criteria: Any = None,
        seed_entity_field: Any = None,
    ) -> Any:
        raise NotAvailableFault("nav_search is not available on this Callsheet server.")

    # -- files (in process: the site's file store; over HTTP: server/files.py) ----------------
    def upload(
        self,
        actor: Actor,
        entity_type: Any,
        entity_id: Any,
        path: Any,
        field_name: Any = None,
        display_name: Any = None,
        tag_list: Any = None,
        created_at: Any = None,
    ) -> int:
        """shotgun_api3's `upload` of a local file: an Attachment, or a thumbnail for the
        thumbnail fields (as the client routes them to publish_thumbnail); its id."""
        from callsheet.site import uploads

        if not isinstance(path, str | os.PathLike):
            raise ValueFault(f"Path must be a valid file, got {path!r}.")
        source = Path(os.path.abspath(os.path.expanduser(path)))
        if not source.is_file():
            raise ValueFault(f"Path must be a valid file, got '{source}'")
        if source.stat().st_size == 0:
            raise ValueFault(f"Path cannot be an empty file: '{source}'")
        if created_at is not None and not hasattr(created_at, "isoformat"):
            raise ValueFault(f"created_at must be a datetime, got {created_at!r}.")
        site = self._site
        content = self._incoming_copy(source)
        try:
            if field_name in THUMBNAIL_UPLOAD_FIELDS:
                return uploads.publish_thumbnail(
                    site,
                    actor,
                    entity_type,
                    entity_id,
                    source.name,
                    content,
                    filmstrip=field_name in FILMSTRIP_UPLOAD_FIELDS,
                )
            return uploads.upload_file(
                site,
                actor,
                entity_type,
                entity_id,
                source.name,
                content,
                field_name=field_name,
                display_name=display_name if display_name is not None else source.name,
                tag_list=tag_list or None,
                created_at=created_at.isoformat() if created_at is not None else None,
            )
        finally:
            content.unlink(missing_ok=True)  # moved into place unless the upload failed

    def _incoming_copy(self, source: Path) -> Path:
        from callsheet.site import uploads

        incoming = uploads.room_of(self._site).storage.incoming_dir()
        incoming.mkdir(parents=True, exist_ok=True)
        target = incoming / f"local-{uuid.uuid4().hex}"
        shutil.copyfile(source, target)
        return target

    def share_thumbnail(
        self,
        actor: Actor,
        entities: Any,
        thumbnail_path: Any = None,
        source_entity: Any = None,
        filmstrip_thumbnail: Any = False,
        **kwargs: Any,
    ) -> int:
        """shotgun_api3's `share_thumbnail`: one thumbnail (uploaded from a path to the first
        entity, or that of `source_entity`) on every entity; the thumbnail's Attachment id."""
        from callsheet.site import uploads

        if not isinstance(entities, list) or not entities:
            raise ValueFault(
                "'entities' parameter must be a list of entity hashes and may not be empty"
            )
        for entity in entities:
            if not isinstance(entity, dict) or "id" not in entity or "type" not in entity:
                raise ValueFault(
                    "'entities' parameter must be a list of entity hashes with at least 'type' "
                    f"and 'id' keys. Invalid entity: {entity!r}"
                )
        if bool(thumbnail_path) == bool(source_entity):
            raise ValueFault("You must supply either thumbnail_path OR source_entity.")
        entities = list(entities)
        if thumbnail_path:
            source_entity = entities.pop(0)
            field = "filmstrip_thumb_image" if filmstrip_thumbnail else "thumb_image"
            thumbnail_id = self.upload(
                actor, source_entity["type"], source_entity["id"], thumbnail_path, field
            )
            if not entities:
                return thumbnail_id
        if not isinstance(source_entity, dict) or "id" not in source_entity:
            raise ValueFault(
                "'source_entity' parameter must be a dict with at least 'type' and 'id' keys."
            )
        targets = [(e["type"], e["id"]) for e in entities]
        source = (source_entity.get("type"), source_entity["id"])
        return uploads.share_thumbnail(
            self._site, actor, targets, source, bool(filmstrip_thumbnail)
        )

    def get_attachment_download_url(self, actor: Actor, attachment: Any) -> str | None:
        """The URL shotgun_api3 would download an attachment from (no request is made)."""
        from callsheet.site import uploads

        if attachment is None:
            return None
        if isinstance(attachment, bool) or not isinstance(attachment, int | dict):
            raise ValueFault(
                "Unable to determine download url. Expected dict, int, or NoneType. "
                f"Instead got {type(attachment).__name__}"
            )
        if isinstance(attachment, dict):
            if "url" in attachment:
                return attachment["url"]  # type: ignore[no-any-return]
            if attachment.get("type") != "Attachment" or "id" not in attachment:
                raise ValueFault("Missing 'url' key in Attachment dict")
            attachment = attachment["id"]
        if isinstance(attachment, bool) or not isinstance(attachment, int):
            raise ValueFault(f"An attachment id must be an integer, got {attachment!r}.")
        return uploads.room_of(self._site).unsigned_attachment_url(attachment)

    def download_attachment(
        self,
        actor: Actor,
        attachment: Any = False,
        file_path: Any = None,
        attachment_id: Any = None,
    ) -> bytes | str | None:
        """An attachment's bytes from the site's file store (or written to `file_path`).

        Only files uploaded to this site, that the actor may see, can be read in process.
        """
        from callsheet.site import uploads

        if attachment is False:
            if isinstance(attachment_id, bool) or not isinstance(attachment_id, int):
                raise ValueFault(
                    "Missing parameter 'attachment'. Expected a dict, int, NoneType value or an "
                    "int for parameter attachment_id"
                )
            attachment = attachment_id
        url = self.get_attachment_download_url(actor, attachment)
        if url is None:
            return None
        match = _DOWNLOAD_PATH.search(url) if isinstance(url, str) else None
        if match is None:
            raise ValueFault(f"Failed to open {url!r}: not a file uploaded to this site.")
        found = uploads.attachment_file(self._site, int(match.group(1)), actor)
        if found is None:
            raise NotFoundFault(
                f"Failed to open {url}: Attachment {match.group(1)} may not exist or is a "
                "local file."
            )
        if file_path:
            if not isinstance(file_path, str | os.PathLike):
                raise ValueFault(f"file_path must be a path, got {file_path!r}.")
            try:
                shutil.copyfile(found.path, file_path)
            except OSError as error:
                raise ValueFault(
                    f"Unable to write Attachment to disk using file_path. {error}"
                ) from None
            return str(file_path)
        return found.path.read_bytes()
