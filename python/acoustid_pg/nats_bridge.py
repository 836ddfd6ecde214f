"""JetStream for synchronous code: the one place the driver touches asyncio.

nats-py is asyncio-only and the driver is synchronous (psycopg). ``JetStream.connect(url)``
starts an event loop in a daemon thread, connects there, and every method below runs its
coroutine on that loop and waits for the result, so callers see plain blocking calls:

    js = JetStream.connect("nats://127.0.0.1:4222", name="worker")
    js.ensure_stream("submissions", ["submissions.>"])
    js.publish("submissions.new", b"[1, 2]")
    consumer = js.pull_consumer("submissions", "submissions.new", durable="import-workers")
    for delivery in consumer.fetch(10, timeout=1.0):
        ...
        delivery.ack()
    js.close()

nats-py's errors become ``MessagingError`` (the server is unreachable or answered with an
error); a fetch that finds nothing returns an empty list. The client reconnects by itself
(forever) after the server restarts; calls made while it is away fail with MessagingError.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StreamConfig

from .errors import AcoustidError

DEFAULT_TIMEOUT: Final = 5.0
STOP_TIMEOUT: Final = 5.0  # seconds for the tasks still on the loop to unwind when it stops
RECONNECT_WAIT: Final = 0.5

T = TypeVar("T")


class MessagingError(AcoustidError):
    """The NATS server is unreachable, or refused a request."""


class ExpectationFailed(MessagingError):
    """A publish's expectation (e.g. the subject's last sequence) did not hold; nothing was stored."""


@dataclass(frozen=True)
class PublishResult:
    seq: int
    duplicate: bool


@dataclass(frozen=True)
class StoredMessage:
    subject: str
    seq: int
    data: bytes
    headers: dict[str, str]


class _Loop:
    """An event loop running in a daemon thread; ``run`` waits for a coroutine submitted to it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="nats-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except (TimeoutError, concurrent.futures.TimeoutError) as exc:  # distinct before Python 3.11
            future.cancel()
            raise MessagingError("the NATS request did not complete in time") from exc
        except (nats.errors.Error, nats.js.errors.Error, asyncio.TimeoutError, OSError) as exc:
            raise _translate(exc) from exc

    def stop(self) -> None:
        """Let whatever still runs on the loop unwind, then stop it. A connect that timed out is
        cancelled but still pending: stopping under it left a task asyncio reported, when it was
        collected, as destroyed while pending."""
        if self.loop.is_running():
            unwound = asyncio.run_coroutine_threadsafe(_cancel_pending(), self.loop)
            with contextlib.suppress(concurrent.futures.TimeoutError, TimeoutError):
                unwound.result(STOP_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(STOP_TIMEOUT)
        if not self._thread.is_alive():
            self.loop.close()


async def _cancel_pending() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _translate(exc: BaseException) -> MessagingError:
    if isinstance(exc, nats.js.errors.APIError) and exc.err_code == 10071:
        return ExpectationFailed(str(exc.description))
    text = str(exc) or type(exc).__name__
    return MessagingError(f"NATS: {text}")


class Delivery:
    """One message from a pull consumer, to acknowledge once it has been dealt with."""

    def __init__(self, loop: _Loop, msg: Msg) -> None:
        self._loop = loop
        self._msg = msg
        self.data: bytes = msg.data
        self.subject: str = msg.subject
        self.num_delivered: int = msg.metadata.num_delivered or 1

    def ack(self) -> None:
        """Done with: the server will not deliver it again (waits for the server's confirmation)."""
        self._loop.run(self._msg.ack_sync(timeout=DEFAULT_TIMEOUT), DEFAULT_TIMEOUT + 1)

    def nak(self, delay: float | None = None) -> None:
        """Not done: deliver it again (after ``delay`` seconds)."""
        self._loop.run(self._msg.nak(delay=delay), DEFAULT_TIMEOUT)

    def term(self) -> None:
        """Never deliver it again (a message that can never be handled)."""
        self._loop.run(self._msg.term(), DEFAULT_TIMEOUT)


class PullConsumer:
    def __init__(self, loop: _Loop, subscription: JetStreamContext.PullSubscription) -> None:
        self._loop = loop
        self._subscription = subscription

    def fetch(self, batch: int, timeout: float) -> list[Delivery]:
        """Up to ``batch`` messages, waiting at most ``timeout`` seconds for the first; [] if none."""
        try:
            msgs = self._loop.run(self._fetch(batch, timeout), timeout + DEFAULT_TIMEOUT)
        except MessagingError as exc:
            if isinstance(exc.__cause__, (nats.errors.TimeoutError, asyncio.TimeoutError)):
                return []
            raise
        return [Delivery(self._loop, msg) for msg in msgs]

    async def _fetch(self, batch: int, timeout: float) -> list[Msg]:
        return await self._subscription.fetch(batch, timeout=timeout)

    def pending(self) -> tuple[int, int]:
        """(messages not delivered yet, messages delivered and not acknowledged)."""
        info = self._loop.run(self._subscription.consumer_info(), DEFAULT_TIMEOUT)
        return int(info.num_pending or 0), int(info.num_ack_pending or 0)

    def waiting(self) -> int:
        """How many fetches (of any process bound to this consumer) are waiting for messages."""
        info = self._loop.run(self._subscription.consumer_info(), DEFAULT_TIMEOUT)
        return int(info.num_waiting or 0)


class JetStream:
    """A synchronous JetStream client over one NATS connection (see the module doc)."""

    def __init__(self, loop: _Loop, client: Client) -> None:
        self._loop = loop
        self._client = client
        self._js = client.jetstream(timeout=DEFAULT_TIMEOUT)

    @classmethod
    def connect(cls, url: str, *, name: str = "acoustid-pg", timeout: float = DEFAULT_TIMEOUT) -> JetStream:
        loop = _Loop()
        try:
            client = loop.run(_connect(url, name, timeout), timeout + 5)
        except BaseException:
            loop.stop()
            raise
        return cls(loop, client)

    @property
    def connected(self) -> bool:
        return bool(self._client.is_connected)

    def ensure_stream(
        self, name: str, subjects: Sequence[str], *, max_msgs_per_subject: int = -1, work_queue: bool = False
    ) -> StreamConfig:
        """The stream ``name``: created with this config if missing, else left as the operator has
        it. A ``work_queue`` stream deletes each message once a consumer acknowledged it."""
        config = StreamConfig(
            name=name,
            subjects=list(subjects),
            max_msgs_per_subject=max_msgs_per_subject,
            retention=RetentionPolicy.WORK_QUEUE if work_queue else RetentionPolicy.LIMITS,
        )
        return self._loop.run(self._ensure_stream(config), 30)

    async def _ensure_stream(self, config: StreamConfig) -> StreamConfig:
        assert config.name is not None
        try:
            info = await self._js.stream_info(config.name)
        except nats.js.errors.NotFoundError:
            info = await self._js.add_stream(config)
        return info.config

    def publish(
        self,
        subject: str,
        payload: bytes,
        *,
        msg_id: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> PublishResult:
        """Store one message and wait for the stream's acknowledgement. ``msg_id`` lets the stream
        drop a repeat of the same message (within its duplicate window)."""
        result = self.publish_many([(subject, payload, msg_id, headers)], timeout=timeout)[0]
        if isinstance(result, MessagingError):
            raise result
        return result

    def publish_many(
        self,
        messages: Sequence[tuple[str, bytes, str | None, dict[str, str] | None]],
        *,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[PublishResult | MessagingError]:
        """Send (subject, payload, msg_id, headers) messages in order without waiting between them,
        then wait for every acknowledgement. The stream stores them in the order sent; each
        result is the acknowledgement or the error for that message."""
        return self._loop.run(self._publish_many(messages, timeout), timeout + 10)

    async def _publish_many(
        self, messages: Sequence[tuple[str, bytes, str | None, dict[str, str] | None]], timeout: float
    ) -> list[PublishResult | MessagingError]:
        # Our own replies inbox rather than nats-py's publish_async, whose futures never see an
        # error reply (a failed expectation would look like a timeout).
        loop = asyncio.get_running_loop()
        replies: list[asyncio.Future[Msg]] = [loop.create_future() for _ in messages]
        inbox = self._client.new_inbox()

        async def on_reply(msg: Msg) -> None:
            index = int(msg.subject.rsplit(".", 1)[1])
            if not replies[index].done():
                replies[index].set_result(msg)

        subscription = await self._client.subscribe(f"{inbox}.*", cb=on_reply)
        try:
            for n, (subject, payload, msg_id, extra) in enumerate(messages):
                headers = dict(extra or {})
                if msg_id is not None:
                    headers["Nats-Msg-Id"] = msg_id
                await self._client.publish(subject, payload, reply=f"{inbox}.{n}", headers=headers or None)
            deadline = loop.time() + timeout
            done: list[PublishResult | MessagingError] = []
            for reply in replies:
                try:
                    msg = await asyncio.wait_for(reply, max(0.0, deadline - loop.time()))
                except asyncio.TimeoutError:
                    done.append(MessagingError("NATS: no acknowledgement from the stream in time"))
                    continue
                done.append(_publish_result(msg))
            return done
        finally:
            await subscription.unsubscribe()

    def pull_consumer(
        self, stream: str, subject: str, *, durable: str, ack_wait: float = 30.0
    ) -> PullConsumer:
        """Bind to the durable pull consumer ``durable`` of ``stream`` (created if missing): every
        process binding the same name shares its messages, each delivered to one of them."""
        config = ConsumerConfig(
            durable_name=durable, ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait, max_deliver=-1
        )

        async def bind() -> JetStreamContext.PullSubscription:
            return await self._js.pull_subscribe(subject, durable=durable, stream=stream, config=config)

        return PullConsumer(self._loop, self._loop.run(bind(), 30))

    def last_per_subject(self, stream: str, subject: str, *, batch: int = 1_000) -> list[StoredMessage]:
        """Every subject's last message in ``stream`` (filtered by ``subject``), read through an
        ephemeral consumer: what a new copy of the stream's state starts from."""
        return self._loop.run(self._read(stream, subject, DeliverPolicy.LAST_PER_SUBJECT, batch), None)

    def all_messages(self, stream: str, subject: str, *, batch: int = 1_000) -> list[StoredMessage]:
        """Every message ``stream`` holds on ``subject``, in stream order."""
        return self._loop.run(self._read(stream, subject, DeliverPolicy.ALL, batch), None)

    async def _read(
        self, stream: str, subject: str, policy: DeliverPolicy, batch: int
    ) -> list[StoredMessage]:
        config = ConsumerConfig(deliver_policy=policy, ack_policy=AckPolicy.NONE, inactive_threshold=60)
        subscription = await self._js.pull_subscribe(subject, stream=stream, config=config)
        found: list[StoredMessage] = []
        try:
            while True:
                info = await subscription.consumer_info()
                if not info.num_pending:
                    break
                try:
                    msgs = await subscription.fetch(min(batch, int(info.num_pending)), timeout=2)
                except nats.errors.TimeoutError:
                    continue
                for msg in msgs:
                    found.append(
                        StoredMessage(
                            msg.subject, int(msg.metadata.sequence.stream), msg.data, msg.headers or {}
                        )
                    )
        finally:
            await subscription.unsubscribe()
        return found

    def last_message(self, stream: str, subject: str) -> StoredMessage | None:
        """The last message stored on ``subject``, or None."""

        async def get() -> StoredMessage | None:
            try:
                raw = await self._js.get_last_msg(stream, subject)
            except nats.js.errors.NotFoundError:
                return None
            headers = {str(k): str(v) for k, v in (raw.headers or {}).items()}
            return StoredMessage(raw.subject or subject, int(raw.seq or 0), raw.data or b"", headers)

        return self._loop.run(get(), DEFAULT_TIMEOUT + 1)

    def stream_state(self, stream: str) -> dict[str, Any]:
        """The stream's config and state, as JSON-like dicts (for status and tests)."""

        async def info() -> dict[str, Any]:
            found = await self._js.stream_info(stream)
            return {"config": found.config.as_dict(), "state": json.loads(json.dumps(found.state.as_dict()))}

        return self._loop.run(info(), DEFAULT_TIMEOUT + 1)

    def delete_stream(self, stream: str) -> None:
        self._loop.run(self._js.delete_stream(stream), DEFAULT_TIMEOUT + 1)

    def close(self) -> None:
        try:
            self._loop.run(self._client.close(), DEFAULT_TIMEOUT)
        except MessagingError:
            pass  # closing a connection that is already gone
        finally:
            self._loop.stop()

    def __enter__(self) -> JetStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _publish_result(msg: Msg) -> PublishResult | MessagingError:
    if msg.headers and msg.headers.get("Status") == "503":
        return MessagingError("NATS: no stream stores this subject")
    try:
        answer = json.loads(msg.data)
    except ValueError:
        return MessagingError(f"NATS: unreadable acknowledgement {msg.data[:80]!r}")
    error = answer.get("error")
    if error is not None:
        if error.get("err_code") == 10071:
            return ExpectationFailed(str(error.get("description")))
        return MessagingError(f"NATS: {error.get('description')} (code {error.get('err_code')})")
    return PublishResult(int(answer["seq"]), bool(answer.get("duplicate")))


async def _connect(url: str, name: str, timeout: float) -> Client:
    client = Client()

    async def quiet(exc: Exception) -> None:
        """Reconnect attempts fail while the server is down; the callers see MessagingError."""

    await client.connect(
        servers=[url],
        name=name,
        connect_timeout=max(1, int(timeout)),
        reconnect_time_wait=RECONNECT_WAIT,  # type: ignore[arg-type]
        max_reconnect_attempts=-1,
        error_cb=quiet,
    )
    return client
