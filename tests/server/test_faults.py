"""Every fault kind, from the header, the inject queue and the admin endpoints."""

from __future__ import annotations

import json
import time
import uuid
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from r9s.testing import LocalServer
from r9s.testing._faults import Fault, parse_fault
from tests.server.conftest import KEY, TLS, chat_body, http, parse_sse


def fault(spec: str) -> dict[str, str]:
    return {"X-R9S-Fault": spec}


def post_chat(client: httpx.Client, spec: str, **extra: Any) -> httpx.Response:
    return client.post("/chat/completions", json=chat_body(**extra), headers=fault(spec))


def post_message_stream(server: LocalServer, spec: str) -> httpx.Response:
    """A streamed Anthropic Messages request carrying the fault ``spec``."""
    message = {
        "model": "claude-haiku-4-5",
        "max_tokens": 9,
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
    headers = {**fault(spec), "x-api-key": KEY}
    return http.post(server.root_url + "/v1/messages", json=message, headers=headers)


# -- the grammar ----------------------------------------------------------------------


def test_parse_fault() -> None:
    assert parse_fault("status=503; retry_after=1.5 ;should_retry=false;") == Fault(
        status=503, retry_after=1.5, should_retry=False
    )
    assert parse_fault("drop=mid_stream;after=3;times=2;key=k") == Fault(
        drop="mid_stream", after=3, times=2, key="k"
    )


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "status",
        "status=abc",
        "status=99",
        "status=150",
        "bogus=1",
        "drop=sideways",
        "body=xml",
        "delay=-1",
        "delay=nan",
        "after=-2",
        "should_retry=maybe",
        "malformed=xml",
        "truncate=-1",
    ],
)
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fault(spec)


def test_bad_header_spec_is_a_400_naming_the_header(client: httpx.Client) -> None:
    response = post_chat(client, "status=lots")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "x-r9s-fault"
    assert "status" in response.json()["error"]["message"]


# -- status ---------------------------------------------------------------------------


def test_status_default_body_follows_the_api_family(server: LocalServer) -> None:
    headers = {**fault("status=529"), "x-api-key": KEY}
    openai = http.get(server.url + "/models", headers=headers)
    assert openai.status_code == 529
    assert openai.json()["status"] == 529 and openai.json()["error"]["type"] == "server_error"
    anthropic = http.post(server.root_url + "/v1/messages", json={}, headers=headers)
    assert anthropic.json() == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded (injected fault)"},
    }
    google = http.post(
        server.root_url + "/v1beta/models/gemini-2.5-flash:generateContent",
        json={},
        headers=headers,
    )
    assert google.json()["error"]["code"] == 529


@pytest.mark.parametrize(
    ("body", "content_type", "check"),
    [
        ("json", "application/json", lambda r: r.json()["error"]["code"] == "injected_fault"),
        ("anthropic", "application/json", lambda r: r.json()["type"] == "error"),
        ("google", "application/json", lambda r: r.json()["error"]["status"] == "UNAVAILABLE"),
        ("text", "text/plain; charset=utf-8", lambda r: r.text.startswith("Service Unavailable")),
        ("html", "text/html", lambda r: "<h1>503 Service Unavailable</h1>" in r.text),
        ("empty", None, lambda r: r.content == b""),
    ],
)
def test_status_body_styles(client: httpx.Client, body: str, content_type: str, check: Any) -> None:
    response = client.get("/models", headers=fault(f"status=503;body={body}"))
    assert response.status_code == 503
    assert response.headers.get("content-type") == content_type
    assert check(response)


def test_status_message_and_any_code(client: httpx.Client) -> None:
    response = client.get("/models", headers=fault("status=418;message=short and stout"))
    assert response.status_code == 418
    assert response.json()["error"]["message"] == "short and stout"
    assert client.get("/models", headers=fault("status=200;body=empty")).content == b""


def test_retry_after_variants(client: httpx.Client) -> None:
    seconds = client.get("/models", headers=fault("status=429;retry_after=2"))
    assert seconds.headers["retry-after"] == "2"
    fraction = client.get("/models", headers=fault("status=429;retry_after=0.5"))
    assert fraction.headers["retry-after"] == "0.5"
    millis = client.get("/models", headers=fault("status=429;retry_after_ms=150"))
    assert millis.headers["retry-after-ms"] == "150" and "retry-after" not in millis.headers
    dated = client.get("/models", headers=fault("status=503;retry_after_date=30"))
    ahead = parsedate_to_datetime(dated.headers["retry-after"]).timestamp() - time.time()
    assert 20 < ahead <= 31


def test_should_retry_header(client: httpx.Client) -> None:
    yes = client.get("/models", headers=fault("status=400;should_retry=true"))
    no = client.get("/models", headers=fault("status=503;should_retry=false"))
    assert (yes.headers["x-should-retry"], no.headers["x-should-retry"]) == ("true", "false")


def test_status_faults_apply_to_any_path_and_method(client: httpx.Client) -> None:
    assert client.get("/no/such/path", headers=fault("status=502")).status_code == 502
    assert client.head("/models", headers=fault("status=503")).status_code == 503
    streamed = post_chat(client, "status=500", stream=True)
    assert streamed.status_code == 500 and streamed.json()["status"] == 500


# -- delays ---------------------------------------------------------------------------


def test_delay_then_answer(client: httpx.Client) -> None:
    started = time.monotonic()
    assert client.get("/models", headers=fault("delay=0.3")).status_code == 200
    assert time.monotonic() - started >= 0.29


def test_a_long_delay_hits_the_client_timeout(client: httpx.Client, server: LocalServer) -> None:
    with pytest.raises(httpx.ReadTimeout):
        client.get("/models", headers=fault("delay=60"), timeout=0.3)
    assert len(server.requests) == 1  # recorded on arrival, though never answered


def test_chunk_delay_slows_a_stream_down(client: httpx.Client) -> None:
    started = time.monotonic()
    response = post_chat(client, "chunk_delay=0.05", text="a b c", stream=True)
    assert time.monotonic() - started >= 0.2  # 7 events, 6 gaps
    deltas = [e.json()["choices"][0]["delta"].get("content") for e in parse_sse(response.text)[:-1]]
    assert "".join(d or "" for d in deltas) == "Echo: a b c"
    with pytest.raises(httpx.ReadTimeout):
        body = chat_body(stream=True)
        client.post("/chat/completions", json=body, headers=fault("chunk_delay=5"), timeout=0.3)


def test_chunk_delay_slows_binary_streams(client: httpx.Client) -> None:
    body = {"model": "tts-1", "voice": "alloy", "input": "x"}
    headers = {**fault("chunk_delay=0.05"), "x-r9s-audio-bytes": str(5 * 64 * 1024)}
    started = time.monotonic()
    assert len(client.post("/audio/speech", json=body, headers=headers).content) == 5 * 65536
    assert time.monotonic() - started >= 0.2


# -- drops ----------------------------------------------------------------------------


def test_drop_before_headers(client: httpx.Client, server: LocalServer) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
        client.get("/models", headers=fault("drop=before_headers"))
    assert len(server.requests) == 1
    assert client.get("/models").status_code == 200  # a new connection works


def test_drop_mid_body_sends_part_of_a_json_body(client: httpx.Client) -> None:
    received = bytearray()
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("GET", "/models", headers=fault("drop=mid_body")) as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk
    assert 0 < len(received) < int(response.headers["content-length"])
    assert bytes(received).startswith(b'{"object":"list"')


def test_drop_mid_body_with_after_bytes(client: httpx.Client) -> None:
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):  # noqa: SIM117
        with client.stream("GET", "/models", headers=fault("drop=mid_body;after=10")) as response:
            for chunk in response.iter_raw():
                received += chunk
    assert bytes(received) == b'{"object":'


def test_drop_mid_body_of_binary_audio(client: httpx.Client) -> None:
    body = {"model": "tts-1", "voice": "alloy", "input": "x"}
    headers = {**fault("drop=mid_body"), "x-r9s-audio-bytes": str(10 * 65536)}
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/audio/speech", json=body, headers=headers)


@pytest.mark.parametrize("after", [0, 1, 3])
def test_drop_mid_stream_after_n_events(client: httpx.Client, after: int) -> None:
    events = []
    spec = f"drop=mid_stream;after={after}"
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):  # noqa: SIM117
        with client.stream(
            "POST", "/chat/completions", json=chat_body(stream=True), headers=fault(spec)
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
    assert len(events) == after


def test_drop_mid_stream_on_anthropic_and_responses(server: LocalServer) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        post_message_stream(server, "drop=mid_stream;after=2")
    headers = {**fault("drop=mid_stream;after=2"), "x-api-key": KEY}
    response = {"model": "gpt-4o-mini", "input": "hi", "stream": True}
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(server.url + "/responses", json=response, headers=headers)


# -- malformed bodies -----------------------------------------------------------------


def test_malformed_json(client: httpx.Client) -> None:
    response = client.get("/models", headers=fault("malformed=json"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_malformed_sse(client: httpx.Client) -> None:
    events = parse_sse(post_chat(client, "malformed=sse", text="a b c d", stream=True).text)
    broken = []
    for index, event in enumerate(events[:-1]):
        try:
            event.json()
        except json.JSONDecodeError:
            broken.append(index)
    assert broken == [(len(events) - 1) // 2]  # one bad line in the middle
    assert events[-1].data == "[DONE]"


# -- errors inside streams ------------------------------------------------------------


def test_stream_error_on_chat(client: httpx.Client) -> None:
    events = parse_sse(post_chat(client, "stream_error=2", stream=True).text)
    assert len(events) == 3
    assert events[-1].event is None
    assert events[-1].json()["error"]["type"] == "server_error"
    assert "choices" in events[1].json()


def test_stream_error_on_anthropic(server: LocalServer) -> None:
    events = parse_sse(post_message_stream(server, "stream_error=1").text)
    assert [e.event for e in events] == ["message_start", "error"]
    assert events[1].json() == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }


def test_stream_error_on_responses_and_gemini(client: httpx.Client, server: LocalServer) -> None:
    body = {"model": "gpt-4o-mini", "input": "hi", "stream": True}
    events = parse_sse(client.post("/responses", json=body, headers=fault("stream_error=3")).text)
    assert events[-1].event == "error"
    error = events[-1].json()
    assert error["type"] == "error" and error["sequence_number"] == 3 and error["message"]
    url = server.root_url + "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    gemini = {"contents": [{"parts": [{"text": "a b c"}]}]}
    headers = {**fault("stream_error=1"), "x-goog-api-key": KEY}
    events = parse_sse(http.post(url, json=gemini, headers=headers).text)
    assert len(events) == 2 and events[1].json()["error"]["status"] == "INTERNAL"


def test_truncate_ends_a_complete_body_holding_an_incomplete_stream(
    client: httpx.Client, server: LocalServer
) -> None:
    whole = parse_sse(post_chat(client, "chunk_delay=0", text="a b c d", stream=True).text)
    assert whole[-1].data == "[DONE]" and len(whole) > 3
    cut = post_chat(client, "truncate=3", text="a b c d", stream=True)
    assert cut.status_code == 200  # read to its end: the chunked terminator arrived
    deltas = [e.json()["choices"] for e in parse_sse(cut.text)]
    assert deltas == [e.json()["choices"] for e in whole[:3]]
    response = post_message_stream(server, "truncate=2")
    assert [e.event for e in parse_sse(response.text)] == ["message_start", "content_block_start"]


# -- times and keys -------------------------------------------------------------------


def test_times_and_key_make_a_retried_request_fail_then_succeed(client: httpx.Client) -> None:
    spec = f"status=503;times=2;key={uuid.uuid4().hex}"
    codes = [client.get("/models", headers=fault(spec)).status_code for _ in range(4)]
    assert codes == [503, 503, 200, 200]


def test_keys_are_counted_separately(client: httpx.Client) -> None:
    first = [
        client.get("/models", headers=fault("status=500;times=1;key=a")).status_code
        for _ in range(2)
    ]
    second = client.get("/models", headers=fault("status=500;times=1;key=b")).status_code
    assert (first, second) == ([500, 200], 500)


def test_times_without_a_key_counts_the_spec_itself(client: httpx.Client) -> None:
    codes = [
        client.get("/models", headers=fault("status=502;times=1")).status_code for _ in range(2)
    ]
    assert codes == [502, 200]


def test_clear_resets_the_key_counters(client: httpx.Client, server: LocalServer) -> None:
    assert client.get("/models", headers=fault("status=500;times=1;key=z")).status_code == 500
    server.clear()
    assert client.get("/models", headers=fault("status=500;times=1;key=z")).status_code == 500


# -- the inject queue -----------------------------------------------------------------


def test_inject_queue(client: httpx.Client, server: LocalServer) -> None:
    server.inject("status=503;retry_after=1", times=2)
    codes = [client.get("/models").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    server.inject("status=500")
    server.inject("status=429")
    assert [client.get("/models").status_code for _ in range(3)] == [500, 429, 200]


def test_inject_for_one_path(client: httpx.Client, server: LocalServer) -> None:
    server.inject("status=500", times=1, path="/v1/chat/completions")
    assert client.get("/models").status_code == 200
    assert client.post("/chat/completions", json=chat_body()).status_code == 500
    assert client.post("/chat/completions", json=chat_body()).status_code == 200
    server.inject("drop=before_headers", path="/v1/models*")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/models/gpt-4o")


def test_the_header_wins_over_the_queue(client: httpx.Client, server: LocalServer) -> None:
    server.inject("status=500")
    assert client.get("/models", headers=fault("status=418")).status_code == 418
    assert client.get("/models").status_code == 500


def test_inject_times_from_the_spec_and_bad_specs(server: LocalServer) -> None:
    server.inject("status=500;times=3")
    with httpx.Client(base_url=server.url, headers={"x-api-key": "k"}, verify=TLS) as api:
        assert [api.get("/models").status_code for _ in range(4)] == [500, 500, 500, 200]
    with pytest.raises(ValueError, match="unknown fault key"):
        server.inject("explode=1")
    server.inject("status=500")
    server.clear()
    assert http.get(server.url + "/models", headers={"x-api-key": "k"}).status_code == 200


# -- admin endpoints for out-of-process use -------------------------------------------


def test_admin_faults_and_requests(server: LocalServer) -> None:
    admin = server.root_url + "/__r9s"
    with httpx.Client(
        base_url=server.url, headers={"authorization": "Bearer k"}, verify=TLS
    ) as api:
        queued = http.post(admin + "/faults", json={"spec": "status=429", "times": 2})
        assert queued.status_code == 201
        assert queued.json() == {"faults": [{"remaining": 2, "path": None}]}
        assert [api.get("/models").status_code for _ in range(3)] == [429, 429, 200]
        http.post(admin + "/faults", json={"spec": "status=500", "path": "/v1/models"})
        assert http.get(admin + "/faults").json()["faults"][0]["path"] == "/v1/models"
        assert http.delete(admin + "/faults").json() == {"faults": []}
        api.post("/chat/completions", json=chat_body("recorded"))

    recorded = http.get(admin + "/requests").json()["requests"]
    assert len(recorded) == 4  # admin calls are not recorded
    last = recorded[-1]
    assert last["method"] == "POST" and last["path"] == "/v1/chat/completions"
    assert last["json"]["messages"][0]["content"] == "recorded"
    assert last["api_key"] == "k" and json.loads(last["body"]) == last["json"]
    assert http.delete(admin + "/requests").json() == {"cleared": 4}
    assert server.requests == []


def test_admin_rejects_bad_fault_requests(server: LocalServer) -> None:
    admin = server.root_url + "/__r9s/faults"
    assert http.post(admin, json={"spec": "nope=1"}).status_code == 400
    assert http.post(admin, json={"times": 2}).status_code == 400
    assert http.post(admin, content=b"not json").status_code == 400


def test_admin_paths_ignore_faults_and_auth() -> None:
    with LocalServer(api_key="sk-only") as server:
        server.inject("status=500", times=5)
        health = http.get(server.root_url + "/__r9s/health", headers=fault("drop=before_headers"))
        assert health.json() == {"ok": True}
        assert http.post(server.root_url + "/__r9s/reset").json() == {"reset": True}
        assert http.get(server.url + "/models", headers={"x-api-key": "sk-only"}).status_code == 200


# -- request ids ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x-request-id", "request-id", "X-Onr-Request-Id"])
def test_request_id_names_the_header_of_a_fresh_id(client: httpx.Client, name: str) -> None:
    answers = [post_chat(client, f"request_id={name}") for _ in range(2)]
    ids = [answer.headers[name] for answer in answers]
    assert all(value.startswith("req_") for value in ids) and ids[0] != ids[1]
    failed = client.get("/models", headers=fault(f"status=503;request_id={name}"))
    assert failed.status_code == 503 and failed.headers[name].startswith("req_")
    stream = post_chat(client, f"request_id={name}", stream=True)
    assert stream.headers[name].startswith("req_") and parse_sse(stream.text)
    assert "x-request-id" not in post_chat(client, "delay=0").headers  # only when asked


def test_request_id_must_be_a_header_name() -> None:
    with pytest.raises(ValueError, match="header name"):
        parse_fault("request_id=not a header")
