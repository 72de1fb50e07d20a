"""Fault injection: latency, error statuses, dropped connections, slow
answers. Every decision is a pure function of (seed, endpoint, n), n being
the endpoint's request count since the faults were set, so a run is
reproducible even when requests to different endpoints interleave."""

import copy
import random

ACTIONS = ('drop', '500', '503', '429', 'slow')
KNOBS = {
    'latency_ms': 0.0,     # fixed delay before answering
    'jitter_ms': 0.0,      # plus uniform(0, jitter_ms)
    'p_drop': 0.0,         # close the connection (RST) without an answer
    'p_500': 0.0,
    'p_503': 0.0,
    'p_429': 0.0,
    'p_slow': 0.0,         # answer normally, but only after slow_ms
    'slow_ms': 30000.0,
    'retry_after_s': 1,    # Retry-After sent with 429 and 503
    # After the request took effect, before its answer leaves: a client
    # killed meanwhile has changed the server without knowing it.
    'answer_delay_ms': 0.0,
}
# Scripts only: '403' is a permanent refusal (an undo that can never succeed).
SCRIPT_ACTIONS = ACTIONS + ('ok', '403')


class FaultError(ValueError):
    pass


def validate(spec):
    if not isinstance(spec, dict):
        raise FaultError('faults must be a JSON object')
    unknown = set(spec) - {'seed', 'endpoints', 'script', 'network_down'}
    if unknown:
        raise FaultError('unknown fault keys: %s' % ', '.join(sorted(unknown)))
    seed = spec.get('seed', 0)
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise FaultError('seed must be an integer or a string')
    for name, knobs in spec.get('endpoints', {}).items():
        if not isinstance(knobs, dict):
            raise FaultError('endpoint %s: knobs must be an object' % name)
        for knob, value in knobs.items():
            if knob not in KNOBS:
                raise FaultError('endpoint %s: unknown knob %s (known: %s)' % (name, knob, ', '.join(KNOBS)))
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise FaultError('endpoint %s: %s must be a number >= 0' % (name, knob))
            if knob.startswith('p_') and value > 1:
                raise FaultError('endpoint %s: %s is a probability (0..1)' % (name, knob))
    for name, steps in spec.get('script', {}).items():
        if not isinstance(steps, list):
            raise FaultError('script for %s must be a list' % name)
        for step in steps:
            if str(step) not in SCRIPT_ACTIONS:
                raise FaultError('script for %s: unknown action %r (known: %s)' % (name, step, ', '.join(SCRIPT_ACTIONS)))
    if 'network_down' in spec and not isinstance(spec['network_down'], bool):
        raise FaultError('network_down must be true or false')


class Faults:
    """Not thread-safe on its own: the simulator calls it under its lock."""

    def __init__(self, spec=None):
        self.set(spec or {})

    def set(self, spec):
        validate(spec)
        self.spec = copy.deepcopy(spec)
        self.seed = spec.get('seed', 0)
        self.endpoints = spec.get('endpoints', {})
        self.script = {k: [str(s) for s in v] for k, v in spec.get('script', {}).items()}
        self.counts = {}

    def describe(self):
        out = copy.deepcopy(self.spec)
        out['script_remaining'] = copy.deepcopy(self.script)
        return out

    def knobs_for(self, endpoint):
        """Merged from the least to the most specific name: '*', 'tts',
        'tts.js', 'tts.js.set'."""
        knobs = dict(KNOBS)
        parts = endpoint.split('.')
        for name in ['*'] + ['.'.join(parts[:i]) for i in range(1, len(parts) + 1)]:
            knobs.update(self.endpoints.get(name, {}))
        return knobs

    def answer_delay(self, endpoint):
        return self.knobs_for(endpoint)['answer_delay_ms'] / 1000.0

    def decide(self, endpoint):
        """Returns (action, delay_s, retry_after_s); action is 'ok' or one of
        ACTIONS."""
        n = self.counts.get(endpoint, 0)
        self.counts[endpoint] = n + 1
        knobs = self.knobs_for(endpoint)
        rng = random.Random('%s:%s:%d' % (self.seed, endpoint, n))
        delay = knobs['latency_ms'] + rng.uniform(0, knobs['jitter_ms'])
        action = 'ok'
        steps = self.script.get(endpoint)
        if steps:
            action = steps.pop(0)
        else:
            u = rng.random()
            edge = 0.0
            for candidate in ACTIONS:
                edge += knobs['p_' + candidate]
                if u < edge:
                    action = candidate
                    break
        if action == 'slow':
            delay += knobs['slow_ms']
        return action, delay / 1000.0, int(knobs['retry_after_s'])
