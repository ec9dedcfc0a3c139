"""HttpSender: the one place retries, platform waits and pacing live. Time is injected."""

from __future__ import annotations

import pytest
import requests
import responses

from chalicelib.platforms.base import DeliveryError
from chalicelib.platforms.http import MAX_WAIT_SECONDS, Answer
from tests.platforms.support import timed_sender

URL = "https://api.example.test/bot123456:SECRET-TOKEN/sendMessage"


@responses.activate
def test_429_waits_as_long_as_retry_after_says_then_succeeds(clock):
    responses.post(URL, status=429, headers={"Retry-After": "2"}, json={"ok": False})
    responses.post(URL, json={"ok": True})
    answer = timed_sender(clock).request("POST", URL, json={})
    assert answer.status == 200
    assert clock.sleeps == [2.0]


@responses.activate
def test_5xx_is_retried_with_backoff_then_succeeds(clock):
    responses.post(URL, status=503)
    responses.post(URL, status=502)
    responses.post(URL, json={"id": "1"})
    answer = timed_sender(clock).request("POST", URL, json={})
    assert answer.body == {"id": "1"}
    assert len(responses.calls) == 3
    assert clock.sleeps == [0.5, 1.0]  # 0.5 * 2**attempt, jitter pinned to x1


@responses.activate
def test_gives_up_after_its_attempts_naming_the_host_but_never_the_path(clock):
    """Paths carry credentials (Telegram's bot token, robot keys): errors must not."""
    responses.post(URL, status=500, body="boom")
    with pytest.raises(DeliveryError) as raised:
        timed_sender(clock, attempts=3).request("POST", URL, json={})
    assert len(responses.calls) == 3
    message = str(raised.value)
    assert "api.example.test" in message and "500" in message
    assert "SECRET-TOKEN" not in message and "sendMessage" not in message


@responses.activate
def test_connection_errors_are_retried(clock):
    responses.post(URL, body=requests.ConnectionError("reset by peer"))
    responses.post(URL, json={"ok": True})
    assert timed_sender(clock).request("POST", URL).status == 200
    assert len(clock.sleeps) == 1


@responses.activate
def test_connection_errors_to_the_end_fail_without_the_url(clock):
    responses.post(URL, body=requests.ConnectionError(f"cannot reach {URL}"))
    with pytest.raises(DeliveryError) as raised:
        timed_sender(clock, attempts=2).request("POST", URL)
    assert "SECRET-TOKEN" not in str(raised.value)
    assert "api.example.test" in str(raised.value)


@responses.activate
def test_a_refusal_is_not_retried(clock):
    """A 400/403 will not change by asking again; retrying only spends the platform's
    patience (Discord bans IPs for too many invalid requests)."""
    responses.post(URL, status=403, json={"message": "Missing Access"})
    with pytest.raises(DeliveryError, match="403"):
        timed_sender(clock).request("POST", URL)
    assert len(responses.calls) == 1
    assert clock.sleeps == []


@responses.activate
def test_a_platform_asking_for_a_wait_past_the_cap_is_given_up_at_once(clock):
    responses.post(URL, status=429, headers={"Retry-After": str(int(MAX_WAIT_SECONDS) + 90)})
    with pytest.raises(DeliveryError, match="asked to wait"):
        timed_sender(clock).request("POST", URL)
    assert len(responses.calls) == 1
    assert clock.sleeps == []


@responses.activate
def test_ok_and_retry_after_hooks_read_errors_from_a_200_body(clock):
    """Slack answers 200 with ok:false; a throttle named in the body is still a throttle."""
    responses.post(URL, json={"ok": False, "error": "ratelimited"})
    responses.post(URL, json={"ok": True})

    def throttled(answer: Answer) -> float | None:
        return 3.0 if answer.body.get("error") == "ratelimited" else None

    answer = timed_sender(clock).request(
        "POST", URL, ok=lambda a: a.body.get("ok") is True, retry_after=throttled
    )
    assert answer.body == {"ok": True}
    assert clock.sleeps == [3.0]


def test_pacing_waits_per_chat_and_not_across_chats(clock):
    paced = timed_sender(clock, min_interval=1.0)
    paced.pace("chat-a")
    clock.now += 0.25
    paced.pace("chat-b")  # another chat: no wait
    assert clock.sleeps == []
    paced.pace("chat-a")  # 0.25 s after chat-a's last send
    assert clock.sleeps == [pytest.approx(0.75)]
    clock.now += 5
    paced.pace("chat-a")  # long ago: no wait
    assert clock.sleeps == [pytest.approx(0.75)]


@responses.activate
def test_requests_to_one_chat_are_paced_through_request(clock):
    responses.post(URL, json={"ok": True})
    paced = timed_sender(clock, min_interval=1.0)
    for _ in range(3):
        paced.request("POST", URL, pace_key="chat-a")
    assert clock.sleeps == [1.0, 1.0]


# -- no error carries the URL -------------------------------------------------------------


def _request_errors() -> list[type[requests.RequestException]]:
    """Every error requests defines, so that one it adds later is covered too."""
    import inspect

    return sorted(
        (
            cls
            for _, cls in inspect.getmembers(requests.exceptions, inspect.isclass)
            if issubclass(cls, requests.RequestException)
            # raised by .json() (with json's own constructor), never by sending
            and cls is not requests.exceptions.JSONDecodeError
        ),
        key=lambda cls: cls.__name__,
    )


@pytest.mark.parametrize("error", _request_errors(), ids=lambda cls: cls.__name__)
def test_no_requests_error_reaches_a_log_with_the_token(clock, error):
    """requests puts the whole URL in its messages; Telegram's has the bot token in the
    path, and a job logs a failed send with its traceback (log.exception). Whatever
    requests raised, the error and its printed traceback name the host only."""
    import traceback

    responses_mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    with responses_mock:
        responses_mock.post(URL, body=error(f"failed: {URL} (url: /bot123456:SECRET-TOKEN)"))
        responses_mock.post(URL, body=error(f"failed: {URL}"))
        with pytest.raises(DeliveryError) as raised:
            timed_sender(clock, attempts=2).request("POST", URL, json={})
    printed = "".join(traceback.format_exception(raised.value))
    assert "SECRET-TOKEN" not in printed and "123456" not in printed
    assert "api.example.test" in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "api.example.test/bot123456:SECRET-TOKEN/sendMessage",  # no scheme
        "https://user:SECRET-TOKEN@api.example.test/x",
        "https://[::1/bot123456:SECRET-TOKEN",  # unparseable
    ],
)
def test_an_odd_url_is_never_echoed_in_the_error(clock, url):
    import traceback

    with pytest.raises(DeliveryError) as raised:
        timed_sender(clock, attempts=1).request("POST", url, json={})
    printed = "".join(traceback.format_exception(raised.value))
    assert "SECRET-TOKEN" not in printed


def test_a_telegram_send_that_fails_reports_no_token(clock):
    from chalicelib.platforms.base import ChatAddress, Message
    from chalicelib.platforms.telegram import TelegramAdapter

    token = "123456:SECRET-TOKEN"
    telegram = TelegramAdapter(token, "s", api_base="https://api.telegram.test")
    telegram._sender = timed_sender(clock, attempts=1)
    with responses.RequestsMock() as rsps:
        send = f"https://api.telegram.test/bot{token}/sendMessage"
        rsps.post(send, body=requests.exceptions.TooManyRedirects(f"Exceeded 30 at {send}"))
        delivery = telegram.send(ChatAddress("telegram", "-100"), Message("hi"))
    assert delivery.failed == 1
    assert "SECRET-TOKEN" not in " ".join(delivery.errors)
    assert "api.telegram.test" in delivery.errors[0]
