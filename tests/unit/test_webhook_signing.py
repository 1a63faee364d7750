"""Standard Webhooks signing and the retry schedule (pure)."""

from __future__ import annotations

from escalation.integrations.webhooks import backoff_s, subscribed
from server.platform.signing import new_secret, sign, verify
from store.engagement_models import WebhookEndpoint
from tests.support.harness import make_config


def test_signature_matches_the_standard_webhooks_test_vector() -> None:
    # The vector published with the Standard Webhooks reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_receiver_side_verification_accepts_any_listed_signature_and_rejects_tampering() -> None:
    secret = new_secret()
    good = sign(secret, "msg_1", 1700000000, "{}")
    assert verify(secret, "msg_1", "1700000000", "{}", f"v1,bm9wZQ== {good}")
    assert not verify(secret, "msg_1", "1700000000", '{"x":1}', good)
    assert not verify(secret, "msg_2", "1700000000", "{}", good)
    assert not verify(new_secret(), "msg_1", "1700000000", "{}", good)


def test_retries_back_off_exponentially_up_to_the_cap(tmp_path: object) -> None:
    config = make_config(tmp_path, webhook_backoff_s=5, webhook_backoff_max_s=60)  # type: ignore[arg-type]
    assert [backoff_s(config, n) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_subscriptions_are_glob_patterns_and_empty_means_everything() -> None:
    def endpoint(*patterns: str) -> WebhookEndpoint:
        return WebhookEndpoint(
            id="w", tenant_id="t", url="http://x", secret="whsec_", event_types=list(patterns)
        )

    assert subscribed(endpoint(), "escalation.queued")
    assert subscribed(endpoint("escalation.*"), "escalation.queued")
    assert not subscribed(endpoint("escalation.completed"), "escalation.queued")
