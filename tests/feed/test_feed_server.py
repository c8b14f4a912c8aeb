"""What the simulator and the NATS hub share: reading a client's frame and checking its token."""

from console.feed.server_session import bearer, read_client_frame, token_ok


def test_client_frames_are_objects_with_a_type():
    assert read_client_frame(b'{"type": "subscribe"}') == ({"type": "subscribe"}, "")
    assert read_client_frame(b"{nope") == (None, "frame is not valid JSON")
    for bad in (b"[1]", b'{"type": 3}', b"{}", b'"subscribe"'):
        assert read_client_frame(bad)[0] is None


def test_tokens():
    assert token_ok(None, None) and token_ok(None, "anything")  # no token configured
    assert token_ok("s3cret-token", "s3cret-token")
    assert not token_ok("s3cret-token", "s3cret-tokeN") and not token_ok("s3cret-token", None)
    assert not token_ok("s3cret-token", 12345)
    assert bearer("Bearer abc") == "abc" and bearer("Basic abc") is None and bearer(None) is None
