from live_server import LiveServer


def test_info_reports_version_without_auth(live: LiveServer) -> None:
    info = live.client("nobody", "nothing", connect=False).info()
    assert info["version"] == [8, 50, 0]
