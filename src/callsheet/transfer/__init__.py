"""Moving whole sites: import from any Shotgun-API server, export and import archives.

- source.py: where records come from (a `shotgun_api3` client, or an archive);
- schema_copy.py: the source's schema made the destination's (names kept);
- importer.py: the copy itself, resumable, with several readers and one writer;
- follow.py: keeping the copy in step through the source's event log;
- archive.py: the archive format (docs/transfer.md) and its writer;
- verify.py: counts and a sample compared field by field;
- report.py: progress bars and the final report.
"""
